"""Second reader of LinearSystem.restricted and its use in branch_and_eliminate.

The claim: after the bounds and equations are reduced once by the caller's system, each
case may start from the restricted system (only the pivots of the definitions' variables
and of ``wanted``) instead of a copy of the whole system, and every case's answer, every
leaf the search reaches and every model it returns stay what they were with the whole
system.

(a) LinearSystem level, hundreds of variables: the restricted copy and a full copy, given
    the same further equations (reduced by the caller first, as branching does) and
    propagation, keep the same forms for every kept pivot, every free variable and every
    reduced expression, and fail (Inconsistent) together.
(b) branch_and_eliminate on a caller's system of hundreds of variables around a small
    residual (tests/test_branching.py's residual_problems), the bounds and equations
    written on eliminated variables and with multiples of the caller's equations added:
    the restricted run and a run with LinearSystem.restricted replaced by a full copy
    (the behaviour before) reach the same leaves (the same reduced assertions, in the
    same order) and give the same status and model; a sat model, extended through the
    caller's system to every variable (as chains._value does), satisfies the original
    conjunction exactly, strict bounds and ite conditions included.
"""

import random
from fractions import Fraction as F

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from nnsolve.decider.branching import branch_and_eliminate
from nnsolve.decider.residual_query import Bound, PiecewiseEquation, name
from nnsolve.elimination import Inconsistent, LinearSystem
from nnsolve.solvers import SAT, UNSAT
import test_branching
from test_branching import Recorder, Z3Leaf, _check, _holds, residual_problems

SETTINGS = dict(deadline=None, suppress_health_check=list(HealthCheck))
COEFFS = [F(1), F(-1), F(2), F(-3), F(1, 2), F(5, 3)]


def _full_copy(self, keep=()):
    return self.copy()


def _canon(expr):
    return tuple(sorted(((k, F(v)) for k, v in expr.items()), key=repr))


# -- (a) the system itself ---------------------------------------------------------------

def _random_system(rnd, n):
    rank = {}
    order = list(range(n + 10))
    rnd.shuffle(order)
    system = LinearSystem(priority=lambda v: order[rank.setdefault(v, len(rank)) % len(order)])
    vs = [("v", i) for i in range(n)]
    for _ in range(int(n * rnd.uniform(0.3, 0.9))):
        e = {v: rnd.choice(COEFFS) for v in rnd.sample(vs, rnd.randint(2, 4))}
        e[None] = F(rnd.randint(-5, 5))
        try:
            system.equate(e)
        except Inconsistent:
            pass
    for _ in range(rnd.randint(1, 12)):
        system.define(*rnd.sample(vs, 3))
    if rnd.random() < 0.5:
        try:
            system.propagate()
        except Inconsistent:
            return None, vs
    return system, vs


@settings(max_examples=12, **SETTINGS)
@given(st.integers(0, 2**32), st.integers(100, 400))
def test_restricted_follows_the_full_system(seed, n):
    rnd = random.Random(seed)
    system, vs = _random_system(rnd, n)
    if system is None:
        return
    full_pivots = system.pivots
    keep = rnd.sample(vs, rnd.randint(0, 10))
    restricted, full = system.restricted(keep), system.copy()
    needed = set(keep) | {v for d in system.bilinear for v in d}
    assert restricted.pivots == {k: e for k, e in full_pivots.items() if k in needed}
    free = [v for v in vs if v not in full_pivots]
    watched = sorted(needed | set(free), key=repr)
    for step in range(rnd.randint(1, 15)):
        e = {v: rnd.choice(COEFFS) for v in rnd.sample(vs, rnd.randint(1, 3))}  # any variable, pivots too
        e[None] = F(rnd.randint(-3, 3))
        reduced = full.reduce(e)  # what branching hands to the cases
        assert restricted.reduce(reduced) == reduced
        outcome = []
        equate = rnd.random() < 0.8 or step == 0  # else only propagate
        for s in (full, restricted):
            try:
                if equate:
                    s.equate(reduced)
                s.propagate()
                outcome.append(None)
            except Inconsistent as exc:
                outcome.append(str(exc))
        assert outcome[0] == outcome[1]
        if outcome[0] is not None:
            return
        for v in watched:
            assert restricted.reduce({v: 1}) == full.reduce({v: 1}), v
        assert sorted(map(repr, restricted.bilinear)) == sorted(map(repr, full.bilinear))
        assert {k: e for k, e in restricted.pivots.items()} == {k: e for k, e in full.pivots.items() if k in restricted.pivots}


# -- (b) branch and eliminate on a large caller system -----------------------------------

def _substitute(expr, var, form):
    """expr with ``var`` replaced by the linear form ``form``."""
    out = dict(expr)
    c = out.pop(var, 0)
    if c:
        for k, v in form.items():
            out[k] = out.get(k, 0) + c * v
            if not out[k]:
                del out[k]
    return out


