"""Property tests for the common-factor rule (elimination.LinearSystem.common_factors,
run by propagate) and for branch and eliminate (decider.branching).

z3 (python API, in the tests only) is the oracle: the conjunction as drawn, written
directly as z3 terms (If for the ites), against what propagate leaves and what
branch_and_eliminate answers.  Leaves are decided by z3 in-process; its algebraic
values are kept exact (nnsolve.numbers) and every sat model is checked against the
original conjunction exactly.  Sizes: 3-8 variables, 1-4 bilinear definitions, 1-4
piecewise equations with 1-3 pieces, conditions over one or two variables (the chain
residual's conditions (1 - lam) p + lam q <= t have two)."""

import logging
from fractions import Fraction as F

import pytest
import z3
from hypothesis import HealthCheck, event, given, settings, strategies as st

from nnsolve import numbers
from nnsolve.decider import branching
from nnsolve.decider.branching import Case, branch_and_eliminate, probe_model, satisfies
from nnsolve.decider.residual_query import Bound, PiecewiseEquation, name
from nnsolve.elimination import Inconsistent, LinearSystem
from nnsolve.solvers import SAT, UNKNOWN, UNSAT, SolverResult

SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


def tiers(fast: int, slow: int, *strategies):
    """The property as two tests: ``fast`` examples in the default suite (the whole file
    runs in about 20 s on a loaded 2-core machine) and ``slow`` under -m slow."""
    def wrap(body):
        quick = settings(max_examples=fast, **SETTINGS)(given(*strategies)(body))
        thorough = pytest.mark.slow(settings(max_examples=slow, **SETTINGS)(given(*strategies)(body)))
        return quick, thorough
    return wrap
small = st.integers(-3, 3).map(F)
value = st.sampled_from([F(n, d) for n in range(-4, 5) for d in (1, 2, 3)])


# -- exact evaluation and z3 terms -----------------------------------------------------

def _eval(expr, point) -> F:
    return sum((F(c) * (1 if k is None else point[k]) for k, c in expr.items()), F(0))


def _q(x: F):
    return z3.RealVal(f"{x.numerator}/{x.denominator}")


def _z(expr, zvars):
    terms = [_q(F(c)) * (1 if k is None else zvars[k]) for k, c in expr.items() if c]
    return z3.Sum(terms) if terms else _q(F(0))


def _zvars(*groups) -> dict:
    out = {}
    for group in groups:
        for k in group:
            if k is not None and k not in out:
                out[k] = z3.Real(name(k))
    return out


def _check(constraints, seconds: float = 3.0):
    solver = z3.Solver()
    solver.set("timeout", int(seconds * 1000))
    solver.add(*constraints)
    return solver, solver.check()


class Recorder(LinearSystem):
    """A LinearSystem that remembers every equation it was given (the original conjunction)."""

    def __init__(self, priority=lambda v: 0) -> None:
        super().__init__(priority)
        self.given: list[dict] = []

    def copy(self) -> "Recorder":
        other = super().copy()
        other.given = list(self.given)
        return other

    def record(self, expr) -> None:
        self.given.append(dict(expr))
        self.equate(expr)


def _system_terms(system: LinearSystem, zvars) -> list:
    """The system as it stands: pivot equations and remaining definitions."""
    out = [zvars[p] == _z(e, zvars) for p, e in system.pivots.items()]
    out += [zvars[u] == zvars[a] * zvars[b] for u, a, b in system.bilinear]
    return out


def _all_vars(system: LinearSystem, given=(), bounds=(), equations=()) -> set:
    out = set(system.pivots)
    for e in list(system.pivots.values()) + list(given):
        out |= {k for k in e if k is not None}
    for t in system.bilinear:
        out |= set(t)
    for b in bounds:
        out |= {k for k in b.expr if k is not None}
    for eq in equations:
        for e in [eq.base] + [x for p in eq.pieces for x in (p[0], p[2])]:
            out |= {k for k in e if k is not None}
    return out


# -- (a) the common-factor rule --------------------------------------------------------

