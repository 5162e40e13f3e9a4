"""Branch and eliminate: decide a residual's ites by exact case splits.

The chain stage leaves a conjunction of a :class:`~nnsolve.elimination.LinearSystem`
(linear equations in reduced form and bilinear definitions), bounds
``lo <= e <= hi`` and piecewise equations ``base + sum ite(c <= t, T, 0) = 0``
(:mod:`nnsolve.decider.residual_query`).  A solver sees the ites as Boolean
structure over nonlinear arithmetic, which is where it gives up on reduction
outputs whose solution is irrational: each ite asks on which side of a data
point a kink lies, and the answer rests on algebraic numbers of high degree.

This module splits on the conditions instead.  For a condition form f and a
threshold t, every real point has f < t, f = t or f > t, so the conjunction is
satisfiable iff one of the three cases is.  In each case:

1. the case joins as a bound (``f < t``, ``f > t``) or as a linear equation
   (``f = t``);
2. every ite whose condition the case decides is replaced by its branch (the
   term, or 0); a piece whose term is 0 is dropped (ite(c, 0, 0) = 0); an
   equation left without ites is linear and joins the system;
3. intervals: every bound whose reduced form has one variable bounds that
   variable, and a bound of several variables bounds its form (normalized:
   first coefficient 1), open or closed ends kept exactly; a condition whose
   interval (interval arithmetic over the variables, or its form's interval)
   lies on one side of its threshold is decided by it, and a bound that no
   point of the intervals meets, or an empty interval, closes the case;
4. exact elimination with bilinear propagation (``LinearSystem.propagate``)
   runs to a fixpoint; an inconsistency closes the case.

Steps 1, 2 and 4 replace the case's conjunction by an equivalent one, and
step 3 only decides what the bounds already imply, so a case closed by them
has no solution.  The search ends without a budget: the split on (f, t)
decides that condition in each of its cases (f = t makes it constant, f < t
and f > t bound f or its one variable), so every case has fewer undecided
pieces than its parent and the depth is at most the number of pieces.  When no ite is left, the case is a conjunction of linear
equations, bilinear definitions and bounds, handed to ``solve_leaf`` (a
solver in a child process).  Hence ``unsat`` iff every case is closed or its
leaf is unsat; ``sat`` with the leaf's model, extended through the case's
linear system to every variable the caller asks for (the caller checks the
network it decodes exactly, as for any residual model).  Floats never decide
anything here.

>>> from fractions import Fraction
>>> from nnsolve.decider.residual_query import Bound, PiecewiseEquation
>>> s = LinearSystem()
>>> s.define("u", "k", "k")                       # u = k^2
>>> eq = PiecewiseEquation({"u": 1, None: -2}, (({"k": 1}, Fraction(0), {"u": -1, None: 1}),))
>>> # u - 2 + ite(k <= 0, 1 - u, 0) = 0:  k <= 0 gives -1 = 0, so k > 0 and k^2 = 2
>>> leaves = []
>>> def leaf(case):           # a stand-in for the solver: k = 3/2 (not a model; only the shape)
...     leaves.append(case)
...     return SolverResult(SAT, "test", 0.0, {"k": Fraction(3, 2)})
>>> result = branch_and_eliminate(s, [Bound({"k": 1}, Fraction(-5), Fraction(5))], [eq], leaf, ["k", "u"])
>>> result.status, len(leaves), leaves[0].bounds[-1], result.model["u"]
('sat', 1, Bound(expr={'k': Fraction(1, 1)}, lo=Fraction(0, 1), hi=None, strict=True), Fraction(2, 1))
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from dataclasses import dataclass
from fractions import Fraction
from typing import Callable, Hashable, Mapping, Sequence

from nnsolve import numbers
from nnsolve.decider.field_values import Anchor, exact_sign, propagate as field_propagate
from nnsolve.decider.residual_query import Bound, PiecewiseEquation, connected_groups, name
from nnsolve.elimination import Inconsistent, LinearSystem
from nnsolve.solvers import SAT, UNKNOWN, UNSAT, SolverResult

log = logging.getLogger(__name__)

Interval = tuple  # (lo, lo_open, hi, hi_open); lo/hi None when unbounded
TIE = Fraction(1, 10**4)  # a guide this close to a threshold tries f = t first


@dataclass(frozen=True)
class Case:
    """One case of the split: a system, its bounds and its undecided equations; with
    ``anchor``, the algebraic number whose powers (variables of the system, pinned by its
    definitions, equation and bound) the case's algebraic values are written in
    (:mod:`nnsolve.decider.field_values`; the system and bounds already say so: the
    anchor only names the variables)."""

    system: LinearSystem
    bounds: tuple[Bound, ...]
    equations: tuple[PiecewiseEquation, ...]
    anchor: Anchor | None = None


def branch_and_eliminate(system: LinearSystem, bounds: Sequence[Bound], equations: Sequence[PiecewiseEquation],
                         solve_leaf: Callable[[Case], SolverResult], wanted: Sequence[Hashable],
                         deadline: float | None = None, max_cases: int = 10_000,
                         guide: Mapping | None = None, cancel=None) -> SolverResult:
    """Decide ``system`` with ``bounds`` and ``equations`` by case splits on the ite
    conditions (module docstring).  ``solve_leaf(case)`` decides a case without ites
    (its model by :func:`~nnsolve.decider.residual_query.name`); a sat result's model
    is given for every variable in ``wanted`` (by name), extended through the linear
    systems.  ``unknown`` when the deadline passes, more than ``max_cases`` cases are
    opened, or a leaf is unknown where no case is sat.  ``guide`` (values by key, for
    instance a model of a relaxation) orders the three cases of each split: the side the
    guide lies on first.  It changes only the order, never a verdict.  Setting the event
    ``cancel`` ends the search with ``unknown``."""
    start = time.monotonic()
    # the guide only orders cases: rational approximations of its values are enough
    search = _Search(solve_leaf, deadline, max_cases,
                     {k: numbers.approximate(v, 64) for k, v in (guide or {}).items()})
    search.cancel = cancel
    try:
        case = search.settle(_root(system, bounds, equations, wanted))
        status, model, final = (UNSAT, {}, system) if case is None else search.dive(case) or search.solve(case)
    except _OutOfBudget as e:
        log.info("branching: %s (%s)", e, dict(search.stats))
        return SolverResult(UNKNOWN, "branching", time.monotonic() - start, reason=str(e))
    log.info("branching: %s (%s)", status, dict(search.stats))
    seconds = time.monotonic() - start
    if status == SAT:
        # the model gives free variables of the system the search ended in (the settled
        # root case's, or a descendant's): read ``wanted`` through that system
        values = _extend(final, model, wanted)
        return SolverResult(SAT, "branching", seconds, {name(v): x for v, x in values.items()})
    if status == UNSAT:
        return SolverResult(UNSAT, "branching", seconds)
    return SolverResult(UNKNOWN, "branching", seconds, reason=search.unknown or "a leaf was unknown")


def _root(system: LinearSystem, bounds: Sequence[Bound], equations: Sequence[PiecewiseEquation],
          wanted: Sequence[Hashable]) -> Case:
    """The search's root case, before settling."""
    # every form reduced once by the caller's system; the cases then hold only the pivots
    # the definitions and ``wanted`` need (LinearSystem.restricted): a case's copy costs
    # what the residual holds, not the whole elimination
    red = system.reduce
    bounds = [Bound(red(b.expr), b.lo, b.hi, b.strict) for b in bounds]
    equations = [PiecewiseEquation(red(eq.base), tuple((red(c), at, red(t)) for c, at, t in eq.pieces))
                 for eq in equations]
    return Case(system.restricted(wanted), tuple(bounds), tuple(equations))