@st.composite
def embedded_residuals(draw):
    """A residual from test_branching embedded in a caller's system of hundreds of
    variables: noise variables w_i (linear in the residual's variables and earlier w's),
    aliases a_x = x + c w_j (by priority sometimes the alias is eliminated, sometimes x
    itself, a definition's variable), the bounds and equations rewritten on aliases and
    noise, plus multiples of the caller's equations (zero under the system).  Returns
    (system, bounds, equations, point or None, wanted, noise count)."""
    drawn = draw(st.one_of(residual_problems(planted=True), residual_problems(planted=False)))
    if drawn is None:
        return None
    base, bounds, equations, point = drawn
    rnd = random.Random(draw(st.integers(0, 2**32)))
    rank = {}
    order = list(range(1000))
    rnd.shuffle(order)
    system = Recorder(priority=lambda v: order[rank.setdefault(v, len(rank)) % len(order)])
    for d in base.bilinear:
        system.define(*d)
    xs = sorted({k for e in base.given for k in e if k is not None} | {v for d in base.bilinear for v in d}
                | {k for b in bounds for k in b.expr if k is not None}
                | {k for eq in equations for e in [eq.base] + [x for p in eq.pieces for x in (p[0], p[2])]
                   for k in e if k is not None}, key=repr)
    point = dict(point) if point is not None else None
    try:
        for e in base.given:
            system.record(e)
        pool = list(xs)
        noise = rnd.randint(100, 400)
        for i in range(noise):
            w = ("w", i)
            e = {v: rnd.choice(COEFFS) for v in rnd.sample(pool, min(len(pool), rnd.randint(1, 3)))}
            const = F(rnd.randint(-4, 4))
            if point is not None:
                point[w] = sum((c * point[v] for v, c in e.items()), const)
            rec = {k: -c for k, c in e.items()}
            rec[w], rec[None] = F(1), -const
            system.record(rec)
            pool.append(w)
        # aliases: x = a_x - c w_j in the bounds and equations
        aliases = {}
        for x in xs:
            if rnd.random() < 0.6:
                a, wj, c = ("a", x[1]), ("w", rnd.randrange(noise)), rnd.choice(COEFFS)
                if point is not None:
                    point[a] = point[x] + c * point[wj]
                system.record({a: 1, x: -1, wj: -c})
                aliases[x] = {a: F(1), wj: -c}
    except Inconsistent:
        return None  # free draws only: the residual's own equations contradict each other
    zeros = system.given[len(base.given):]

    def rewrite(expr):
        for x, form in aliases.items():
            expr = _substitute(expr, x, form)
        for _ in range(rnd.randint(0, 2)):  # plus a multiple of one of the caller's equations
            z = rnd.choice(zeros)
            c = rnd.choice(COEFFS)
            for k, v in z.items():
                expr[k] = expr.get(k, 0) + c * v
                if not expr[k]:
                    del expr[k]
        return expr

    bounds = [Bound(rewrite(dict(b.expr)), b.lo, b.hi, b.strict) for b in bounds]
    equations = [PiecewiseEquation(rewrite(dict(eq.base)),
                                   tuple((rewrite(dict(c)), at, rewrite(dict(t))) for c, at, t in eq.pieces))
                 for eq in equations]
    # wanted as chains._guided asks: the free variables the reduced residual uses, and
    # sometimes some of the caller's pivots as well
    red = system.reduce
    used = set()
    for e in [b.expr for b in bounds] + [x for eq in equations for x in [eq.base] + [y for p in eq.pieces for y in (p[0], p[2])]] \
            + [{v: 1} for d in system.bilinear for v in d]:
        used |= {k for k in red(e) if k is not None}
    wanted = sorted(used, key=repr)
    if rnd.random() < 0.5:
        wanted += rnd.sample(sorted(system.pivots, key=repr), 5)
    return system, bounds, equations, point, wanted, noise


class RecordingLeaf(Z3Leaf):
    """Z3Leaf (z3 on the case in its free variables, here with a short timeout) that
    remembers each case it was given, in reduced (canonical) form."""

    def __init__(self, seconds: float = 0.5):
        super().__init__()
        self.seconds = seconds
        self.seen = []

    def __call__(self, case):
        red = case.system.reduce
        self.seen.append((
            tuple(tuple(_canon(red({v: 1})) for v in d) for d in case.system.bilinear),
            tuple((_canon(red(b.expr)), b.lo, b.hi, b.strict) for b in case.bounds),
            tuple((_canon(red(eq.base)), tuple((_canon(red(c)), F(at), _canon(red(t))) for c, at, t in eq.pieces))
                  for eq in case.equations)))
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(test_branching, "_check", lambda cs: _check(cs, self.seconds))
            return super().__call__(case)