@st.composite
def shared_factors(draw, planted: bool = True):
    """Definitions U_i = K_i * k_i with k_i = s_i q_j + d_i and U_i = c_i + a_i K_i + b_i k_i,
    so (K_i - b_i) s_i (q_j - rho_i) = gamma_i: factors shared through q_j and rho_i (few
    values) and through K_i (reused), some gamma_i = 0.  Planted: a rational point satisfies
    everything (returned); else the constants are drawn freely (may be unsat)."""
    n_def = draw(st.integers(2, 6))
    n_q = draw(st.integers(1, 2))
    order = draw(st.permutations(range(40)))
    rank: dict = {}
    system = Recorder(priority=lambda v: order[rank.setdefault(v, len(rank)) % 40])
    point: dict = {("q", j): draw(value) for j in range(n_q)}
    roots = [draw(value) for _ in range(2)]
    pending = []
    for i in range(n_def):
        j = draw(st.integers(0, n_q - 1))
        K = ("K", draw(st.integers(0, max(0, i - 1)))) if i and draw(st.booleans()) else ("K", i)
        k, U = ("k", i), ("U", i)
        s = draw(st.sampled_from([F(1), F(2), F(-1, 2), F(3)]))
        d = draw(small)
        point.setdefault(K, draw(value))
        point[k] = s * point[("q", j)] + d
        point[U] = point[K] * point[k]
        rho = draw(st.sampled_from(roots + [point[("q", j)]]))  # q_j = rho makes gamma 0
        a = s * rho + d
        b = draw(st.sampled_from([point[K], draw(value)]))   # b = K* makes gamma 0
        # sometimes a third variable in U's equation (the product is then outside span{1, K, k})
        other = draw(st.sampled_from([None, None, ("q", 0), ("K", 0)]))
        noise = draw(small) if other is not None and other not in (K, k) and other in point else F(0)
        c = point[U] - a * point[K] - b * point[k] - (noise * point[other] if noise else 0) if planted else draw(small)
        pending.append({k: 1, ("q", j): -s, None: -d})
        u_eq = {U: 1, K: -a, k: -b, None: -c}
        if noise:
            u_eq[other] = -noise
        pending.append(u_eq)
        system.define(U, K, k)
    if not planted and draw(st.booleans()):
        # force a factor nonzero: w * z = 1 with w = k_0 - a_0 (a shared factor of U_0)
        pending.append({("w",): 1, ("k", 0): -1, None: draw(small)})
        system.define(("one",), ("w",), ("z",))
        pending.append({("one",): 1, None: -1})
    for _ in range(draw(st.integers(0, 2))):  # extra linear equations through the point
        vs = draw(st.lists(st.sampled_from(sorted(point, key=repr)), min_size=2, max_size=3, unique=True))
        e = {v: draw(small) for v in vs}
        e[None] = -_eval(e, point) if planted else draw(small)
        pending.append(e)
    for e in draw(st.permutations(pending)):
        try:
            system.record(e)
        except Inconsistent:
            if planted:
                raise
            return None
    return system, point


def _test_common_factors_keep_a_planted_point(drawn):
    system, point = drawn
    before = len(system.bilinear)
    system.propagate()  # never Inconsistent: the point is a solution
    event(f"definitions left: {len(system.bilinear)} of {before}")
    for p, e in system.pivots.items():
        assert point[p] == _eval(e, point), (p, e)
    for u, a, b in system.bilinear:
        assert point[u] == point[a] * point[b]


test_common_factors_keep_a_planted_point, test_common_factors_keep_a_planted_point_slow = tiers(30, 300, shared_factors(planted=True))(_test_common_factors_keep_a_planted_point)


def _test_propagate_keeps_the_answer(drawn):
    """z3 on the conjunction as given and on what propagate leaves: same sat/unsat."""
    if drawn is None:
        return
    system, _ = drawn
    original = system.copy()
    zvars = _zvars(_all_vars(original, system.given))
    before = [_z(e, zvars) == 0 for e in system.given]
    before += [zvars[u] == zvars[a] * zvars[b] for u, a, b in original.bilinear]
    _, want = _check(before)
    try:
        system.propagate()
    except Inconsistent:
        event("propagate: inconsistent")
        assert want != z3.sat
        return
    _, got = _check(_system_terms(system, zvars))
    event(f"z3 {want}, dropped {len(original.bilinear) - len(system.bilinear)}")
    if z3.unknown in (want, got):
        return
    assert want == got


test_propagate_keeps_the_answer, test_propagate_keeps_the_answer_slow = tiers(20, 200, st.one_of(shared_factors(planted=True), shared_factors(planted=False)))(_test_propagate_keeps_the_answer)


