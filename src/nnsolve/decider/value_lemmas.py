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
2. N with v < m and N with v > m are asked; when both are unsat, every solution of N
   has v = m.

**The argument** is the local lemmas' ("``<`` and ``>`` closed: ``f = t``"): N is a
subset of the case's assertions, written in the free variables through the system's own
equations (``selected_items``: no relaxation, no added bound), and v has the same
injective name (``residual_query.name``) in N and in the side query; so every solution
of the case satisfies N and hence has v = m, and adding the linear equation v = m
changes no solution.  m is a Fraction (only exact model values are taken) and is
written exactly (``num``).  All
values of one round are asked of the same case, so the case implies their conjunction
(a contradictory conjunction: the case has none).  If N itself is unsat, so is the
case.  Between rounds, exact elimination (:func:`nnsolve.decider.branching._settle`)
replaces the case by an equivalent one.  So the output has exactly the input's
solutions (projected onto the variables the caller keeps), or it is None and the input
has none.  Only a solver's *unsat* decides (as for the local lemmas, the trust base is
the solver's unsat on QF_NRA, each answer matched to its query by position); its models
only choose which m to ask, and a wrong, inexact or missing model only costs a lemma.
The input case is only read (elimination runs on a copy), so the caller may keep it.

**Rounds.**  A round asks every condition variable whose neighbourhood text has not
been asked before in this stage (so after the first round, only the neighbourhoods a
new value changed), then the two sides of the exact values proposed.  When a round at a
radius has nothing new to ask, the stage moves to the next of ``radii``; a round that
fixes a value sends it back to the first (the cheapest).  It ends when the last radius
has nothing new to ask, when the first radius has nothing new to ask and no value has
been fixed (nothing forced to carry: a larger radius is not tried), at the deadline, or
on ``cancel``.  It ends at all: each v asked
is free in the case it was asked of and distinct within its round, so every round that
fixes something removes free variables for good, and a round that fixes nothing leaves
the case, hence every neighbourhood text, as it was.

On the unsat-unique family the values cascade from the anchor through the formula
(300 constraints: 4 values in the first round, then 17, 40, 77, ... until a
neighbourhood is unsat after 19 rounds, 78 s; docs/performance.md).  On a planted
formula with free values nothing is fixed, and the first round is the stage's cost.

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
from collections import Counter
from fractions import Fraction
from typing import Callable, Sequence

from nnsolve.decider.branching import Case, _add_case, _settle, conditions
from nnsolve.decider.local_lemmas import (LemmaOutcome, _ask, _side_script, _Until, item_index,
                                          neighbourhood, pieces)
from nnsolve.decider.residual_query import component_script, name, selected_items
from nnsolve.decider.result import progress_log
from nnsolve.elimination import Inconsistent
from nnsolve.encodings.relu import num
from nnsolve.solvers import SAT, UNSAT, Limits, Query

log = logging.getLogger(__name__)

#: hops around a variable: radius 3 carries most unsat-unique values; where it stalls,
#: radius 4 goes on (unsat-unique 30, seed 2: radius 3 alone stops at 97 of 236 pieces,
#: radius 4 closes the case in 10 s); radius 2 holds too little of a gadget to fix a value
VALUE_RADII = (3, 4)

__all__ = ["VALUE_RADII", "value_lemmas"]


