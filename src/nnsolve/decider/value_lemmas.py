"""Value lemmas: carry exact values along a residual case, one neighbourhood at a time.

The local lemmas (:mod:`nnsolve.decider.local_lemmas`) ask on which side of a data
point's threshold a condition's form lies.  Their lemmas are bounds at sample
positions, and that information decays within two hops (docs/performance.md, "Why the
lemmas do not carry values along the formula").  Where the formula forces values (a
unique solution: x * x = 1 and the definitions from it), what moves along the formula
is an exact *value*: once a breakline's position is fixed, the next gadget's breakline
is fixed too, by equations that exact elimination alone does not see through the ites.

This stage asks for that value.  For a variable v of an undecided condition and the
assertions N within ``radius`` hops of v:

1. a solver's model of N proposes a value m for v (a guess: it decides nothing);
2. N with v != m is asked, by the same child (``Query.pin``); when it is unsat (the same
   as N with v < m and N with v > m both unsat), every solution of N has v = m.

**The argument** is the local lemmas' ("``<`` and ``>`` closed: ``f = t``"): N is a
subset of the case's assertions, written in the free variables through the system's own
equations (``selected_items``: no relaxation, no added bound), plus equations w = m'
for values fixed earlier in the stage, each implied by the case by induction; v has the
same injective name (``residual_query.name``) in N and in the side query; so every
solution of the case satisfies N and hence has v = m, and adding the linear equation
v = m changes no solution.  m is exact (only exact model values are taken): a Fraction,
written as a numeral (``num``), or a real algebraic number, for which "v != m" and
"w = m" are written as "v is not / w is the root of m's polynomial in m's isolating
interval" (``terms.is_value``: the same sets of reals), and which goes into the case in
the powers of an anchor (:mod:`nnsolve.decider.field_values`, with its argument; a value
outside the anchor's field is left out).  All values fixed between two eliminations are implied by
the same case, so the case implies their conjunction (a contradictory conjunction: the
case has none).  If N itself is unsat, so is the case.  At each elimination (:func:`nnsolve.decider.branching._settle`)
replaces the case by an equivalent one.  So the output has exactly the input's
solutions (projected onto the variables the caller keeps), or it is None and the input
has none.  Only a solver's *unsat* decides (as for the local lemmas, the trust base is
the solver's unsat on QF_NRA, each answer matched to its query by position); its models
only choose which m to ask, and a wrong, inexact or missing model only costs a lemma.
The input case is only read (elimination runs on a copy), so the caller may keep it.

**Steps.**  Values are carried by a worklist, not by re-reading the whole case: the
case is settled once per elimination, and each call of the worklist indexes its
assertions and writes each one's text once (when a neighbourhood first needs it).  A step asks a batch of queued
condition variables, each with its value check, in one solver child, kept for the whole
stage (``Solver.session``: a step costs no child start, so steps can be small), or split
over ``workers`` such children (a step of two in two children: unsat-unique 10,000,
18,383 values in 600 s against 10,499 with one child).  A fixed value
v = m is kept as the assertion ``v = m`` (implied by the case, so any neighbourhood may
carry it: the argument above is unchanged) and written into every later neighbourhood
that uses v.  Three queues (:func:`_worklist`), asked in this order:

* the *front*: the condition variables within the largest radius of a value just
  fixed, nearest first, at the first radius, :data:`FRONT_STEP` to a step;
* the front's variables that gave no value, again at each larger radius in turn;
* the *pass*: every condition variable at the pass's radius (the first of ``radii``,
  then the next when a pass fixes nothing; :data:`MAX_STEP` to a step).

Once a value is fixed, only the front is asked until it is done; then the values go
into the case (:func:`with_values`: an elimination, which also decides the ites they
decide) and the front resumes from the variables near them.  The elimination is what
lets a stalled cascade go on: on unsat-unique 1,000 it stalled at 16 values at radius 3
and at radius 4 alike, and went on only after the values were eliminated
(docs/performance.md, "Eighth session").  When the pass is done, it is asked again at
the same radius if values were fixed since it began (a neighbourhood text, variable and
assertions, is asked at most once in the stage, so only the texts the eliminations
changed are asked again); otherwise the next of ``radii`` is tried, but only if some
value has been fixed in the stage (otherwise nothing is forced to carry: a planted
formula with free values).  It ends at all: a step queues variables only for a value it
fixed (a front variable at most once more per larger radius), each variable is fixed at
most once and is then eliminated, a pass is repeated only after a value was fixed, and
the radii are finite.

On the unsat-unique family the values cascade from the anchor through the formula
until a neighbourhood has no solution (docs/performance.md, "Value lemmas").  On a
planted formula with free values nothing is fixed, and the first pass over every
condition variable is the stage's cost.

>>> from fractions import Fraction
>>> from nnsolve.decider.branching import Case
>>> from nnsolve.decider.residual_query import Bound, PiecewiseEquation
>>> from nnsolve.elimination import LinearSystem
>>> from nnsolve.solvers import get_solver, Limits
>>> s = LinearSystem()
>>> s.define("u", "x", "x")                    # u = x^2 = 4 with x >= 0: x = 2, which no
>>> s.equate({"u": 1, None: -4})               # interval or elimination shows
>>> eq = PiecewiseEquation({"y": 1}, (({"x": 1}, Fraction(1), {None: 1}),))  # y + ite(x <= 1, 1, 0) = 0
>>> case = Case(s, (Bound({"x": 1}, Fraction(0), None),), (eq,))
>>> out = value_lemmas(case, get_solver("z3"), Limits(30))
>>> out.lemmas, out.case.equations, out.case.system.value("x"), out.case.system.value("y")
(1, (), Fraction(2, 1), Fraction(0, 1))
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections import Counter, deque
from fractions import Fraction
from typing import Callable, Iterable, Sequence

from nnsolve.decider.branching import Case, _add_case, _settle, conditions
from nnsolve.decider.field_values import add_algebraic, is_algebraic
from nnsolve.decider.local_lemmas import (LemmaOutcome, _ask, _Until, item_hops, item_index,
                                          neighbourhood, pieces)
from nnsolve.decider.residual_query import component_script, name, selected_items
from nnsolve.decider.result import progress_log
from nnsolve.elimination import Inconsistent
from nnsolve.terms import is_value, num
from nnsolve.solvers import SAT, UNSAT, Limits, Query

log = logging.getLogger(__name__)

#: hops around a variable: radius 3 carries most unsat-unique values; where it stalls,
#: radius 4 goes on (unsat-unique 30, seed 2: radius 3 alone stops at 97 of 236 pieces,
#: radius 4 closes the case in 10 s); radius 2 holds too little of a gadget to fix a value
VALUE_RADII = (3, 4)

__all__ = ["FRONT_STEP", "MAX_STEP", "VALUE_RADII", "VALUE_STALL", "value_lemmas", "with_values"]


#: seconds without a new value after which a stage in its overtime stops (value_lemmas);
#: a cascade fixes values every second or so (unsat-unique 1,000 and 10,000: 7-19 a second)
VALUE_STALL = 30.0

#: condition variables asked in one step at most (a step is one solver batch; a value
#: fixed queues its neighbours first, so a small step lets the cascade start early)
MAX_STEP = 100
#: neighbourhoods in a step while a cascade's front is asked, nearest the newest values
#: first.  Two: a value found queues its neighbours ahead of the rest of the front, and a
#: larger step makes them wait behind neighbourhoods queued earlier (unsat-unique 1,000,
#: 150 s of the stage: 1,132-1,283 values with steps of 2, 706 with 5, 304 with 25, and
#: 314 with 1, where the second-nearest neighbourhood, which fixes a value almost as often
#: as the nearest, waits behind the new value's whole neighbourhood).  Small steps cost
#: little because a step costs no child start (``Solver.session``); a cascade that fans
#: out loses a little (sat 1,000: 304 s against 284 s with 25).  Steps that grow while
#: they fix values lost more on unsat-unique than they gained on sat (docs/performance.md,
#: "Ninth session")
FRONT_STEP = 2


def value_lemmas(case: Case, solver, limits: Limits, radii: Sequence[int] = VALUE_RADII, query_seconds: float = 1.0,
                 workers: int | Callable[[], int] = 1, cancel: threading.Event | None = None,
                 stats: Counter | None = None, overtime: float = 0.0, front: Iterable | None = None,
                 barren: int | None = None, forced: threading.Event | None = None) -> LemmaOutcome:
    """Value lemmas to a fixpoint at each of ``radii`` in turn (module docstring); ``case``
    should be settled.  Each
    query gets ``query_seconds``; a step's queries are split over ``workers`` children (a
    callable: asked each step).  After ``limits.timeout`` the stage goes on for up to
    ``overtime`` seconds more while its cascade runs: it stops once :data:`VALUE_STALL`
    seconds pass without a new value (a schedule: stopping earlier or later only changes
    how many values are carried).  The outcome's ``finished`` is False when the deadline
    (or, in overtime, a stall or the end of the overtime) or ``cancel`` stopped the stage.

    With ``front`` (condition variables) the stage asks no pass: only the cascade from
    these variables, as if a value had just been fixed near them, at ``radii[0]`` and then
    further where it stalls; it ends when the cascade does.  For a case where a value was
    just chosen (:mod:`nnsolve.decider.guesses`): a pass over every variable would only
    ask again what the caller asked before the choice.

    With ``barren``, the stage stops (``finished`` False, ``barren`` True) once it has
    asked that many neighbourhoods without fixing any value: on a large floating formula
    the first pass fixes nothing and costs most of the stage (planted 10,000: 37,944
    neighbourhoods, about 1,900 s), and the caller may try something else first and ask
    the whole stage again later (``chains._lemma_route``).  A schedule: stopping only
    leaves the case as it came (nothing was fixed).

    ``forced``, when given, is set as soon as the stage fixes a value (a caller's
    schedule reads it while the stage runs: ``chains._solve_residual``)."""
    if not radii:
        raise ValueError("value_lemmas needs at least one radius")
    if overtime < 0:
        raise ValueError("overtime must be at least 0")
    start = time.monotonic()
    until = _WhileProductive(start + limits.timeout, start + limits.timeout + overtime, cancel, barren, forced)
    stats = Counter() if stats is None else stats
    before = pieces(case)
    asked: set = set()  # digests of (variable, neighbourhood) asked in this stage
    counts = Counter()  # queries, steps, values
    found: dict = {}    # every value fixed and put into the case (v -> m)

    def outcome(current, reason=None, finished=True):
        progress_log.info("value lemmas: stage %s, %d -> %d ite pieces, %d values, %d queries, %.0f s",
                          "ended" if finished else "stopped", before, pieces(current), counts["values"],
                          counts["queries"], time.monotonic() - start)
        return LemmaOutcome(current, reason, counts["queries"], counts["steps"], counts["values"], before,
                            pieces(current), time.monotonic() - start, finished, dict(found),
                            barren=not finished and until.barren_hit())

    sessions: list = []  # solver children kept for the whole stage (a step costs no child start)
    try:
        level = 0
        # the pass at radii[level] still to ask (None: every condition variable; with
        # ``front``, none: the cascade alone)
        rest = None if front is None else set()
        near: set = set(front or ())  # condition variables near the values fixed last: the front to resume
        fresh = False    # values fixed since this pass began (their eliminations change texts)
        while True:
            if not case.equations:
                return outcome(case)
            fixed: dict = {}
            try:
                unsat, rest = _worklist(case, solver, limits, tuple(radii), level, query_seconds, workers,
                                        until, asked, fixed, counts, stats, start, near, rest, sessions)
            except _Stopped:
                unsat = None
                if not fixed:
                    return outcome(case, finished=False)
            if unsat is not None:
                return outcome(None, unsat)
            if not fixed:  # the pass at this radius is done
                if front is not None:  # the cascade alone: it has ended
                    return outcome(case)
                if fresh:  # again, for the texts the eliminations changed (the rest are skipped)
                    rest, fresh = None, False
                    continue
                if level + 1 == len(radii) or not counts["values"]:
                    # no value at the first radius: nothing is forced there to carry further
                    # (a planted sat formula), and a pass at a larger radius costs more
                    return outcome(case)
                level, rest = level + 1, None  # a fixpoint at this radius: look further
                continue
            try:
                settled = with_values(case, fixed, stats)
            except Inconsistent:
                v, m = next(reversed(fixed.items()))
                return outcome(None, f"the values fixed contradict each other (e.g. {name(v)} = {_spelled(m)})")
            fresh = True
            found.update(fixed)
            case = settled
            until.fixed_one()  # the values are in the case now: an elimination is not a stall
            if case is None:
                return outcome(None, "exact elimination after the value lemmas is inconsistent")
            if until.is_set():
                return outcome(case, finished=False)
    finally:
        for session in sessions:
            session.close()


def with_values(case: Case, values: dict, stats: Counter | None = None) -> Case | None:
    """``case`` with the equations v = m of ``values`` (v -> m), settled: None when
    elimination then closes it; raises Inconsistent when an equation contradicts its
    system.  An algebraic m is written as an equation in the powers of the case's
    anchor (:func:`nnsolve.decider.field_values.add_algebraic`: the same solutions,
    extended by the powers), and left out when it is not in the anchor's field.  For
    values implied by a case with the same solutions (this stage's, or
    ``LemmaOutcome.values`` added to another case of the same residual): the output has
    exactly ``case``'s solutions, and None or Inconsistent means it has none.  ``case``
    is only read."""
    stats = Counter() if stats is None else stats
    system, bounds = case.system.copy(), list(case.bounds)
    for v, m in values.items():
        if not is_algebraic(m):
            _add_case(system, bounds, {v: 1}, m, "eq")
    anchor = add_algebraic(system, bounds, case.anchor, values, stats)
    return _settle(Case(system, tuple(bounds), case.equations, anchor), stats)


class _Stopped(Exception):
    """The deadline or a cancel request ended a step."""


class _WhileProductive(_Until):
    """Set by ``cancel``, after ``hard``, after ``deadline`` once :data:`VALUE_STALL`
    seconds have passed without a value (``fixed_one`` records each), or, with
    ``barren``, once that many neighbourhoods were asked (``asked_more``) and no value
    has been fixed.  Sets ``forced`` (when given) at the first value."""

    def __init__(self, deadline: float, hard: float, cancel: threading.Event | None,
                 barren: int | None = None, forced: threading.Event | None = None) -> None:
        super().__init__(deadline, cancel)
        self.hard, self.last = hard, float("-inf")  # no value yet: stop at the deadline
        self.barren, self.asked, self.forced = barren, 0, forced

    def fixed_one(self) -> None:
        self.last = time.monotonic()
        if self.forced is not None:
            self.forced.set()

    def asked_more(self, n: int) -> None:
        self.asked += n

    def barren_hit(self) -> bool:
        return self.barren is not None and self.last == float("-inf") and self.asked >= self.barren

    def is_set(self) -> bool:
        now = time.monotonic()
        if now > self.hard or (self.cancel is not None and self.cancel.is_set()) or self.barren_hit():
            return True
        return now > self.deadline and now - self.last > VALUE_STALL


def _worklist(case: Case, solver, limits: Limits, radii: tuple, level: int, query_seconds: float, workers,
              stop: _WhileProductive,
              asked: set, fixed: dict, counts: Counter, stats: Counter, start: float, near: set,
              rest: set | None, sessions: list) -> tuple[str | None, set]:
    """Carry values through ``case``: the values go into ``fixed`` (v -> m).  Returns
    (the reason when a neighbourhood has no solution, else None; the variables of the
    pass not asked yet).  Raises :class:`_Stopped` at the deadline (``fixed`` keeps what
    was found).

    Three queues (the module docstring): the *front* at ``radii[0]`` (the variables of
    ``near`` on entry, then those within ``radii[-1]`` hops of each value fixed here,
    nearest first), the front's variables that gave no value at each larger radius in
    turn, and the pass (``rest``: these condition variables, or all of them, at
    ``radii[level]``).  Once a value is fixed here only the front at ``radii[0]`` is
    asked; when it is done this returns, with ``near`` refilled (the variables near the
    new values, and the front's variables still to ask at a larger radius: after the
    elimination they are asked at ``radii[0]`` again, since their text may have changed,
    and at the larger radii when a front gives no value), so that the caller eliminates
    the values and resumes.  A variable's entry is live while its level is the one in
    ``live``; the first live entry taken is asked and the others are then skipped."""
    items, used, index = item_index(case)
    asking = {v for form, _, _ in conditions(case).values() for v in form}
    texts: dict = {}

    def text(i: int) -> list:
        if i not in texts:
            texts[i] = selected_items(case.system, case.bounds, case.equations, [items[i][0]])
        return texts[i]

    front: deque = deque((v, 0) for v in sorted(near & asking, key=repr))
    deeper: deque = deque()
    pending: deque = deque((v, level) for v in sorted(asking if rest is None else asking & rest, key=repr))
    live = {v: level for v, _ in pending} | {v: 0 for v, _ in front}  # v -> the level of its live entry
    near.clear()

    def take(with_pass: bool):
        """The next live entry: (variable, level, on the front), or None."""
        for queue in (front, deeper, pending) if with_pass else (front,):
            while queue:
                v, at = queue.popleft()
                if live.get(v) == at and v not in fixed:
                    del live[v]
                    return v, at, queue is not pending
        return None

    def look_further(v, at) -> None:
        live[v] = at + 1
        deeper.append((v, at + 1))
        stats["value deeper"] += 1

    limit = Limits(query_seconds, limits.memory_mb)
    while True:
        if stop.is_set():
            raise _Stopped
        jobs = []
        # once a value is fixed, only the front at the first radius until the elimination
        # (after which a larger radius sees more: the eliminated case is smaller)
        with_pass = not fixed
        size = FRONT_STEP if front or deeper else MAX_STEP
        while len(jobs) < size:
            entry = take(with_pass)
            if entry is None:
                break
            v, at, on_front = entry
            hood = neighbourhood({v}, index, used, radii[at])
            script = _script(v, hood, used, fixed, text) if hood else None
            digest = script and hashlib.sha256(f"{name(v)}\n{script}".encode()).hexdigest()
            if script is None or digest in asked:
                if on_front and at + 1 < len(radii):  # nothing new here: look further
                    look_further(v, at)
                continue
            asked.add(digest)  # asked once per stage, whatever the answer
            jobs.append((v, at, on_front, script))
        if not jobs:
            break
        children = workers() if callable(workers) else workers
        # the stage's child (a session): a model proposes m, and the same child asks N with
        # v != m (Query.pin); unsat there is the lemma's condition, "< m and > m both unsat"
        answers = _ask(solver, [Query(script, (name(v),), pin=name(v)) for v, _, _, script in jobs], limit,
                       children, stop, sessions)
        new = []
        for (v, at, on_front, _), answer in zip(jobs, answers):
            if answer.status == UNSAT:
                return f"the assertions within radius {radii[at]} of {name(v)} have no solution", set()
            value = (answer.model or {}).get(name(v)) if answer.status == SAT and not answer.inexact else None
            if answer.pinned and isinstance(value, (int, Fraction)):
                new.append((v, Fraction(value)))
            elif answer.pinned and is_algebraic(value):
                new.append((v, value))  # written into the case in the anchor's field (with_values)
            elif on_front and at + 1 < len(radii):
                look_further(v, at)  # the front stalls here: this variable at the next radius
        asked_here = len(answers) + sum(a.status == SAT for a in answers)  # a sat answer had its check
        counts["queries"] += asked_here
        counts["steps"] += 1
        stop.asked_more(len(jobs))
        stats["value queries"] += asked_here
        log.info("value lemmas: step %d, %d neighbourhoods, %d values", counts["steps"], len(jobs), len(new))
        hops: dict = {}  # the variables whose neighbourhoods hold a new value, at any radius asked
        for v, m in new:
            fixed[v] = m
            for i, hop in item_hops({v}, index, used, radii[-1]).items():  # one search per value
                for w in used[i] & asking:
                    hops[w] = min(hops.get(w, hop), hop)
        touched = hops.keys() - fixed.keys()
        near |= touched
        # to the front, nearest first: the cascade goes on before the rest of the pass (on
        # a formula with one forced region, the pass over the rest finds nothing)
        for w in sorted(touched, key=lambda w: (hops[w], repr(w)), reverse=True):
            live[w] = 0  # an older entry of w (the pass, or a larger radius) is skipped
            front.appendleft((w, 0))
        counts["values"] += len(new)
        if new:
            stop.fixed_one()
            progress_log.info("value lemmas: step %d at radius %s, %d values (%d in all), %.0f s", counts["steps"],
                              ",".join(str(radii[lv]) for lv in sorted({lv for _, lv, _, _ in jobs})),
                              len(new), counts["values"], time.monotonic() - start)
    # the front's variables still to ask at a larger radius: after the elimination, at the
    # first radius again (their text may have changed), then further if that gives nothing
    near |= {v for v, at in deeper if live.get(v) == at}
    return None, {v for v, at in pending if live.get(v) == at}


def _spelled(m) -> str:
    return str(m) if is_algebraic(m) else num(m)


def _script(v, near, used, fixed: dict, text) -> str:
    """The neighbourhood query of ``v``: the assertions ``near`` (item indices) and the
    values fixed so far for the variables they use."""
    hood = [pair for i in near for pair in text(i)]
    carried = set().union(*(used[i] for i in near)) & fixed.keys()
    hood += [(f"(assert {is_value(name(w), fixed[w])})", {w}) for w in sorted(carried, key=repr)]
    return component_script(hood)