def test_common_factor_forced_nonzero_unsat():
    """F G1 = 1 and F G2 = 0 with G2 = w forced nonzero (w z = 1): unsat, found linearly."""
    s = LinearSystem()
    s.define("u1", "F", "g1"); s.equate({"u1": 1, None: -1})        # F g1 = 1
    s.define("u2", "F", "w"); s.equate({"u2": 1})                   # F w = 0
    s.define("one", "w", "z"); s.equate({"one": 1, None: -1})       # w z = 1
    with pytest.raises(Inconsistent):
        s.propagate()


def test_common_factor_two_groups_anchor_kept():
    """A definition in two factor groups: anchored in one, never dropped by the other."""
    s = LinearSystem()
    # (K - 1)(q - 2) = 3, (K - 1)(r - 5) = 6 and (L - 0)(q - 2) = 1: all share a factor
    s.define("u0", "K", "q"); s.equate({"u0": 1, "q": -1, "K": -2, None: -1})   # Kq = 2K + q + 1
    s.define("u1", "K", "r"); s.equate({"u1": 1, "r": -1, "K": -5, None: -1})   # Kr = 5K + r + 1
    s.define("u2", "L", "q"); s.equate({"u2": 1, "L": -2, None: -1 + 0})       # Lq = 2L + 1
    point = {"K": F(2), "q": F(5), "r": F(11), "L": F(1, 3)}
    point.update(u0=point["K"] * point["q"], u1=point["K"] * point["r"], u2=point["L"] * point["q"])
    s.propagate()
    assert len(s.bilinear) == 1
    for p, e in s.pivots.items():
        assert point[p] == _eval(e, point)
    u, a, b = s.bilinear[0]
    assert point[u] == point[a] * point[b]


# -- (b) branch and eliminate ----------------------------------------------------------

VARS = [("x", i) for i in range(8)]


@st.composite
def residual_problems(draw, planted: bool):
    """(system with the original equations recorded, bounds, equations, point or None)."""
    n = draw(st.integers(3, 8))
    vs = VARS[:n]
    point = {v: draw(value) for v in vs} if planted else None
    system = Recorder()
    # definitions: the product is a variable that is not a factor of an earlier one
    products = draw(st.lists(st.sampled_from(vs), min_size=1, max_size=min(4, n - 1), unique=True))
    factors = [v for v in vs if v not in products] or vs[:1]
    done = []
    for u in products:
        a, b = draw(st.sampled_from(factors + done)), draw(st.sampled_from(factors + done))
        if planted:
            point[u] = point[a] * point[b]
        system.define(u, a, b)
        done.append(u)

    def form(size):
        ws = draw(st.lists(st.sampled_from(vs), min_size=1, max_size=size, unique=True))
        return {w: draw(st.sampled_from([F(1), F(-1), F(2), F(1, 2), F(-3)])) for w in ws}

    def near(x):  # a constant at, or near, x (at: the boundary cases)
        return x + draw(st.sampled_from([F(0), F(0), F(1), F(-1), F(1, 2), F(-2)]))

    for _ in range(draw(st.integers(0, 2))):
        e = form(3)
        e[None] = -_eval(e, point) if planted else draw(small)
        try:
            system.record(e)
        except Inconsistent:
            system.given.pop()
            return None
    bounds = []
    for _ in range(draw(st.integers(1, 4))):
        e = form(2) if draw(st.integers(0, 3)) == 0 else form(1)
        x = _eval(e, point) if planted else draw(small)
        lo = None if draw(st.integers(0, 3)) == 0 else x - draw(st.sampled_from([F(0), F(1, 2), F(2)]))
        hi = None if draw(st.integers(0, 3)) == 0 else x + draw(st.sampled_from([F(0), F(1, 2), F(2)]))
        strict = draw(st.booleans()) and (not planted or (lo != x and hi != x))
        bounds.append(Bound(e, lo, hi, strict))
    pool = [form(2) for _ in range(draw(st.integers(1, 4)))]  # conditions shared between pieces
    equations = []
    for _ in range(draw(st.integers(1, 4))):
        pieces = []
        for _ in range(draw(st.integers(1, 3))):
            cond = draw(st.sampled_from(pool))
            at = near(_eval(cond, point)) if planted else draw(small)
            term = form(2)
            term[None] = draw(small)
            pieces.append((cond, at, term))
        base = form(2)
        if planted:
            total = _eval(base, point) + sum(_eval(t, point) for c, at, t in pieces if _eval(c, point) <= at)
            base[None] = base.get(None, 0) - total
        else:
            base[None] = draw(small)
        equations.append(PiecewiseEquation(base, tuple(pieces)))
    return system, bounds, equations, point