def _extended(system, model, wanted):
    """Every caller variable from the model of ``wanted`` (by name), through the caller's
    system as chains._value does (free variables not in the model: 0)."""
    keys = {name(v): v for v in wanted}
    values = {keys[n]: x for n, x in model.items()}
    variables = set(system.pivots) | {k for e in system.given for k in e if k is not None} \
        | {v for d in system.bilinear for v in d}
    out = {}
    from nnsolve import numbers
    for v in variables:
        total = F(0)
        for k, c in system.reduce({v: 1}).items():
            total = numbers.add(total, numbers.mul(F(c), F(1) if k is None else values.get(k, F(0))))
        out[name(v)] = total
    return out


#: a leaf is z3 with up to 0.5 s; a draw whose tree reached 600 cases twice took 179 s of the
#: suite under load (twenty-second session), so the default tier stops the tree earlier
MAX_CASES = 120


# 10 examples: the default tier's fixed draws took 53 s of the suite at 20 (twenty-third
# session, 21 s at 10); NNSOLVE_HYPOTHESIS=explore draws fresh ones on request
@settings(max_examples=10, **SETTINGS)
@given(embedded_residuals())
def test_restricted_cases_equal_full_cases(drawn):
    if drawn is None:
        return
    system, bounds, equations, point, wanted, _ = drawn
    snapshot = system.pivots, list(system.bilinear)
    runs = []
    for restricted in (True, False):
        leaf = RecordingLeaf()
        with pytest.MonkeyPatch.context() as patch:
            if not restricted:
                patch.setattr(LinearSystem, "restricted", _full_copy)
            answer = branch_and_eliminate(system, bounds, equations, leaf, wanted, max_cases=MAX_CASES)
        runs.append((answer, leaf))
        assert (system.pivots, list(system.bilinear)) == snapshot  # the caller's system is untouched
    (mine, leaf_r), (before, leaf_f) = runs
    if leaf_r.undecided == leaf_f.undecided == 0:
        assert leaf_r.seen == leaf_f.seen
        # the same verdict; a sat model may differ (z3 under a per-leaf limit can return
        # another model of the same leaf: seen on a clean-clone CI run under load), so
        # each run's model is checked on the original conjunction instead
        assert mine.status == before.status, (mine.reason, before.reason)
        if before.status == SAT:
            assert _holds(system, system, bounds, equations, _extended(system, before.model, wanted))
    else:  # a leaf timed out (z3 under load): the same leaves up to the first timeout, no contradiction
        n = min(len(leaf_r.seen), len(leaf_f.seen))
        assert leaf_r.seen[:n] == leaf_f.seen[:n]
        assert {mine.status, before.status} != {SAT, UNSAT}
    if point is not None:
        assert mine.status != UNSAT
    if mine.status == SAT:
        assert set(mine.model) == {name(v) for v in wanted}
        model = _extended(system, mine.model, wanted)
        for v in wanted:  # wanted pivots: the model's value is the caller's form at the model
            assert model[name(v)] == mine.model[name(v)]
        assert _holds(system, system, bounds, equations, model)


def test_a_dropped_pivot_is_reconstructed_through_the_callers_system():
    """w = x + 5 is dropped from the cases (no definition and not wanted uses it); the
    bound w >= 7 (strict) and the piecewise equation on w are reduced to x first; the
    model of x gives w through the caller's system, and the strict end is kept."""
    s = Recorder()
    s.record({("w",): 1, ("x",): -1, None: -5})
    s.define(("p",), ("x",), ("x",))
    bounds = [Bound({("w",): 1}, F(7), None, strict=True), Bound({("w",): 1}, None, F(9))]
    # p - 16 + ite(w <= 8, 100, 0) = 0: w <= 8 gives p = -84 (impossible), so w > 8, x = 4
    equations = [PiecewiseEquation({("p",): 1, None: -16}, (({("w",): 1}, F(8), {None: 100}),))]
    wanted = [("p",), ("x",)]  # the free variables the residual uses (as chains asks)
    answer = branch_and_eliminate(s, bounds, equations, Z3Leaf(), wanted)
    assert answer.status == SAT and answer.model == {name(("x",)): 4, name(("p",)): 16}
    model = _extended(s, answer.model, wanted)
    assert model[name(("w",))] == 9 and _holds(s, s, bounds, equations, model)
    # strict: w > 9 with w <= 9 is empty
    bounds = [Bound({("w",): 1}, F(9), None, strict=True), Bound({("w",): 1}, None, F(9))]
    assert branch_and_eliminate(s, bounds, equations, Z3Leaf(), wanted).status == UNSAT
