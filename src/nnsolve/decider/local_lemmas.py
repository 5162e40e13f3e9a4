"""Local lemmas: decide the ite conditions of a residual case from small neighbourhoods.

A case of branch and eliminate (:mod:`nnsolve.decider.branching`) is a conjunction:
bilinear definitions, bounds and piecewise equations over the free variables of a
linear system.  Its ites ask on which side of a threshold a linear form lies
(``f <= t``).  A solver on the whole conjunction gives up at a few thousand variables;
a solver on the assertions *near* one condition (within a few hops in the graph of
shared variables) answers in milliseconds.

**The argument.**  Let N be any subset of the case's assertions.  Every solution of
the case satisfies N.  So if N together with ``f < t`` has no real solution, no
solution of the case has ``f < t``: the case implies ``f >= t`` (a *lemma*), and
adding it to the case changes no solution.  The same for ``f > t`` and ``f = t``; when
all three sides are closed, the case has no solution at all.  All lemmas of one
round are asked of the same case, so the case implies each of them, hence their
conjunction: adding them all at once changes no solution either (and if the
conjunction is contradictory, the case has none).  Between rounds, exact elimination
(:func:`nnsolve.decider.branching._settle`) replaces the case by an equivalent one.
So the stage's output has exactly the solutions of its input (projected onto the
variables the caller keeps), or it is None and the input has none.  Only a solver's
*unsat* is used; its sat and unknown answers, and which neighbourhoods are chosen,
decide nothing.

What a lemma gives:

============================  ========================================
sides closed                   added to the case
============================  ========================================
``<``, ``>`` and ``=``         none: the case is unsat
``<`` and ``=``                ``f > t`` (strict bound)
``>`` and ``=``                ``f < t`` (strict bound)
``<`` and ``>``                ``f = t`` (a linear equation)
``>`` only                     ``f <= t``
``<`` only                     ``f >= t``
``=`` only                     nothing (f != t is not convex)
============================  ========================================

(f is the condition's form normalized to a first coefficient 1, so a one-sided lemma
decides the ite when the ite asks f <= t, and leaves f = t open when it asks -f <= -t.)

**Rounds and passes.**  A round asks the sides ``<`` and ``>`` of a batch of conditions (the
undecided ones occurring most often first; ``batch`` of them, or a
:data:`ROUNDS_PER_PASS`-th of those open when that is more, so that a pass costs a bounded
number of rounds, each settling the whole case, whatever the residual's size) in one solver child
(:meth:`~nnsolve.solvers.Solver.solve_many`), then the side ``=`` of those with a strict side
closed (now or before: closed alone, ``=`` implies nothing), adds the lemmas and settles.  A pass
tries every undecided condition once at one radius.  Every pass is followed by one at
the next radius of ``radii`` (after the last, again at the last) until a pass at the
last radius finds no lemma, which ends the stage (a pass that found one is repeated:
conditions near a new lemma may now close).  A neighbourhood whose text was asked
before without a lemma, every answer sat or unsat, is not asked again (the same query;
an unknown, a query's timeout or the stage's deadline cutting a round, may go otherwise
another time).  The queries of a round stop at the stage's deadline.  So the stage ends: each
pass either closes a new side of some condition or moves on to a larger radius.

>>> from fractions import Fraction
>>> from nnsolve.decider.residual_query import Bound, PiecewiseEquation
>>> from nnsolve.elimination import LinearSystem
>>> from nnsolve.solvers import get_solver, Limits
>>> s = LinearSystem()
>>> s.define("u", "k", "k")                    # u = k^2, 1 <= k <= 2
>>> eq = PiecewiseEquation({"u": 1, None: -2}, (({"u": 1}, Fraction(1), {None: 5}),))
>>> # u - 2 + ite(u <= 1, 5, 0) = 0: u <= 1 forces u = -3, impossible with u = k^2
>>> case = Case(s, (Bound({"k": 1}, Fraction(1), Fraction(2)),), (eq,))
>>> out = local_lemmas(case, get_solver("z3"), Limits(10))
>>> out.case.equations, out.lemmas, sorted(out.case.system.reduce({"u": 1}).items(), key=repr)
((), 1, [(None, Fraction(2, 1))])
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Callable, Mapping, Sequence

from nnsolve.decider.result import progress_log
from nnsolve.decider.branching import Case, _add_case, _items, _settle, conditions
from nnsolve.decider import residual_parts
from nnsolve.decider.residual_query import Bound, component_script, selected_items, term
from nnsolve.elimination import Inconsistent
from nnsolve.terms import num
from nnsolve.solvers import SAT, UNSAT, Limits, Query

log = logging.getLogger(__name__)

SIDES = (("lt", "<"), ("gt", ">"), ("eq", "="))
#: radii of the passes (hops in the graph of shared variables): radius 4 closes about a
#: third of the conditions of a tier-4 residual, 6-8 most of the rest (docs/performance.md)
RADII = (4, 6, 8)
#: a neighbourhood stops growing at this many assertions (a subset is still a subset)
MAX_ITEMS = 600
#: the conditions of a round: at least ``batch``, and at least the open ones over this
#: (every round settles the whole case, O(residual); unsat-unique 300: batch 40, 35
#: rounds, 145 s; batch 160, 10 rounds, 137 s; docs/performance.md)
ROUNDS_PER_PASS = 25


@dataclass(frozen=True)
class LemmaOutcome:
    """What the stage left: ``case`` (None: the input has no solution, ``reason`` says
    which neighbourhood showed it) and its counts."""

    case: Case | None
    reason: str | None
    queries: int
    rounds: int
    lemmas: int
    pieces_before: int
    pieces_after: int
    seconds: float
    finished: bool  #: False when the deadline, a cancel or ``passes`` stopped it before its last pass
    #: the exact values the stage fixed, each implied by the input case (the value
    #: lemmas; empty for the local lemmas): another case with the input's solutions may
    #: take them as equations
    values: Mapping = field(default_factory=dict)
    #: the value lemmas stopped after ``barren`` neighbourhoods without a value (their
    #: ``barren`` argument): the case is the input, and the stage is not done
    barren: bool = False


class LemmaMemory:
    """What one run of the stage leaves for the next on the same residual (its cases
    all have the same solutions): neighbourhood queries already asked without a lemma,
    and the sides closed per condition."""

    def __init__(self) -> None:
        self.asked: set = set()
        self.known: dict = {}


def pieces(case: Case | None) -> int:
    """The undecided ite pieces of a case (0 for None)."""
    return 0 if case is None else sum(len(eq.pieces) for eq in case.equations)


def item_index(case: Case) -> tuple[list, list[set], dict]:
    """The case's assertions (``branching._items``), the free variables each uses, and
    variable -> positions of the assertions using it (for :func:`neighbourhood`)."""
    items = _items(case)
    return items, [u for _, u in items], residual_parts.item_index(items)


def neighbourhood(start: set, index: dict, used: Sequence[set], radius: int, cap: int = MAX_ITEMS) -> list[int]:
    """Positions of the items within ``radius`` hops of the variables ``start`` (an item
    is one hop from the variables it uses), breadth first, at most ``cap`` of them.

    >>> used = [{"a", "b"}, {"b", "c"}, {"c", "d"}, {"x"}]
    >>> index = {}
    >>> for i, u in enumerate(used):
    ...     for v in u: index.setdefault(v, []).append(i)
    >>> neighbourhood({"a"}, index, used, 1), neighbourhood({"a"}, index, used, 2), neighbourhood({"a"}, index, used, 9)
    ([0], [0, 1], [0, 1, 2])
    """
    return sorted(item_hops(start, index, used, radius, cap))


def item_hops(start: set, index: dict, used: Sequence[set], radius: int, cap: int = MAX_ITEMS) -> dict[int, int]:
    """The items of :func:`neighbourhood` (the same ones, the same cap), each with its
    hop count: 1 for an item that uses a variable of ``start``.  The items within r hops
    are those with a count at most r, for every r up to ``radius`` (breadth first, so
    the cap keeps a prefix).

    >>> used = [{"a", "b"}, {"b", "c"}, {"c", "d"}, {"x"}]
    >>> index = {}
    >>> for i, u in enumerate(used):
    ...     for v in u: index.setdefault(v, []).append(i)
    >>> item_hops({"a"}, index, used, 9), item_hops({"a"}, index, used, 9, cap=2)
    ({0: 1, 1: 2, 2: 3}, {0: 1, 1: 2})
    """
    seen_v, hops, frontier = set(start), {}, set(start)
    for hop in range(1, radius + 1):
        nxt: set = set()
        for v in sorted(frontier, key=repr):
            for i in index.get(v, ()):
                if i in hops:
                    continue
                if len(hops) >= cap:
                    return hops
                hops[i] = hop
                nxt |= used[i] - seen_v
        seen_v |= nxt
        frontier = nxt
        if not frontier:
            break
    return hops


def local_lemmas(case: Case, solver, limits: Limits, radii: Sequence[int] = RADII, batch: int = 40,
                 query_seconds: float = 1.0, workers: int | Callable[[], int] = 1,
                 cancel: threading.Event | None = None,
                 stats: Counter | None = None, passes: int | None = None,
                 memory: LemmaMemory | None = None) -> LemmaOutcome:
    """Lemmas from neighbourhoods, rounds of ``batch`` conditions, until a pass at the
    last of ``radii`` finds none, ``passes`` passes are done, ``limits.timeout`` passes
    or ``cancel`` is set (module docstring).  ``case`` should be settled; each query gets
    ``query_seconds``, and a round's queries are split over ``workers`` solver children
    (a callable: asked each round, for a caller whose other work frees a core on the way).
    ``memory`` carries what was asked over to a later run on a case of the same
    residual."""
    start = time.monotonic()
    deadline = start + limits.timeout
    stats = Counter() if stats is None else stats
    before = pieces(case)
    queries = rounds = lemmas = 0
    memory = LemmaMemory() if memory is None else memory
    asked = memory.asked     # digests of neighbourhood queries that closed no side
    known = memory.known     # condition key -> the sides closed so far (a lemma must add one)
    tried: set = set()       # condition keys tried in this pass
    level, found_in_pass, done = 0, False, 0

    def outcome(current, reason=None, finished=True):
        progress_log.info("local lemmas: stage %s, %d -> %d ite pieces, %d lemmas, %d queries, %.0f s",
                          "ended" if finished else "stopped", before, pieces(current), lemmas, queries,
                          time.monotonic() - start)
        log.info("local lemmas: %d -> %d pieces, %d lemmas, %d queries in %d rounds, %.1f s%s (%s)", before,
                 pieces(current), lemmas, queries, rounds, time.monotonic() - start,
                 "" if current is not None else f", unsat: {reason}", dict(stats))
        return LemmaOutcome(current, reason, queries, rounds, lemmas, before, pieces(current),
                            time.monotonic() - start, finished)

    sessions: list = []  # solver children kept for the whole stage (a round costs no child start)
    try:
        while True:
            if not case.equations:
                return outcome(case)
            if time.monotonic() > deadline or (cancel is not None and cancel.is_set()):
                return outcome(case, finished=False)
            radius = radii[level]
            open_ = conditions(case)
            todo = sorted((k for k in open_ if k not in tried), key=lambda k: (-open_[k][2], repr(k)))
            if not todo:
                done += 1
                progress_log.info("local lemmas: pass %d at radius %d done, %d -> %d ite pieces, %d lemmas, "
                                  "%d queries, %.0f s", done, radius, before, pieces(case), lemmas, queries,
                                  time.monotonic() - start)
                if passes is not None and done >= passes:
                    return outcome(case, finished=not found_in_pass)
                if found_in_pass:
                    level = min(level + 1, len(radii) - 1)
                elif level + 1 < len(radii):
                    level += 1
                else:
                    return outcome(case)
                tried.clear()
                found_in_pass = False
                log.debug("local lemmas: next pass at radius %d, %d pieces", radii[level], pieces(case))
                continue
            items, used, index = item_index(case)
            chosen = []
            size = max(batch, len(open_) // ROUNDS_PER_PASS)
            for key in todo:
                if len(chosen) >= size:
                    break
                tried.add(key)
                form, t, _ = open_[key]
                near = neighbourhood(set(form), index, used, radius)
                hood = selected_items(case.system, case.bounds, case.equations, [items[i][0] for i in near])
                lt = _side_script(hood, form, t, "lt")
                digest = hashlib.sha256(lt.encode()).hexdigest()  # the neighbourhood and (form, t)
                if digest in asked:
                    stats["lemma queries skipped"] += 1
                    continue
                chosen.append((key, digest, hood, lt))
                stats[f"lemma items r{radius}"] += len(near)
            if not chosen:
                continue
            asked_at = time.monotonic()
            # f < t and f > t first; f = t closed alone implies nothing (f != t is not convex),
            # so it is asked only where a strict side is closed (now or before): there it turns
            # f >= t into f > t, f = t into unsat.  The queries stop at the stage's deadline (a
            # round of a large residual holds hundreds); an unanswered one closes nothing
            stop = _Until(deadline, cancel)
            limit = Limits(query_seconds, limits.memory_mb)
            children = workers() if callable(workers) else workers
            answers = _ask(solver, [Query(text) for key, _, hood, lt in chosen
                                    for text in (lt, _side_script(hood, *open_[key][:2], "gt"))],
                           limit, children, stop, sessions)
            closed_by_key, answered = {}, {}
            for n, (key, _, _, _) in enumerate(chosen):
                pair = answers[2 * n:2 * n + 2]
                closed_by_key[key] = {side for side, a in zip(("lt", "gt"), pair)
                                      if a.status == UNSAT} | known.get(key, set())
                answered[key] = all(a.status in (SAT, UNSAT) for a in pair)
            equal = [(key, hood) for key, _, hood, _ in chosen
                     if closed_by_key[key] & {"lt", "gt"} and "eq" not in closed_by_key[key]]
            if equal:
                more = _ask(solver, [Query(_side_script(hood, *open_[key][:2], "eq")) for key, hood in equal], limit,
                            children, stop, sessions)
                for (key, _), a in zip(equal, more):
                    if a.status == UNSAT:
                        closed_by_key[key].add("eq")
                    answered[key] = answered[key] and a.status in (SAT, UNSAT)
                answers += more
            stats[f"lemma queries r{radius}"] += len(answers)
            stats[f"lemma seconds r{radius}"] += round(time.monotonic() - asked_at, 1)
            stats[f"lemma unknowns r{radius}"] += sum(a.status not in (SAT, UNSAT) for a in answers)
            queries += len(answers)
            rounds += 1
            system, bounds = case.system.copy(), list(case.bounds)
            try:
                for key, digest, _, _ in chosen:
                    form, t, _ = open_[key]
                    # sides closed before stay closed (each case since has the same solutions):
                    # a lemma counts only when it closes a new side, so the passes end
                    closed = closed_by_key[key]
                    if len(closed) == 3:
                        return outcome(None, f"every side of {term(form)} <= {num(t)} is unsat within radius "
                                             f"{radius} of it")
                    if closed == known.get(key, set()) or not _apply(system, bounds, form, t, closed):
                        if answered[key]:  # an unknown (timeout, deadline) may close a side another time
                            asked.add(digest)
                        continue
                    known[key] = closed
                    stats[f"lemmas r{radius}"] += 1
                    lemmas += 1
                    found_in_pass = True
            except Inconsistent:
                return outcome(None, "the lemmas of one round contradict each other")
            case = _settle(Case(system, tuple(bounds), case.equations, case.anchor), stats)
            if case is None:
                return outcome(None, "exact elimination after the lemmas is inconsistent")
    finally:
        for session in sessions:
            session.close()


def _side_script(hood: list, form: dict, t: Fraction, side: str) -> str:
    """The neighbourhood's query with one side of ``form <= t`` (``side`` of SIDES)."""
    op = dict(SIDES)[side]
    return component_script(hood + [(f"(assert ({op} {term(form)} {num(t)}))", set(form))])