def _z3_value(v):
    if isinstance(v, z3.RatNumRef):
        return F(v.numerator_as_long(), v.denominator_as_long())
    if isinstance(v, z3.IntNumRef):
        return F(v.as_long())
    poly = [int(str(c)) for c in v.poly()][::-1]
    approx = v.approx(120)
    x = F(approx.numerator_as_long(), approx.denominator_as_long())
    return numbers.algebraic(poly, x - F(1, 10**30), x + F(1, 10**30))


def _bound_terms(b: Bound, zvars, reduce=lambda e: e) -> list:
    e = _z(reduce(b.expr), zvars)
    out = []
    if b.lo is not None:
        out.append(_q(b.lo) < e if b.strict else _q(b.lo) <= e)
    if b.hi is not None:
        out.append(e < _q(b.hi) if b.strict else e <= _q(b.hi))
    return out


def _eq_term(eq: PiecewiseEquation, zvars, reduce=lambda e: e):
    parts = [_z(reduce(eq.base), zvars)]
    parts += [z3.If(_z(reduce(c), zvars) <= _q(F(at)), _z(reduce(t), zvars), _q(F(0))) for c, at, t in eq.pieces]
    return z3.Sum(parts) == 0


def _original_terms(system: Recorder, original: LinearSystem, bounds, equations, zvars) -> list:
    out = [_z(e, zvars) == 0 for e in system.given]
    out += [zvars[u] == zvars[a] * zvars[b] for u, a, b in original.bilinear]
    out += [t for b in bounds for t in _bound_terms(b, zvars)]
    out += [_eq_term(eq, zvars) for eq in equations]
    return out


class Z3Leaf:
    """solve_leaf: z3 on the case in its free variables (as the residual query writes it)."""

    def __init__(self) -> None:
        self.calls = 0
        self.undecided = 0

    def __call__(self, case: Case) -> SolverResult:
        self.calls += 1
        red = case.system.reduce
        free = set()
        exprs = [red({x: 1}) for t in case.system.bilinear for x in t] + [red(b.expr) for b in case.bounds]
        exprs += [red(e) for eq in case.equations for e in [eq.base] + [x for p in eq.pieces for x in (p[0], p[2])]]
        for e in exprs:
            free |= {k for k in e if k is not None}
        zvars = _zvars(free)
        cs = [_z(red({u: 1}), zvars) == _z(red({a: 1}), zvars) * _z(red({b: 1}), zvars)
              for u, a, b in case.system.bilinear]
        cs += [t for b in case.bounds for t in _bound_terms(b, zvars, red)]
        cs += [_eq_term(eq, zvars, red) for eq in case.equations]
        solver, status = _check(cs)
        if status == z3.sat:
            m = solver.model()
            return SolverResult(SAT, "z3", 0.0, {name(k): _z3_value(m.eval(v, model_completion=True))
                                                 for k, v in zvars.items()})
        if status == z3.unsat:
            return SolverResult(UNSAT, "z3", 0.0)
        self.undecided += 1
        return SolverResult(UNKNOWN, "z3", 0.0, reason="z3 unknown")


def _value_at(expr, model):
    total = F(0)
    for k, c in expr.items():
        total = numbers.add(total, numbers.mul(F(c), F(1) if k is None else model[name(k)]))
    return total


def _holds(system: Recorder, original: LinearSystem, bounds, equations, model) -> bool:
    """The original conjunction at ``model`` (by name), exactly."""
    sign = numbers.sign
    if any(sign(_value_at(e, model)) != 0 for e in system.given):
        return False
    for u, a, b in original.bilinear:
        if sign(numbers.add(model[name(u)], numbers.neg(numbers.mul(model[name(a)], model[name(b)])))) != 0:
            return False
    for bd in bounds:
        x = _value_at(bd.expr, model)
        if bd.lo is not None and sign(numbers.add(x, -bd.lo)) < (1 if bd.strict else 0):
            return False
        if bd.hi is not None and sign(numbers.add(bd.hi, numbers.neg(x))) < (1 if bd.strict else 0):
            return False
    for eq in equations:
        total = _value_at(eq.base, model)
        for c, at, t in eq.pieces:
            if sign(numbers.add(_value_at(c, model), -F(at))) <= 0:
                total = numbers.add(total, _value_at(t, model))
        if sign(total) != 0:
            return False
    return True