def root_case(system: LinearSystem, bounds: Sequence[Bound], equations: Sequence[PiecewiseEquation],
              wanted: Sequence[Hashable], stats: Counter | None = None) -> Case | None:
    """The conjunction as branch and eliminate's settled root case (steps 2-4 of the
    module docstring; its system keeps what ``wanted`` needs), or None when settling
    closes it (no solution)."""
    return _settle(_root(system, bounds, equations, wanted), Counter() if stats is None else stats)


class _OutOfBudget(Exception):
    pass


class _Search:
    """The depth-first search; its only state is the budget and the counters."""

    def __init__(self, solve_leaf, deadline, max_cases, guide) -> None:
        self.solve_leaf, self.deadline, self.max_cases, self.guide = solve_leaf, deadline, max_cases, guide
        self.stats: Counter = Counter()
        self.unknown: str | None = None
        self.cancel = None

    def settle(self, case: Case | None) -> Case | None:
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise _OutOfBudget(f"timeout after {self.stats['cases']} cases")
        if self.stats["cases"] >= self.max_cases:
            raise _OutOfBudget(f"more than {self.max_cases} cases")
        if self.cancel is not None and self.cancel.is_set():
            raise _OutOfBudget("cancelled")
        return _settle(case, self.stats)

    def order(self, form: Mapping, t: Fraction) -> tuple[str, ...]:
        return _order(form, t, self.guide)

    def dive(self, case: Case) -> tuple[str, dict, LinearSystem] | None:
        """Every condition on the guide's side at once: one case of the search tree (the
        conjunction of the cases on one path), so its sat is the residual's; None when
        there is no guide or the dive ends without sat (the search then starts over)."""
        if not self.guide:
            return None
        # one copy of the system for the whole path (a copy per condition made the dive
        # quadratic: thousands of conditions, each copying the case's pivots)
        system, bounds, seen = case.system.copy(), list(case.bounds), set()
        try:
            for eq in case.equations:
                for cond, at, _ in eq.pieces:
                    e = system.reduce(cond)
                    if all(k is None for k in e):
                        continue  # made constant by an earlier "=": settle decides it
                    form, t = _normal_split(e, at)
                    key = condition_key(form, t)
                    if key in seen:
                        continue
                    seen.add(key)
                    _add_case(system, bounds, form, t, self.order(form, t)[0])
        except Inconsistent:
            self.stats["dive failed"] += 1
            return None
        case = Case(system, tuple(bounds), case.equations, case.anchor)
        case = self.settle(case)
        if case is None or _split_on(case) is not None:
            self.stats["dive failed"] += 1
            return None
        self.stats["dive"] += 1
        status, model, final = self.solve(case)
        return (status, model, final) if status == SAT else None

    def solve(self, case: Case) -> tuple[str, dict, LinearSystem]:
        """(status, model, system): on sat, ``system`` is the case's system with the
        equations of the cases taken below (so it implies ``case.system``) and ``model``
        gives its free variables that the assertions use (by key; others are 0)."""
        items = _items(case)
        parts = _components(case, items)
        if len(parts) > 1:
            self.stats["splits into components"] += 1
            model: dict = {}
            status = SAT
            for part, variables in parts:
                s, m, final = self.solve(part)
                if s == UNSAT:
                    return UNSAT, {}, case.system
                if s != SAT:
                    status = UNKNOWN  # go on: a later component may be unsat
                    continue
                # the part's variables (free in case.system) through the part's own cases
                model.update(_extend(final, m, variables))
            return status, model, case.system
        split = _split_on(case)
        if split is None:
            self.stats["leaves"] += 1
            used = set().union(*(u for _, u in items)) if items else set()
            probe = probe_model(case, used=used)
            if probe is not None:
                self.stats["leaves by probe"] += 1
                return SAT, probe, case.system
            answer = self.solve_leaf(case)
            if answer.status == SAT and not answer.inexact:
                keys = {name(k): k for k in used}
                return SAT, {keys[n]: v for n, v in (answer.model or {}).items() if n in keys}, case.system
            if answer.status == UNSAT:
                return UNSAT, {}, case.system
            self.unknown = f"a leaf was {answer.status} {answer.reason or ''}".strip()
            return UNKNOWN, {}, case.system
        form, t = split
        status = UNSAT
        for kind in self.order(form, t):
            child = self.settle(_with_case(case, form, t, kind))
            if child is None:
                continue
            s, m, final = self.solve(child)
            if s == SAT:
                return SAT, m, final  # final implies child.system, which implies case.system
            if s != UNSAT:
                status = UNKNOWN
        return status, {}, case.system


