"""Guessed values: where a residual case forces no value, choose one and carry it.

The value lemmas (:mod:`nnsolve.decider.value_lemmas`) carry the values a case *forces*.
A formula with free directions forces none: planted 10,000 (seed 1) has two, and the
value stage's pass over all its 37,944 condition variables fixes nothing
(docs/performance.md, "Eighth session").  The ETR side meets the same formula by
guessing (``nnsolve.decision.etr._search``: x1 = 7/4, then x8 = 2/3, each followed by
exact propagation).  This stage does the same on the training side:

1. ``v``: the condition variables, those the most assertions use first (ties: the
   order of the case's conditions); for a guess on what a cascade left, those nearest
   the guess before it first (hops through shared assertions: where the cascade
   stopped); the first :data:`VARIABLES` of them in turn, each with its ends and its
   first :data:`FIRST_INSIDE` inside values, then the rest of each one's values;
2. their *local intervals*: a model of the assertions N within :data:`GUESS_RADIUS`
   hops of ``v`` gives a point m; queries ``N and v >= c`` (``<=`` below m), with c
   moving away from m by doubling steps and then by bisection, bracket how far N lets
   ``v`` go each way (every solution of the case satisfies N, so the case's own range of
   ``v`` lies inside; the interval only orders the guesses);
3. values: the simplest rational (fewest digits: Stern-Brocot) at each end of the
   interval (between the last value with a solution and the bound past it) and m; then
   the simplest rationals in the middle of the interval, then in the middle of each
   piece left, up to :data:`CANDIDATES`, the simplest first.  Each is also chosen in
   the values of v's *partners* (``partner_maps``: a variable w that a definition ties
   to v alone, w = (a v + b) / (c v + d); on a chain residual a breakline position's
   jump, K = 3 / v up to sign) and read back: a network's weights are simple where its
   positions are not (planted 10,000: the forward witness has c_q.2.1 = 21/11 and a
   jump 11/7);
4. for each (v, q): the *guessed case*, the case with ``v = q``; the value lemmas'
   cascade from ``v``'s neighbours on it (``value_lemmas(front=...)``, at the radii
   :data:`CASCADE_RADII`); when it has no
   solution the guess is refuted and the next is tried; when no ite is left,
   ``finish`` (the exact query); when the cascade ends or stalls (no new value for
   ``VALUE_STALL`` seconds) with ites left, a further guess on what it left, up to
   :data:`MAX_DEPTH` guesses deep.  Without the stall a cascade that one guess does not
   force crawls (planted 10,000: about one value a second, 40 queries a value) until
   the deadline, and no further guess is made.  After a guess, a case with at most
   :data:`FINISH_PIECES` ite pieces goes to ``finish`` first: a cascade may leave a
   small case whose solution has values no list of simple ones holds.

**Soundness.**  A guessed case is the case plus one linear equation, so each of its
solutions is one of the case's.  The cascade's values are implied by the guessed case
(value lemmas' argument), so what it leaves has exactly the guessed case's solutions,
and a model of it (``finish``'s sat, with the guessed equations in its system) is a
model of the case.  Only ``finish``'s sat is reported; the caller checks it exactly
(``exact_fit`` of the decoded network).  An unsat of a guessed case refutes only that
guess: this stage never reports unsat and answers unknown when no guess led to a
model.  Which variable, which candidates, how deep and when a cascade counts as
stalled are a schedule (a stopped cascade's case has the guessed case's solutions all
the same): a different choice can only turn a sat into unknown.

>>> from fractions import Fraction as F
>>> simplest_between(F(5, 3), F(2)), simplest_between(F(-3, 2), F(-1, 3)), simplest_between(F(-1), F(1))
(Fraction(7, 4), Fraction(-1, 1), Fraction(0, 1))
>>> [str(q) for q in spread(F(0), F(1), 5)]
['1/2', '1/3', '2/3', '1/5', '2/5']
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import Counter, deque
from dataclasses import replace
from fractions import Fraction
from typing import Callable

from nnsolve.decider.branching import Case, conditions
from nnsolve.decider.local_lemmas import item_hops, item_index, neighbourhood, pieces
from nnsolve.decider.residual_query import component_script, name, selected_items
from nnsolve.decider.result import progress_log
from nnsolve.decider.value_lemmas import VALUE_STALL, value_lemmas, with_values
from nnsolve.elimination import Inconsistent
from nnsolve.solvers import SAT, UNKNOWN, UNSAT, Limits, Query, SolverResult
from nnsolve.terms import num

log = logging.getLogger(__name__)

__all__ = ["CANDIDATES", "CASCADE_RADII", "FINISH_PIECES", "FIRST_INSIDE", "GUESS_RADIUS", "MAX_DEPTH",
           "guess_and_carry",
           "local_interval", "partner_maps", "simplest_between", "simplest_in", "spread"]

#: hops around the guessed variable for its local interval and its cascade's first front
GUESS_RADIUS = 3
#: radii of a guessed cascade's neighbourhoods: no radius-4 retries (planted 10,000: of
#: 71,940 radius-4 asks on two guessed cascades none gave a value or refuted a guess;
#: with radius 3 alone 27% more values in 300 s, and wrong values refuted as fast or faster)
CASCADE_RADII = (3,)
#: values tried for one guessed variable
CANDIDATES = 30
#: guesses on top of each other (planted 10,000: the ETR side needs two)
MAX_DEPTH = 3
#: variables whose ends and first inside values are tried before any variable's other values
VARIABLES = 4
#: inside values of a variable tried before the next variable's (planted 10,000: the
#: witness's value of the first variable is its 3rd inside value, after three ends)
FIRST_INSIDE = 6
#: doubling steps and bisection steps of the local interval, each way
WIDEN, BISECT = 24, 10
#: after a guess, a case with at most this many ite pieces goes to ``finish`` (the exact
#: query) before any further guess, for up to FINISH_SHARE of the time left.  Planted
#: 10,000: the two right guesses (c_q.2.1 = 21/11, c_q.8090.1 = 9/5) left 426 pieces,
#: and every guess on them was refuted: the forward witness's values there are rationals
#: of 40-50 digits, which no list of simple values holds, while the exact query decides
#: such a case in seconds (planted 1,000: 339 pieces, sat in 11 s)
FINISH_PIECES = 2000
FINISH_SHARE = 0.25


def simplest_between(low: Fraction, high: Fraction) -> Fraction:
    """The simplest rational strictly between ``low`` < ``high``: the least denominator,
    then the least absolute numerator (the Stern-Brocot tree's first node inside).  A
    loop over the continued fraction, so two ends that share a long expansion cost
    steps, not stack."""
    if not low < high:
        raise ValueError(f"empty interval ({low}, {high})")
    if low < 0 < high:
        return Fraction(0)
    if high <= 0:
        return -simplest_between(-high, -low)
    # 0 <= low < high: the answer is [a0; a1, ..., ak] read down the tree; at each level
    # (low, high) is mapped by x -> 1 / (x - whole) (which swaps the ends)
    terms: list[int] = []
    while True:
        whole = math.floor(low)
        if whole + 1 < high:
            terms.append(whole + 1)
            break
        # low and high share their integer part (or high is the next integer)
        rest_low, rest_high = low - whole, high - whole  # 0 <= rest_low < rest_high <= 1
        terms.append(whole)
        if rest_low == 0:
            terms.append(math.floor(1 / rest_high) + 1)
            break
        low, high = 1 / rest_high, 1 / rest_low
    value = Fraction(terms[-1])
    for t in reversed(terms[:-1]):
        value = t + 1 / value
    return value


def _simplicity(q: Fraction) -> tuple[int, int]:
    return q.denominator, abs(q.numerator)


def simplest_in(low: Fraction, high: Fraction) -> Fraction:
    """The simplest rational in the closed interval [``low``, ``high``] (either order).

    >>> from fractions import Fraction as F
    >>> simplest_in(F(98304, 49153), F(2)), simplest_in(F(7, 5), F(7, 5))
    (Fraction(2, 1), Fraction(7, 5))
    """
    low, high = min(low, high), max(low, high)
    if low == high:
        return low
    return min((low, high, simplest_between(low, high)), key=_simplicity)


def spread(low: Fraction, high: Fraction, count: int) -> list[Fraction]:
    """Up to ``count`` candidates strictly inside (``low``, ``high``): the simplest
    rational in the middle half, then, breadth first, in the middle half of each piece
    that splits the interval."""
    out: list[Fraction] = []
    pieces = deque([(low, high)])
    while pieces and len(out) < count:
        a, b = pieces.popleft()
        if not a < b:
            continue
        width = b - a
        q = simplest_between(a + width / 4, b - width / 4)
        out.append(q)
        pieces.extend([(a, q), (q, b)])
    return out


def local_interval(v, hood: list, session, limits: Limits, cancel=None,
                   stop: Callable[[], bool] = lambda: False) -> tuple[Fraction, list] | None:
    """A model's value m of ``v`` in ``hood`` (``(text, variables)`` items), and for the
    way up and the way down a pair (a value with solutions of ``hood``, as far from m as
    doubling steps and bisection find; a bound past which ``hood`` is unsat, or None when
    none was found): module docstring, step 2.  A query that gives neither an exact
    model nor unsat ends that way's search where it is.  None when ``hood`` gives no
    exact model.  ``session`` is a solver child (``Solver.session``); ``stop()`` is asked
    before each query (the caller's deadline).

    >>> from nnsolve.solvers import get_solver
    >>> hood = [("(assert (>= x 1.0))", {"x"}), ("(assert (<= (* x x) 4.0))", {"x"})]
    >>> session = get_solver("z3").session()
    >>> m, ((high, above), (low, below)) = local_interval("x", hood, session, Limits(10))
    >>> session.close()
    >>> simplest_in(high, above), simplest_in(low, below), 1 <= low <= m <= high <= 2 < above
    (Fraction(2, 1), Fraction(1, 1), True)
    """
    def model(extra: str | None) -> tuple[str, Fraction | None]:
        """(SAT with an exact value, UNSAT, or UNKNOWN for anything else)."""
        if stop():
            return UNKNOWN, None
        items = hood + ([(extra, {v})] if extra else [])
        [answer] = session.solve_many([Query(component_script(items), (name(v),))], limits, cancel)
        if answer.status == UNSAT:
            return UNSAT, None
        value = (answer.model or {}).get(name(v)) if answer.status == SAT and not answer.inexact else None
        if isinstance(value, (int, Fraction)):
            return SAT, Fraction(value)
        return UNKNOWN, None

    status, m = model(None)
    if status != SAT:
        return None
    ends = []
    for sign, op in ((1, ">="), (-1, "<=")):
        reached, beyond = m, None  # a value with a solution; a bound past which hood is unsat
        step = (abs(m) + 1) / 256
        for _ in range(WIDEN):
            status, found = model(f"(assert ({op} {name(v)} {num(reached + sign * step)}))")
            if status == UNSAT:
                beyond = reached + sign * step
            if status != SAT:
                break
            reached, step = found, 2 * step
        for _ in range(BISECT if beyond is not None else 0):
            status, found = model(f"(assert ({op} {name(v)} {num((reached + beyond) / 2)}))")
            if status == UNSAT:
                beyond = (reached + beyond) / 2
            elif status == SAT:
                reached = found
            else:
                break
        ends.append((reached, beyond))
    return m, ends


def _ends(m: Fraction, low: Fraction, below, high: Fraction, above, extra: tuple = ()) -> list[Fraction]:
    """The values tried first, without repeats: at each end with a bound, the simplest
    rational from the last value with a solution up to the bound, the bound left out
    (a solver's model lies at a vertex, and a reduction's positions take few values:
    planted 1,000, 772 of the forward witness's 3,701 recentred positions are 1, 6/5, 9/5
    or 2); then the model's value.  An end without a bound (the doubling steps ran out)
    gives nothing: the last value reached there is far and of many digits.  ``extra``
    (the ends chosen in a partner's values) come before the model's value."""
    out = [_toward(end, bound) for end, bound in ((high, above), (low, below)) if bound is not None]
    return list(dict.fromkeys(out + list(extra) + [m]))


def _toward(end: Fraction, bound: Fraction) -> Fraction:
    """An end's value: the simpler of ``end`` (a value with a solution) and the simplest
    rational strictly between it and ``bound`` (past which there is none)."""
    return min((end, simplest_between(min(end, bound), max(end, bound))), key=_simplicity)


def partner_maps(system, v) -> list[tuple[object, tuple[Fraction, Fraction, Fraction, Fraction]]]:
    """The variables that a definition ties to ``v`` alone: (w, (a, b, c, d)), meaning
    w (c v + d) = a v + b, for each definition P = X Y of ``system`` whose reduced forms
    use ``v`` and one other variable w, with no square in X Y (one factor in v, the
    other in w).  On a chain residual: a breakline position and its jump (K k = U),
    K = 3 / v (up to sign) below.  Only the guesses' order reads these maps.

    >>> from nnsolve.elimination import LinearSystem
    >>> s = LinearSystem(priority=lambda k: k not in ("U", "k"))  # U and k eliminated first
    >>> s.define("U", "K", "k"); s.equate({"U": 1, None: 3, "K": -5}); s.equate({"k": 1, "v": 1, None: -5})
    >>> [(w, tuple(map(str, f))) for w, f in partner_maps(s, "v")]   # 5K - 3 = K (5 - v): K v = 3
    [('K', ('0', '3', '1', '0'))]
    """
    def co(form, k):
        return Fraction(form.get(k, 0))

    out = []
    for product, left, right in system.bilinear:
        P, X, Y = (system.reduce({k: 1}) for k in (product, left, right))
        names = {k for form in (P, X, Y) for k in form if k is not None}
        if v not in names or len(names) != 2:
            continue
        [w] = names - {v}
        x0, xv, xw, y0, yv, yw = co(X, None), co(X, v), co(X, w), co(Y, None), co(Y, v), co(Y, w)
        if xv * yv or xw * yw:  # a square: not a map from v to w
            continue
        # P = X Y:  w (pw - x0 yw - xw y0 - (xv yw + xw yv) v) = (x0 yv + xv y0 - pv) v + x0 y0 - p0
        a, b = x0 * yv + xv * y0 - co(P, v), x0 * y0 - co(P, None)
        c, d = -(xv * yw + xw * yv), co(P, w) - x0 * yw - xw * y0
        if a * d - b * c != 0:  # w moves with v
            out.append((w, (a, b, c, d)))
    return out


def _through(f: tuple, q: Fraction) -> Fraction | None:
    """w = (a q + b) / (c q + d), None at the pole."""
    a, b, c, d = f
    den = c * q + d
    return None if den == 0 else (a * q + b) / den


def _back(f: tuple, r: Fraction) -> Fraction | None:
    """The v with w = r: v = (b - d r) / (c r - a), None where there is none."""
    a, b, c, d = f
    den = c * r - a
    return None if den == 0 else (b - d * r) / den


def _partner_candidates(f: tuple, m: Fraction, low: Fraction, below, high: Fraction, above) -> tuple[list, list]:
    """The candidates of ``_ends`` and ``spread`` chosen among the simplest values of the
    partner w = f(v) instead of v's own, read back as values of v; an end's bracket, or
    the inside, that holds the map's pole gives none (w is not monotone across it)."""
    a, b, c, d = f

    def clear(x: Fraction, y: Fraction) -> bool:  # the pole is not in [x, y] (either order)
        return c == 0 or not min(x, y) <= -d / c <= max(x, y)

    ends = []
    for end, bound in ((high, above), (low, below)):
        if bound is not None and clear(end, bound):
            ends.append(_back(f, _toward(_through(f, end), _through(f, bound))))
    inside = []
    if low < high and clear(low, high):
        x, y = _through(f, low), _through(f, high)
        inside = [_back(f, r) for r in spread(min(x, y), max(x, y), CANDIDATES)]
    return [q for q in ends if q is not None], [q for q in inside if q is not None and low < q < high]


def _candidates(m: Fraction, low: Fraction, below, high: Fraction, above, maps: list) -> tuple[list, list]:
    """The values tried for one variable: (ends, inside).  The ends are ``_ends``' in
    v's own values and in each partner's (``partner_maps``: a value simple in the jump
    K = 3 / v is not simple in v), then m; the inside values are ``spread``'s in each,
    the simplest in v or in a partner first (least denominator, then numerator), at
    most :data:`CANDIDATES`, none of them an end."""
    partner = [_partner_candidates(f, m, low, below, high, above) for _, f in maps]
    ends = _ends(m, low, below, high, above, tuple(q for more, _ in partner for q in more))
    inside = (spread(low, high, CANDIDATES) if low < high else []) + [q for _, more in partner for q in more]

    def simplest_form(q: Fraction) -> tuple:
        images = [_through(f, q) for _, f in maps]
        return min([_simplicity(q)] + [_simplicity(r) for r in images if r is not None])

    inside = sorted(dict.fromkeys(q for q in inside if q not in ends), key=simplest_form)[:CANDIDATES]
    return ends, inside


def _ranked(case: Case, used: list, near: dict | None = None) -> list:
    """The condition variables, those nearest a previous guess first (``near``: variable
    -> hops; those not in it last), then those the most assertions use (then in the order
    of the conditions)."""
    order: dict = {}
    for form, _, _ in conditions(case).values():
        for v in form:
            order.setdefault(v, len(order))
    degree = Counter(v for u in used for v in u if v in order)
    near = near or {}
    return sorted(order, key=lambda v: (near.get(v, math.inf), -degree[v], order[v]))


def _hops_from(v, index: dict, used: list) -> dict:
    """Every variable connected to ``v`` through shared assertions, with its distance in
    hops: the least hop count (``item_hops``, uncapped) of an assertion that uses it."""
    hops = {v: 0}
    for i, hop in item_hops({v}, index, used, len(used), cap=len(used)).items():
        for w in used[i]:
            hops[w] = min(hops.get(w, hop), hop)
    return hops


def guess_and_carry(case: Case, solver, limits: Limits, finish: Callable[[Case, Limits], SolverResult],
                    workers: int | Callable[[], int] = 1, cancel: threading.Event | None = None,
                    stats: Counter | None = None) -> SolverResult:
    """Sat with ``finish``'s model when a chain of guesses and cascades leads to one
    (module docstring), else unknown with what was tried; never unsat.  ``finish(case,
    limits)`` decides a case the guesses left (its sat model is what is returned)."""
    start = time.monotonic()
    deadline = start + limits.timeout
    stats = Counter() if stats is None else stats
    tried: list[str] = []  # what each guess that led nowhere gave
    chain: list[str] = []  # the guesses that led to the model, outermost first

    def left() -> float:
        return deadline - time.monotonic()

    def stopped() -> bool:
        return left() <= 1 or (cancel is not None and cancel.is_set())

    def interval(current: Case, v, items, used, index, depth: int):
        hood = [pair for i in neighbourhood({v}, index, used, GUESS_RADIUS)
                for pair in selected_items(current.system, current.bounds, current.equations, [items[i][0]])]
        session = solver.session()
        try:
            found = local_interval(v, hood, session, Limits(min(5.0, max(0.5, left())), limits.memory_mb), cancel,
                                   stopped)
        finally:
            session.close()
        stats["guess intervals"] += 1
        if found is None:
            tried.append(f"{name(v)}: no exact model of its neighbourhood")
            return None
        m, ((high, above), (low, below)) = found
        ends, inside = _candidates(m, low, below, high, above, partner_maps(current.system, v))
        progress_log.info("guesses: %s in [%s, %s] (depth %d), ends %s, then %s", name(v), num(low), num(high),
                          depth, ", ".join(num(q) for q in ends), ", ".join(num(q) for q in inside))
        return ends, inside

    def plan(current: Case, items, used, index, depth: int, near: dict | None):
        """(variable, value) guesses: for each of the first VARIABLES variables its ends
        and its first FIRST_INSIDE inside values, then the rest of each one's inside
        values (intervals asked as they are needed)."""
        ranked = _ranked(current, used, near)[:VARIABLES]
        later = []
        for v in ranked:
            if stopped():
                return
            found = interval(current, v, items, used, index, depth)
            if found is None:
                continue
            ends, inside = found
            later.append((v, inside[FIRST_INSIDE:]))
            for q in ends + inside[:FIRST_INSIDE]:
                yield v, q
        for v, inside in later:
            for q in inside:
                yield v, q

    def search(current: Case, depth: int, near: dict | None = None) -> SolverResult | None:
        if stopped():
            return None
        if depth >= MAX_DEPTH or not conditions(current):
            # what the guesses leave is small (planted 1,000: 339 ite pieces, sat in 11 s);
            # a part of the time is kept for the other guesses if it is not
            return finish(current, Limits(max(0.5, left() / 2), limits.memory_mb))
        left_pieces = pieces(current) if depth > 0 else None
        if left_pieces is not None and left_pieces <= FINISH_PIECES:
            # small enough for the exact query: its sat is the answer, its unsat refutes the
            # guesses that led here (no deeper guess can find a model then); on unknown
            # the guesses go on
            answer = finish(current, Limits(max(0.5, FINISH_SHARE * left()), limits.memory_mb))
            progress_log.info("guesses: the exact query on %d ite pieces (depth %d): %s in %.0f s", left_pieces,
                              depth, answer.status, answer.seconds)
            if answer.status in (SAT, UNSAT):
                return answer
        items, used, index = item_index(current)
        for v, q in plan(current, items, used, index, depth, near):
            if stopped():
                return None
            stats["guesses"] += 1
            try:
                guessed = with_values(current, {v: q}, stats)
            except Inconsistent:
                guessed = None
            if guessed is None:
                tried.append(f"{name(v)} = {num(q)}: refuted by elimination")
                continue
            front = {w for i in item_hops({v}, index, used, GUESS_RADIUS) for w in used[i]} - {v}
            # stopped by a stall (VALUE_STALL seconds without a value), the cascade counts
            # as ended: its case has the guessed case's solutions all the same
            patience = min(VALUE_STALL, max(0.5, left()))
            out = value_lemmas(guessed, solver, Limits(patience, limits.memory_mb), radii=CASCADE_RADII,
                               workers=workers, cancel=cancel, stats=stats, front=front,
                               overtime=max(0.0, left() - patience))
            progress_log.info("guesses: %s = %s (depth %d): %s, %d values, %d ite pieces left, %.0f s",
                              name(v), num(q), depth, "refuted" if out.case is None else "carried", out.lemmas,
                              out.pieces_after, time.monotonic() - start)
            if out.case is None:
                tried.append(f"{name(v)} = {num(q)}: refuted ({out.reason})")
                continue
            if not out.finished and stopped():
                tried.append(f"{name(v)} = {num(q)}: {out.lemmas} values, stopped")
                return None
            # the next guess where this cascade stopped: the variables it left, nearest v first
            answer = search(out.case, depth + 1, _hops_from(v, index, used))
            if answer is not None and answer.status == SAT:
                chain.insert(0, f"{name(v)} = {num(q)} ({out.lemmas} values)")
                return answer
            tried.append(f"{name(v)} = {num(q)}: {out.lemmas} values, "
                         + (answer.status if answer is not None else "no model"))
        return None

    found = search(case, 0)
    if found is not None and found.status == SAT:
        return replace(found, seconds=time.monotonic() - start,
                       reason=f"guesses: {', then '.join(chain)}, after {stats['guesses'] - len(chain)} other "
                              f"guesses; {found.reason or 'sat'}")
    return SolverResult(UNKNOWN, solver.name, time.monotonic() - start,
                        reason="guesses led to no model" + (f": {'; '.join(tried[:6])}" if tried else ""))