def _run(drawn, guide=None):
    system, bounds, equations, point = drawn
    original = system.copy()
    wanted = sorted(_all_vars(original, system.given, bounds, equations), key=repr)
    leaf = Z3Leaf()
    answer = branch_and_eliminate(system, bounds, equations, leaf, wanted, max_cases=600, guide=guide)
    zvars = _zvars(wanted)
    _, want = _check(_original_terms(system, original, bounds, equations, zvars))
    if answer.status == SAT:
        assert set(answer.model) == {name(v) for v in wanted}
        assert _holds(system, original, bounds, equations, answer.model), answer.model
    if leaf.undecided == 0:
        # every leaf decided: branching decides (each split decides a condition in every case)
        assert answer.status != UNKNOWN, answer.reason
    if point is not None:
        assert answer.status != UNSAT
    if want != z3.unknown and answer.status != UNKNOWN:
        assert answer.status == (SAT if want == z3.sat else UNSAT)
    event(f"{answer.status}, z3 {want}, leaves {leaf.calls}")
    return answer


def _test_branching_planted(drawn):
    if drawn is not None:
        _run(drawn)


test_branching_planted, test_branching_planted_slow = tiers(8, 150, residual_problems(planted=True))(_test_branching_planted)


def _test_branching_random_agrees_with_z3(drawn):
    if drawn is not None:
        _run(drawn)


test_branching_random_agrees_with_z3, test_branching_random_agrees_with_z3_slow = tiers(12, 150, residual_problems(planted=False))(_test_branching_random_agrees_with_z3)


def _test_a_wrong_guide_never_changes_the_verdict(drawn, data):
    if drawn is None:
        return
    system, bounds, equations, point = drawn
    vars_ = sorted(_all_vars(system, system.given, bounds, equations), key=repr)
    guide = {v: data.draw(value) for v in vars_ if data.draw(st.integers(0, 5))}
    plain = _run(drawn)  # branch_and_eliminate works on a copy: drawn is unchanged
    guided = _run(drawn, guide=guide)
    if UNKNOWN not in (plain.status, guided.status):
        assert plain.status == guided.status


test_a_wrong_guide_never_changes_the_verdict, test_a_wrong_guide_never_changes_the_verdict_slow = tiers(6, 80, st.one_of(residual_problems(planted=True), residual_problems(planted=False)), st.data())(_test_a_wrong_guide_never_changes_the_verdict)


def _test_the_planted_point_as_guide_is_one_dive(drawn):
    """The dive puts every condition on the guide's side in one case; with the planted
    point as the guide that case holds the point, so it is never closed, every condition
    is decided in it, and its leaf is sat: one dive, no search.  (A dive that dropped or
    flipped a condition, or closed its case wrongly, fails this.)"""
    if drawn is None:
        return
    system, bounds, equations, point = drawn
    if not any(eq.pieces for eq in equations):
        return
    records = []
    handler = logging.Handler()
    handler.emit = records.append
    logger = logging.getLogger("nnsolve.decider.branching")
    old = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        answer = _run(drawn, guide=dict(point))
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old)
    if answer.status == UNKNOWN and "leaf" in (answer.reason or ""):
        return  # z3 left the dive's leaf undecided
    assert answer.status == SAT, answer.reason
    stats = [r.args[1] for r in records if r.getMessage().startswith("branching: sat")]
    # the root and the dive's case, nothing else: a dive that reached a leaf that was not
    # sat (and left the answer to the search) would open more cases
    assert stats and stats[-1].get("dive") == 1 and "dive failed" not in stats[-1], stats
    assert stats[-1]["cases"] == 2, stats


test_the_planted_point_as_guide_is_one_dive, test_the_planted_point_as_guide_is_one_dive_slow = tiers(8, 120, residual_problems(planted=True))(_test_the_planted_point_as_guide_is_one_dive)


# -- pieces: intervals, decide, probe ---------------------------------------------------