def probe_model(case: Case, tries: int = 3, used: set | None = None) -> dict | None:
    """An exact model of a case without ites, found without a solver, or None.

    Fix one variable of a bilinear definition to a rational point of its interval,
    let elimination turn the definitions linear, give every variable still free a
    rational point of its interval, and keep the point only if it satisfies every
    definition and bound of the case exactly (:func:`satisfies`).  Only a check
    decides; the choices are guesses.

    >>> from nnsolve.decider.residual_query import Bound
    >>> s = LinearSystem()
    >>> s.define("u", "k", "q"); s.equate({"u": 1, None: -3})          # k q = 3
    >>> case = Case(s, (Bound({"q": 1}, Fraction(1), Fraction(2)),), ())
    >>> m = probe_model(case); sorted(m.items()), satisfies(case, m)
    ([('k', Fraction(2, 1)), ('q', Fraction(3, 2))], True)
    """
    used = _used(case) if used is None else used
    intervals = _intervals(case.system, case.bounds) or {}
    candidates = []
    for p, a, b in case.system.bilinear:
        for v in (a, b):
            for k in case.system.reduce({v: 1}):
                if k is not None and k not in candidates:
                    candidates.append(k)
    for v in (candidates or [None])[:tries]:
        system = case.system.copy()
        try:
            if v is not None:
                system.equate({v: 1, None: -_inside(intervals.get(v))})
            system.propagate()
            if system.bilinear:
                continue
            free = sorted({k for u in used for k in system.reduce({u: 1}) if k is not None}, key=repr)
            inner = _intervals(system, case.bounds) or {}
            for k in free:
                system.equate({k: 1, None: -_inside(inner.get(k))})
        except Inconsistent:
            continue
        model = {u: system.value(u) for u in used}
        if all(x is not None for x in model.values()) and satisfies(case, model):
            return model
    return None