def value_lemmas(case: Case, solver, limits: Limits, radii: Sequence[int] = VALUE_RADII, query_seconds: float = 1.0,
                 workers: int | Callable[[], int] = 1, cancel: threading.Event | None = None,
                 stats: Counter | None = None) -> LemmaOutcome:
    """Value lemmas to a fixpoint at each of ``radii`` in turn (module docstring); ``case``
    should be settled.  Each
    query gets ``query_seconds``; a round's queries are split over ``workers`` children (a
    callable: asked each round).  The outcome's ``finished`` is False when the deadline
    or ``cancel`` stopped the stage."""
    if not radii:
        raise ValueError("value_lemmas needs at least one radius")
    start = time.monotonic()
    deadline = start + limits.timeout
    stats = Counter() if stats is None else stats
    before = pieces(case)
    asked: set = set()  # digests of (variable, neighbourhood) asked in this stage
    queries = rounds = lemmas = level = 0

    def outcome(current, reason=None, finished=True):
        progress_log.info("value lemmas: stage %s, %d -> %d ite pieces, %d values, %d queries, %.0f s",
                          "ended" if finished else "stopped", before, pieces(current), lemmas, queries,
                          time.monotonic() - start)
        return LemmaOutcome(current, reason, queries, rounds, lemmas, before, pieces(current),
                            time.monotonic() - start, finished)

    while True:
        if not case.equations:
            return outcome(case)
        stop = _Until(deadline, cancel)
        if stop.is_set():
            return outcome(case, finished=False)
        items, used, index = item_index(case)
        variables = sorted({v for form, _, _ in conditions(case).values() for v in form}, key=repr)
        radius = radii[level]
        jobs = []
        for v in variables:
            near = neighbourhood({v}, index, used, radius)
            if not near:
                continue
            hood = selected_items(case.system, case.bounds, case.equations, [items[i][0] for i in near])
            script = component_script(hood)
            digest = hashlib.sha256(f"{name(v)}\n{script}".encode()).hexdigest()
            if digest in asked:
                continue
            asked.add(digest)  # asked once per stage, whatever the answer: the stage ends
            jobs.append((v, hood, script))
        if not jobs:
            if level + 1 == len(radii) or not lemmas:
                # no value at the first radius: nothing is forced there to carry further
                # (a planted sat formula), and a round at a larger radius costs more
                return outcome(case)
            level += 1  # a fixpoint at this radius: look further
            continue
        children = workers() if callable(workers) else workers
        limit = Limits(query_seconds, limits.memory_mb)
        models = _ask(solver, [Query(script, (name(v),)) for v, _, script in jobs], limit, children, stop)
        proposed = []
        for (v, hood, _), answer in zip(jobs, models):
            if answer.status == UNSAT:
                return outcome(None, f"the assertions within radius {radius} of {name(v)} have no solution")
            value = (answer.model or {}).get(name(v)) if answer.status == SAT and not answer.inexact else None
            if isinstance(value, (int, Fraction)):
                proposed.append((v, hood, Fraction(value)))
        sides = _ask(solver, [Query(_side_script(hood, {v: 1}, m, side)) for v, hood, m in proposed
                              for side in ("lt", "gt")], limit, children, stop)
        queries += len(models) + len(sides)
        rounds += 1
        fixed = [(v, m) for k, (v, _, m) in enumerate(proposed)
                 if sides[2 * k].status == UNSAT and sides[2 * k + 1].status == UNSAT]
        stats["value queries"] += len(models) + len(sides)
        log.info("value lemmas: round %d, %d neighbourhoods, %d exact models, %d values", rounds, len(jobs),
                 len(proposed), len(fixed))
        if not fixed:
            continue  # the next round has nothing new to ask unless the deadline cut this one
        system, bounds = case.system.copy(), list(case.bounds)
        try:
            for v, m in fixed:
                _add_case(system, bounds, {v: 1}, m, "eq")
        except Inconsistent:
            return outcome(None, f"the values of round {rounds} contradict each other "
                                 f"(e.g. {name(fixed[-1][0])} = {num(fixed[-1][1])})")
        lemmas += len(fixed)
        level = 0  # the new values may fix more at the smallest radius, the cheapest
        progress_log.info("value lemmas: round %d, %d values (%d in all), %.0f s", rounds, len(fixed), lemmas,
                          time.monotonic() - start)
        case = _settle(Case(system, tuple(bounds), case.equations), stats)
        if case is None:
            return outcome(None, "exact elimination after the value lemmas is inconsistent")