def _test_intervals_and_decide_are_exact(bs, v, c, at, data):
    """_intervals' ends (open/closed) and _decide against brute force on a fine grid of
    rationals that includes every end point."""
    system = LinearSystem()
    bounds = [Bound({w: k, None: F(1, 2)}, lo, hi, strict) for w, k, lo, hi, strict in bs]
    intervals = branching._intervals(system, bounds)
    ends = {F(0)} | {(e - F(1, 2)) / k for w, k, lo, hi, s in bs for e in (lo, hi) if e is not None}
    if data.draw(st.booleans()):  # the condition on a bounded variable, at an end of its interval
        v, k, lo, hi, _ = data.draw(st.sampled_from(bs))
        at = c * data.draw(st.sampled_from(sorted({(e - F(1, 2)) / k for e in (lo, hi) if e is not None} | {F(0)})))
    ends |= {at / c}
    grid = sorted(ends | {e + d for e in ends for d in (F(1, 97), F(-1, 97))})

    def ok(point):
        return satisfies(Case(system, tuple(bounds), ()), point)

    points = [{VARS[0]: x, VARS[1]: y} for x in grid for y in grid]
    inside = [p for p in points if ok(p)]
    if intervals is None:
        assert not inside
        return
    for p in points:  # the intervals contain every point of the bounds; their ends are exact
        in_iv = all(_in(intervals.get(w), p[w]) for w in VARS[:2])
        assert in_iv == ok(p), (p, intervals)
    decided = branching._decide({v: c}, at, intervals)
    if decided is not None:
        assert all((c * p[v] <= at) == decided for p in inside)
    else:
        assert len({c * p[v] <= at for p in inside}) == 2 or not inside


test_intervals_and_decide_are_exact, test_intervals_and_decide_are_exact_slow = tiers(40, 300, st.lists(st.tuples(st.sampled_from(VARS[:2]), st.sampled_from([F(1), F(-1), F(2), F(-1, 3)]),
                          st.none() | value, st.none() | value, st.booleans()), min_size=1, max_size=4),
       st.sampled_from(VARS[:2]), st.sampled_from([F(1), F(-2)]), value, st.data())(_test_intervals_and_decide_are_exact)


def _in(iv, x) -> bool:
    if iv is None:
        return True
    lo, lo_open, hi, hi_open = iv
    if lo is not None and (x < lo or (lo_open and x == lo)):
        return False
    if hi is not None and (x > hi or (hi_open and x == hi)):
        return False
    return True


def test_root_settled_model_goes_through_the_settled_system():
    """Found by the property test: an equation whose ites the root case decides joins the
    root's system, so the model is in the settled system's free variables; the wanted
    values must be read through that system, not the caller's."""
    s = LinearSystem()
    s.define("u", "x", "y")
    eqs = [PiecewiseEquation({"x": 1, None: -1}, ()),
           PiecewiseEquation({"y": 1, None: -2}, (({"y": 1}, F(5), {"x": 1}),))]  # y - 2 + ite(y <= 5, x, 0)
    answer = branch_and_eliminate(s, [Bound({"y": 1}, F(0), F(10))], eqs, Z3Leaf(), ["x", "y", "u"])
    assert answer.status == SAT and answer.model == {"x": 1, "y": 1, "u": 1}


def test_two_variable_condition_is_decided_by_its_split():
    """Found by the property test: the split f < t on a two-variable form must decide the
    condition in that case (else the search repeats the split until the budget ends)."""
    eq = PiecewiseEquation({"z": 1, None: -1}, (({"x": 1, "y": 1}, F(0), {"z": 1}),))  # z - 1 + ite(x + y <= 0, z, 0)
    bounds = [Bound({"x": 1}, F(-1), F(1)), Bound({"y": 1}, F(-1), F(1))]
    answer = branch_and_eliminate(LinearSystem(), bounds, [eq], Z3Leaf(), ["x", "y", "z"], max_cases=200)
    assert answer.status == SAT
    x, y, z = (answer.model[k] for k in "xyz")
    assert z - 1 + (z if x + y <= 0 else 0) == 0 and -1 <= x <= 1 and -1 <= y <= 1