def _inside(interval) -> Fraction:
    """A rational point of an interval (its midpoint, or near a finite end)."""
    lo, _, hi, _ = interval or (None, False, None, False)
    if lo is not None and hi is not None:
        return (lo + hi) / 2
    if lo is not None:
        return lo + 1
    if hi is not None:
        return hi - 1
    return Fraction(1)


def satisfies(case: Case, model: Mapping) -> bool:
    """Whether ``model`` (values of the case's free variables, by key; rationals) satisfies
    every bilinear definition, bound and equation of the case exactly."""
    def value(expr: Mapping) -> Fraction:
        return sum((Fraction(c) * (1 if k is None else model.get(k, Fraction(0)))
                    for k, c in case.system.reduce(expr).items()), Fraction(0))

    for p, a, b in case.system.bilinear:
        if value({p: 1}) != value({a: 1}) * value({b: 1}):
            return False
    for bound in case.bounds:
        x = value(bound.expr)
        if bound.lo is not None and (x < bound.lo or (bound.strict and x == bound.lo)):
            return False
        if bound.hi is not None and (x > bound.hi or (bound.strict and x == bound.hi)):
            return False
    for eq in case.equations:
        total = value(eq.base)
        for cond, at, term in eq.pieces:
            if value(cond) <= at:
                total += value(term)
        if total != 0:
            return False
    return True


def _order(form: Mapping, t: Fraction, guide: Mapping) -> tuple[str, ...]:
    """The three cases of a split, the guide's side first (lt, gt, eq without a guide)."""
    if not guide or any(k not in guide for k in form):
        return ("lt", "gt", "eq")
    total = sum((Fraction(c) * guide[k] for k, c in form.items()), Fraction(0))
    # a guide from a relaxation lands near, not on, a solution's f = t: near counts as on
    side = 0 if abs(total - t) <= TIE else (total > t) - (total < t)
    return {-1: ("lt", "gt", "eq"), 1: ("gt", "lt", "eq"), 0: ("eq", "lt", "gt")}[side]


def _used(case: Case) -> set:
    """The free variables that the case's assertions use."""
    out: set = set()
    for item in _items(case):
        out |= item[1]
    return out


def _items(case: Case) -> list[tuple[tuple, set]]:
    """Each assertion of the case as (kind, index) with its free variables."""
    system = case.system

    def free(*exprs) -> set:
        return set().union(*(system.free_variables(e) for e in exprs))

    out = [(("d", i), free({p: 1}, {a: 1}, {b: 1})) for i, (p, a, b) in enumerate(system.bilinear)]
    out += [(("b", i), free(b.expr)) for i, b in enumerate(case.bounds)]
    out += [(("e", i), free(eq.base, *[x for piece in eq.pieces for x in (piece[0], piece[2])]))
            for i, eq in enumerate(case.equations)]
    return out


