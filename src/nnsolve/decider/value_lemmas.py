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
v = m changes no solution.  m is a Fraction (only exact model values are taken) and is
written exactly (``num``).  All values fixed between two eliminations are implied by
the same case, so the case implies their conjunction (a contradictory conjunction: the
case has none).  If N itself is unsat, so is the case.  At each elimination (:func:`nnsolve.decider.branching._settle`)
replaces the case by an equivalent one.  So the output has exactly the input's
solutions (projected onto the variables the caller keeps), or it is None and the input
has none.  Only a solver's *unsat* decides (as for the local lemmas, the trust base is
the solver's unsat on QF_NRA, each answer matched to its query by position); its models
only choose which m to ask, and a wrong, inexact or missing model only costs a lemma.
The input case is only read (elimination runs on a copy), so the caller may keep it.

**Steps.**  Values are carried by a worklist, not by re-reading the whole case: the
case is settled once, its assertions indexed and each one's text written once (when a
neighbourhood first needs it).  A step asks a batch of queued condition variables (at
first all of them), each with its value check, in one solver child.  A fixed value
v = m is kept as the assertion ``v = m`` (implied by the case, so any neighbourhood may
carry it: the argument above is unchanged), written into every later neighbourhood
that uses v, and the condition variables within ``radius`` hops of v are queued again;
so a step costs its neighbourhoods, not the residual, and the values cascade along the
formula without an elimination of the whole case per value.  A neighbourhood text
(variable and assertions) is asked at most once in the stage.  When the queue is
empty, the values fixed since the last elimination go into the case
(:func:`nnsolve.decider.branching._settle`, which also decides the ites they decide)
and the queue starts again from every condition variable at the first radius; when
nothing was fixed, the next of ``radii`` is tried, but only if some value has been fixed
in the stage (otherwise nothing is forced to carry: a planted sat formula).  It ends
at all: a step queues variables only for a value it fixed, each variable is fixed at
most once per elimination and is then no longer free, and every elimination follows a
fixed value.

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
from typing import Callable, Sequence

from nnsolve.decider.branching import Case, _add_case, _settle, conditions
from nnsolve.decider.local_lemmas import (LemmaOutcome, _ask, _Until, item_index,
                                          neighbourhood, pieces)
from nnsolve.decider.residual_query import component_script, name, selected_items
from nnsolve.decider.result import progress_log
from nnsolve.elimination import Inconsistent
from nnsolve.terms import num
from nnsolve.solvers import SAT, UNSAT, Limits, Query

log = logging.getLogger(__name__)

#: hops around a variable: radius 3 carries most unsat-unique values; where it stalls,
#: radius 4 goes on (unsat-unique 30, seed 2: radius 3 alone stops at 97 of 236 pieces,
#: radius 4 closes the case in 10 s); radius 2 holds too little of a gadget to fix a value
VALUE_RADII = (3, 4)

__all__ = ["MAX_STEP", "VALUE_RADII", "value_lemmas", "with_values"]


#: condition variables asked in one step at most (a step is one solver batch; a value
#: fixed queues its neighbours first, so a small step lets the cascade start early)
MAX_STEP = 100


def value_lemmas(case: Case, solver, limits: Limits, radii: Sequence[int] = VALUE_RADII, query_seconds: float = 1.0,
                 workers: int | Callable[[], int] = 1, cancel: threading.Event | None = None,
                 stats: Counter | None = None) -> LemmaOutcome:
    """Value lemmas to a fixpoint at each of ``radii`` in turn (module docstring); ``case``
    should be settled.  Each
    query gets ``query_seconds``; a step's queries are split over ``workers`` children (a
    callable: asked each step).  The outcome's ``finished`` is False when the deadline
    or ``cancel`` stopped the stage."""
    if not radii:
        raise ValueError("value_lemmas needs at least one radius")
    start = time.monotonic()
    deadline = start + limits.timeout
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
                            pieces(current), time.monotonic() - start, finished, dict(found))

    level = 0
    while True:
        if not case.equations:
            return outcome(case)
        fixed: dict = {}
        try:
            unsat = _worklist(case, solver, limits, radii[level], query_seconds, workers, _Until(deadline, cancel),
                              asked, fixed, counts, stats, start)
        except _Stopped:
            unsat = None
            if not fixed:
                return outcome(case, finished=False)
        if unsat is not None:
            return outcome(None, unsat)
        if not fixed:
            if level + 1 == len(radii) or not counts["values"]:
                # no value at the first radius: nothing is forced there to carry further
                # (a planted sat formula), and a pass at a larger radius costs more
                return outcome(case)
            level += 1  # a fixpoint at this radius: look further
            continue
        try:
            settled = with_values(case, fixed, stats)
        except Inconsistent:
            v, m = next(reversed(fixed.items()))
            return outcome(None, f"the values fixed contradict each other (e.g. {name(v)} = {num(m)})")
        level = 0  # the new values may fix more at the smallest radius, the cheapest
        found.update(fixed)
        case = settled
        if case is None:
            return outcome(None, "exact elimination after the value lemmas is inconsistent")
        if _Until(deadline, cancel).is_set():
            return outcome(case, finished=False)