def _test_probe_model_is_checked(drawn):
    """probe_model returns only exact models of the case (checked here independently)."""
    if drawn is None:
        return
    system, bounds, equations, point = drawn
    original = system.copy()
    case = Case(system, tuple(bounds), ())
    m = probe_model(case)
    if m is None:
        return
    event("probe found a model")
    wanted = sorted(_all_vars(original, system.given, bounds), key=repr)
    model = {name(v): sum((F(c) * (1 if k is None else m.get(k, F(0))) for k, c in system.reduce({v: 1}).items()), F(0))
             for v in wanted}
    assert _holds(system, original, bounds, [], model)


test_probe_model_is_checked, test_probe_model_is_checked_slow = tiers(20, 200, residual_problems(planted=True))(_test_probe_model_is_checked)


@pytest.mark.parametrize("strict", [False, True])
def test_decide_at_the_ends(strict):
    """The ends exactly: at a closed end both sides occur (undecided), at an open end one;
    the same for a form of two variables (scaled, negated)."""
    iv = branching._intervals(LinearSystem(), [Bound({"x": 1}, F(1), F(3), strict)])
    assert branching._decide({"x": 1}, F(1), iv) == (False if strict else None)     # x <= 1
    assert branching._decide({"x": -1}, F(-3), iv) == (False if strict else None)   # x >= 3
    assert branching._decide({"x": 2, None: 1}, F(7), iv) is True                    # 2x + 1 <= 7
    assert branching._decide({"x": -1}, F(-1), iv) is True                          # x >= 1
    forms = branching._form_intervals(LinearSystem(), [Bound({"x": 1, "y": 2}, F(1), F(3), strict)])
    assert branching._decide({"x": 2, "y": 4}, F(2), {}, forms) == (False if strict else None)
    assert branching._decide({"x": -1, "y": -2, None: 1}, F(-2), {}, forms) == (False if strict else None)
    assert branching._decide({"x": -3, "y": -6}, F(-3), {}, forms) is True
    assert branching._decide({"x": 1, "y": 2}, F(3), {}, forms) is True


def test_only_the_equal_case_is_sat():
    """1 + ite(x <= 1, -1, 0) = 0 and 1 + ite(-x <= -1, -1, 0) = 0: only x = 1, the case
    f = t of the split on x (both conditions normalize to it); cases f < t, f > t close."""
    eqs = [PiecewiseEquation({None: 1}, (({"x": 1}, F(1), {None: -1}),)),
           PiecewiseEquation({None: 1}, (({"x": -1}, F(-1), {None: -1}),))]
    for guide in (None, {"x": F(0)}, {"x": F(2)}):
        answer = branch_and_eliminate(LinearSystem(), [Bound({"x": 1}, F(0), F(2))], eqs, Z3Leaf(), ["x"], guide=guide)
        assert answer.status == SAT and answer.model == {"x": 1}


def test_bounds_and_equations_on_eliminated_variables_are_reduced_before_the_cases():
    """The cases hold only the pivots the definitions need (LinearSystem.restricted), so
    a bound or an equation written on an eliminated variable must be reduced first:
    u = x + 1 with u = 3 fixes x = 2, and p = x * x = 1 is then unsat (with u read as a
    free variable, x = 1 would do)."""
    system = LinearSystem()
    system.equate({("u",): 1, ("x",): -1, None: -1})
    system.define(("p",), ("x",), ("x",))
    bounds = [Bound({("u",): 1}, F(3), F(3))]
    equations = [PiecewiseEquation({("p",): 1, None: -1}, (({("u",): 1}, F(10), {("u",): 1, None: -3}),))]
    answer = branch_and_eliminate(system, bounds, equations, Z3Leaf(), [("x",)])
    assert answer.status == UNSAT
    equations = [PiecewiseEquation({("p",): 1, None: -4}, (({("u",): 1}, F(10), {("u",): 1, None: -3}),))]
    answer = branch_and_eliminate(system, bounds, equations, Z3Leaf(), [("x",)])
    assert answer.status == SAT and answer.model[name(("x",))] == 2


def test_settle_checks_bounds_after_an_equation_without_pieces():
    """A piece-less equation x = 0 against the bound x >= 1: the bound, constant after the
    elimination, must close the case, not be dropped unchecked (found by a second reader)."""
    s = LinearSystem()
    case = branching.root_case(s, [Bound({"x": 1}, F(1), None)], [PiecewiseEquation({"x": 1}, ())], ["x"])
    assert case is None