def _components(case: Case, items) -> list[tuple[Case, set]]:
    """The case split into parts with disjoint free variables, each with its variables
    (assertions without variables were checked by _settle and are left out); one part
    if it does not split."""
    groups = []
    for members in connected_groups([item for item in items if item[1]]):
        groups.append(([tag for tag, _ in members], set().union(*(u for _, u in members))))
    if len(groups) <= 1:
        return [(case, set().union(*(u for _, u in items)) if items else set())]
    parts = []
    # the anchor goes with the part that holds its variables (its bound and definitions)
    anchor = case.anchor
    anchored = set() if anchor is None else \
        set().union(*(case.system.free_variables({p: 1}) for p in anchor.powers))
    for members, variables in sorted(groups, key=lambda g: len(g[0])):
        system = case.system.copy()
        system.bilinear = [case.system.bilinear[i] for kind, i in members if kind == "d"]
        parts.append((Case(system, tuple(case.bounds[i] for kind, i in members if kind == "b"),
                           tuple(case.equations[i] for kind, i in members if kind == "e"),
                           anchor if anchored & variables else None), variables))
    return parts


def _with_case(case: Case, form: dict, t: Fraction, kind: str) -> Case | None:
    system, bounds = case.system.copy(), list(case.bounds)
    try:
        _add_case(system, bounds, form, t, kind)
    except Inconsistent:
        return None
    return Case(system, tuple(bounds), case.equations, case.anchor)


def _add_case(system: LinearSystem, bounds: list, form: dict, t: Fraction, kind: str) -> None:
    """The case f = t (an equation of ``system``), f < t or f > t (a strict bound
    appended to ``bounds``); raises Inconsistent when the equation contradicts the
    system."""
    if kind == "eq":
        system.equate(_shifted(form, t))
    elif kind == "lt":
        bounds.append(Bound(form, None, t, strict=True))
    else:
        bounds.append(Bound(form, t, None, strict=True))


def _settle(case: Case | None, stats: Counter) -> Case | None:
    """Steps 2-4 of the module docstring to a fixpoint; None when the case is closed.
    What is kept is kept in reduced form (equal to the original under the system's
    equations, which every later case keeps), so later cases reduce short forms."""
    if case is None:
        return None
    stats["cases"] += 1
    system, equations = case.system, list(case.equations)
    field = case.anchor.field if case.anchor is not None else None
    try:
        _propagate(system, case.anchor, field)
        while True:
            # forms in the anchor's powers alone have one exact value (field_values)
            sign = exact_sign(system, case.anchor, field)
            reduced = [system.reduce(b.expr) for b in case.bounds]  # once for both
            intervals = _intervals(system, case.bounds, reduced)
            forms = _form_intervals(system, case.bounds, reduced)
            if intervals is None or forms is None:
                stats["closed:bounds"] += 1
                return None
            changed = False
            left = []
            for eq in equations:
                base = system.reduce(eq.base)
                pieces = []
                for cond, at, term in eq.pieces:
                    term = system.reduce(term)
                    if not term:
                        changed = True
                        continue
                    cond = system.reduce(cond)
                    decided = _decide(cond, at, intervals, forms)
                    if decided is None and sign is not None:
                        s = sign(_shifted(cond, at))
                        decided = None if s is None else s <= 0
                    if decided is None:
                        pieces.append((cond, at, term))
                        continue
                    changed = True
                    if decided:
                        for k, v in term.items():
                            base[k] = base.get(k, 0) + v
                if pieces:
                    left.append(PiecewiseEquation(base, tuple(pieces)))
                else:
                    system.equate(base)
                    changed = True  # the bounds must be checked again under the new equation
            equations = left
            if not changed:
                break
            _propagate(system, case.anchor, field)
    except Inconsistent:
        stats["closed:elimination"] += 1
        return None
    # a bound on a constant was checked by _intervals and stays constant under more
    # equations; a bound on a form in the anchor's powers alone (but the anchor's own) is
    # decided exactly: kept out when it holds, the case closed when it does not
    sign = exact_sign(system, case.anchor, field)
    bounds = []
    for b in case.bounds:
        e = system.reduce(b.expr)
        if not any(k is not None for k in e):
            continue
        if sign is not None and b != case.anchor.bound:
            holds = _holds(sign, e, b)
            if holds is False:
                stats["closed:algebraic bound"] += 1
                return None
            if holds:
                continue
        bounds.append(Bound(e, b.lo, b.hi, b.strict))
    return Case(system, tuple(bounds), tuple(equations), case.anchor)