def with_values(case: Case, values: dict, stats: Counter | None = None) -> Case | None:
    """``case`` with the equations v = m of ``values`` (v -> m), settled: None when
    elimination then closes it; raises Inconsistent when an equation contradicts its
    system.  For values implied by a case with the same solutions (this stage's, or
    ``LemmaOutcome.values`` added to another case of the same residual): the output has
    exactly ``case``'s solutions, and None or Inconsistent means it has none.  ``case``
    is only read."""
    system, bounds = case.system.copy(), list(case.bounds)
    for v, m in values.items():
        _add_case(system, bounds, {v: 1}, m, "eq")
    return _settle(Case(system, tuple(bounds), case.equations), Counter() if stats is None else stats)


class _Stopped(Exception):
    """The deadline or a cancel request ended a step."""


def _worklist(case: Case, solver, limits: Limits, radius: int, query_seconds: float, workers, stop: _Until,
              asked: set, fixed: dict, counts: Counter, stats: Counter, start: float) -> str | None:
    """Carry values through ``case`` at ``radius`` until the queue is empty: the values go
    into ``fixed`` (v -> m), and the reason is returned when a neighbourhood has no
    solution.  Raises :class:`_Stopped` at the deadline (``fixed`` keeps what was found)."""
    items, used, index = item_index(case)
    asking = {v for form, _, _ in conditions(case).values() for v in form}
    texts: dict = {}

    def text(i: int) -> list:
        if i not in texts:
            texts[i] = selected_items(case.system, case.bounds, case.equations, [items[i][0]])
        return texts[i]

    queue = deque(sorted(asking, key=repr))
    queued = set(queue)
    limit = Limits(query_seconds, limits.memory_mb)
    while queue:
        if stop.is_set():
            raise _Stopped
        jobs = []
        while queue and len(jobs) < MAX_STEP:
            v = queue.popleft()
            if v not in queued or v in fixed:
                continue
            queued.discard(v)
            near = neighbourhood({v}, index, used, radius)
            if not near:
                continue
            hood = [pair for i in near for pair in text(i)]
            carried = set().union(*(used[i] for i in near)) & fixed.keys()
            hood += [(f"(assert (= {name(w)} {num(fixed[w])}))", {w}) for w in sorted(carried, key=repr)]
            script = component_script(hood)
            digest = hashlib.sha256(f"{name(v)}\n{script}".encode()).hexdigest()
            if digest in asked:
                continue
            asked.add(digest)  # asked once per stage, whatever the answer
            jobs.append((v, script))
        if not jobs:
            continue
        children = workers() if callable(workers) else workers
        # one child per step: a model proposes m, and the same child asks N with v != m
        # (Query.pin); unsat there is the lemma's condition, "< m and > m both unsat"
        answers = _ask(solver, [Query(script, (name(v),), pin=name(v)) for v, script in jobs], limit, children,
                       stop)
        new = []
        for (v, _), answer in zip(jobs, answers):
            if answer.status == UNSAT:
                return f"the assertions within radius {radius} of {name(v)} have no solution"
            value = (answer.model or {}).get(name(v)) if answer.status == SAT and not answer.inexact else None
            if answer.pinned and isinstance(value, (int, Fraction)):
                new.append((v, Fraction(value)))
        asked_here = len(answers) + sum(a.status == SAT for a in answers)  # a sat answer had its check
        counts["queries"] += asked_here
        counts["steps"] += 1
        stats["value queries"] += asked_here
        log.info("value lemmas: step %d, %d neighbourhoods, %d values", counts["steps"], len(jobs), len(new))
        touched: set = set()
        for v, m in new:
            fixed[v] = m
            # the variables whose neighbourhoods hold v: those within radius hops of it
            touched |= set().union(*(used[i] for i in neighbourhood({v}, index, used, radius))) & asking
        # to the front: the cascade goes on before the rest of the first pass (on a
        # formula with one forced region, the pass over the rest finds nothing)
        for w in sorted(touched - fixed.keys(), key=repr, reverse=True):
            queue.appendleft(w)  # a later copy of w is skipped once this one is asked
            queued.add(w)
        counts["values"] += len(new)
        if new:
            progress_log.info("value lemmas: step %d at radius %d, %d values (%d in all), %.0f s", counts["steps"],
                              radius, len(new), counts["values"], time.monotonic() - start)
    return None