class _Until:
    """A cancel request (``is_set``, as the solver runner polls it) that is set when
    ``cancel`` is or the deadline has passed."""

    def __init__(self, deadline: float, cancel: threading.Event | None) -> None:
        self.deadline, self.cancel = deadline, cancel

    def is_set(self) -> bool:
        return time.monotonic() > self.deadline or (self.cancel is not None and self.cancel.is_set())


def _apply(system, bounds: list, form: dict, t: Fraction, closed: set) -> bool:
    """Add what the closed sides (two at most) imply (table in the module docstring);
    False when they imply nothing."""
    if not closed or closed == {"eq"}:
        return False
    if len(closed) == 2:
        _add_case(system, bounds, form, t, ({"lt", "gt", "eq"} - closed).pop())
    elif closed == {"gt"}:
        bounds.append(Bound(form, None, t))
    else:  # {"lt"}
        bounds.append(Bound(form, t, None))
    return True


def _ask(solver, queries: list, limits: Limits, workers: int, cancel, sessions: list | None = None) -> list:
    """The queries' answers in order, ``workers`` children side by side.  With
    ``sessions`` (a list the caller closes; grown here as needed), the i-th part goes to
    the i-th session (``Solver.session``: a child kept between calls, so a step costs no
    child start, so even two queries are worth splitting; a new child costs about 0.5 s,
    so without sessions a part has two queries at least)."""
    if sessions is not None:
        parts = max(1, min(workers, len(queries)))
        sessions.extend(solver.session() for _ in range(parts - len(sessions)))
        askers = sessions[:parts]
    else:
        parts = 1 if workers <= 1 or len(queries) < 2 * workers else workers
        askers = [solver] * parts
    if parts == 1:
        return askers[0].solve_many(queries, limits, cancel)
    size = -(-len(queries) // parts)
    chunks = [queries[i:i + size] for i in range(0, len(queries), size)]
    with ThreadPoolExecutor(len(chunks)) as pool:
        answers = list(pool.map(lambda ask, chunk: ask.solve_many(chunk, limits, cancel), askers, chunks))
    return [a for part in answers for a in part]