def _propagate(system: LinearSystem, anchor: Anchor | None, field) -> None:
    """The system's bilinear propagation, and the anchor's (field_values.propagate), to
    a fixpoint."""
    system.propagate()
    while anchor is not None and field_propagate(system, anchor, field):
        system.propagate()


def _shifted(e: Mapping, t) -> dict:
    """e - t."""
    out = dict(e)
    out[None] = out.get(None, 0) - t
    return out


def _holds(sign, e: Mapping, b: Bound) -> bool | None:
    """Whether lo <= e <= hi (strict: lo < e < hi) holds, by ``sign`` (exact_sign's), or
    None when ``sign`` cannot tell."""
    for end, below in ((b.lo, False), (b.hi, True)):
        if end is None:
            continue
        s = sign(_shifted(e, end))
        if s is None:
            return None
        if (s > 0 if below else s < 0) or (s == 0 and b.strict):
            return False
    return True


def _intervals(system: LinearSystem, bounds: Sequence[Bound], reduced: Sequence | None = None) -> dict | None:
    """Each variable's interval from the one-variable bounds; None when a bound is empty
    or a constant bound fails.  ``reduced``: each bound's form reduced by ``system``,
    when the caller has them."""
    out: dict = {}
    if reduced is None:
        reduced = [system.reduce(b.expr) for b in bounds]
    for b, e in zip(bounds, reduced, strict=True):
        variables = [k for k in e if k is not None]
        c0 = Fraction(e.get(None, 0))
        if not variables:
            if b.lo is not None and (c0 < b.lo or (b.strict and c0 == b.lo)):
                return None
            if b.hi is not None and (c0 > b.hi or (b.strict and c0 == b.hi)):
                return None
            continue
        if len(variables) != 1:
            continue
        v = variables[0]
        if not _tighten(out, v, Fraction(e[v]), c0, b):
            return None
    return out


def _form_intervals(system: LinearSystem, bounds: Sequence[Bound], reduced: Sequence | None = None) -> dict | None:
    """The interval of each normalized linear form (:func:`_normal`) of two or more
    variables that a bound bounds, by the form's key; None when one is empty.  The split
    f < t on a condition of several variables is decided by these in its case.
    ``reduced``: as for :func:`_intervals`."""
    out: dict = {}
    if reduced is None:
        reduced = [system.reduce(b.expr) for b in bounds]
    for b, e in zip(bounds, reduced, strict=True):
        if sum(k is not None for k in e) < 2:
            continue  # one variable or none: _intervals has it
        key, lead, c0 = _normal(e)
        if not _tighten(out, key, lead, c0, b):
            return None
    return out


def _normal(e: Mapping) -> tuple[tuple, Fraction, Fraction] | None:
    """(key, lead, c0) with e = lead * form + c0, form's first coefficient 1 (variables in
    repr order) and key = form's items; None when e is constant."""
    items = sorted(((k, Fraction(v)) for k, v in e.items() if k is not None), key=lambda kv: repr(kv[0]))
    if not items:
        return None
    lead = items[0][1]
    return tuple((k, v / lead) for k, v in items), lead, Fraction(e.get(None, 0))


def _tighten(out: dict, key, c: Fraction, c0: Fraction, b: Bound) -> bool:
    """Intersect ``out[key]`` with what ``b`` says about x, where b's form is c x + c0 (c != 0);
    False when the interval becomes empty.  Ends exact: a strict bound gives open ends."""
    lo, lo_open, hi, hi_open = out.get(key, (None, False, None, False))
    positive = c > 0
    plain = c == 1 and not c0  # the bound is on x itself (most are): no arithmetic
    for end, is_lo in ((b.lo, True), (b.hi, False)):
        if end is None:
            continue
        value = end if plain and type(end) is Fraction else (end - c0) / c
        if is_lo == positive:  # a lower bound on x
            if lo is None or value > lo or (value == lo and b.strict):
                lo, lo_open = value, b.strict
        else:
            if hi is None or value < hi or (value == hi and b.strict):
                hi, hi_open = value, b.strict
    out[key] = (lo, lo_open, hi, hi_open)
    return not (lo is not None and hi is not None and (lo > hi or (lo == hi and (lo_open or hi_open))))


def _range(e: Mapping, intervals: dict) -> Interval:
    """Interval arithmetic for a linear form over the variables' intervals."""
    lo = hi = Fraction(e.get(None, 0))
    lo_open = hi_open = False
    for v, c in e.items():
        if v is None:
            continue
        vlo, vlo_open, vhi, vhi_open = intervals.get(v, (None, False, None, False))
        if c < 0:
            vlo, vlo_open, vhi, vhi_open = vhi, vhi_open, vlo, vlo_open
        if vlo is None or lo is None:
            lo = None
        else:
            lo, lo_open = lo + c * vlo, lo_open or vlo_open
        if vhi is None or hi is None:
            hi = None
        else:
            hi, hi_open = hi + c * vhi, hi_open or vhi_open
    return lo, lo_open, hi, hi_open


def _decide(cond: Mapping, at: Fraction, intervals: dict, forms: dict | None = None) -> bool | None:
    """Whether cond <= at holds on the intervals (True/False), or None if both can.
    ``forms`` (:func:`_form_intervals`): intervals of forms of several variables, used when
    cond is one of them (up to scale and constant)."""
    ranges = [_range(cond, intervals)]
    normal = _normal(cond)
    if forms and normal is not None and normal[0] in forms:
        key, lead, c0 = normal
        lo, lo_open, hi, hi_open = forms[key]
        if lead < 0:
            lo, lo_open, hi, hi_open = hi, hi_open, lo, lo_open
        ranges.append((None if lo is None else lead * lo + c0, lo_open,
                       None if hi is None else lead * hi + c0, hi_open))
    for lo, lo_open, hi, hi_open in ranges:
        if hi is not None and hi <= at:
            return True
        if lo is not None and (lo > at or (lo == at and lo_open)):
            return False
    return None


def _normal_split(e: Mapping, at: Fraction) -> tuple[dict, Fraction]:
    """cond <= at as (form, t): the form's first coefficient 1 and no constant, so that
    c <= t and -c <= -t are one split."""
    form, lead, c0 = _normal(e)
    return dict(form), (Fraction(at) - c0) / lead


def condition_key(form: Mapping, t: Fraction) -> tuple:
    """A hashable key of the split (form, t) of :func:`_normal_split`."""
    return tuple(sorted(form.items(), key=lambda kv: repr(kv[0]))), t


def conditions(case: Case) -> dict:
    """The case's undecided conditions: :func:`condition_key` -> (form, t, occurrences),
    each as :func:`_normal_split`, so that ``c <= t`` and ``-c <= -t`` are one condition;
    in the order of first occurrence."""
    out: dict = {}
    for eq in case.equations:
        for cond, at, _ in eq.pieces:
            e = case.system.reduce(cond)
            if all(k is None for k in e):
                continue  # constant: the next settle decides it
            form, t = _normal_split(e, at)
            key = condition_key(form, t)
            count = out[key][2] + 1 if key in out else 1
            out[key] = (form, t, count)
    return out


def _split_on(case: Case) -> tuple[dict, Fraction] | None:
    """The undecided condition that occurs most often (the first of those), as
    :func:`_normal_split`; None when no ite is left."""
    found = conditions(case)
    if not found:
        return None
    form, t, _ = max(found.values(), key=lambda c: c[2])
    return form, t


def _extend(system: LinearSystem, model: Mapping, variables) -> dict:
    """Values (by key) of ``variables``: their reduced forms in ``system`` evaluated at
    ``model`` (free variables that no assertion uses are 0)."""
    out = {}
    for v in variables:
        total = Fraction(0)
        for k, c in system.reduce({v: 1}).items():
            value = Fraction(1) if k is None else model.get(k, Fraction(0))
            total = numbers.add(total, numbers.mul(Fraction(c), value))
        out[v] = total
    return out
