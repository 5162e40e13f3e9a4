"""Algebraic values in residual cases (nnsolve.decider.field_values, terms.is_value).

Oracles independent of the code under test: the value of every form is recomputed with
:mod:`nnsolve.numbers` (resultants and root isolation, not the number field's
coordinates); the pin check is asked of the solvers on polynomials with two real roots,
where pinning one root without its interval would be wrong; and on reduction outputs of
an irrational formula the forward witness (the planted network, in Q(sqrt d)) must
satisfy what the value stage leaves, exactly.
"""

from collections import Counter
from fractions import Fraction
from math import isqrt

import pytest
from hypothesis import HealthCheck, assume, given, settings, strategies as st

from nnsolve import numbers
from nnsolve.decider.field_values import POWER, TOP, add_algebraic, exact_sign, propagate
from nnsolve.elimination import Inconsistent, LinearSystem
from nnsolve.solvers import Limits, Query, SAT, get_solver
from nnsolve.terms import num


def _priority(v):
    """The chain decider's order for these keys: powers P_1 .. last, P_d first."""
    return {POWER: 9, TOP: 0}.get(v[0], 5) if isinstance(v, tuple) else 5


@st.composite
def quadratic_fields(draw):
    """theta: a root of a x^2 + b x + c with an irrational square root of the discriminant."""
    a = draw(st.integers(1, 30))
    b = draw(st.integers(-60, 60))
    c = draw(st.integers(-60, 60))
    disc = b * b - 4 * a * c
    assume(disc > 0 and isqrt(disc) ** 2 != disc)
    roots = numbers.real_roots([a, b, c])
    return roots[draw(st.integers(0, len(roots) - 1))], roots


rationals = st.fractions(min_value=-50, max_value=50, max_denominator=60)


def _element(theta, e0, e1):
    return numbers.add(e0, numbers.mul(e1, theta))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(quadratic_fields(), st.data())
def test_exact_sign_agrees_with_algebraic_arithmetic(field, data):
    """Values written in the anchor's powers (add_algebraic), then random forms over them:
    exact_sign must give the sign numbers.sign gives for the same form evaluated with
    AlgebraicNumber arithmetic.  Hundreds of variables, as a residual at 100-1,000
    constraints holds (2,835 algebraic values at 1,000)."""
    theta, _ = field
    n = data.draw(st.integers(1, 300), label="variables")
    coords = data.draw(st.lists(st.tuples(rationals, rationals), min_size=n, max_size=n))
    values = {("w", i): _element(theta, e0, e1) for i, (e0, e1) in enumerate(coords)}
    values = {v: m for v, m in values.items() if isinstance(m, numbers.AlgebraicNumber)}
    system, bounds = LinearSystem(_priority), []
    assume(values)  # some value irrational (the rational ones are with_values' own)
    anchor = add_algebraic(system, bounds, None, values)
    assert anchor is not None and anchor.field.contains(theta)
    sign = exact_sign(system, anchor)
    assert sign is not None
    for _ in range(5):
        picks = data.draw(st.lists(st.tuples(st.sampled_from(sorted(values)), rationals), min_size=1, max_size=6))
        c0 = data.draw(rationals)
        form = {None: c0}
        truth = c0
        for w, c in picks:
            form[w] = form.get(w, 0) + c
            truth = numbers.add(truth, numbers.mul(c, values[w]))
        assert sign(system.reduce(form)) == numbers.sign(truth)
    # the anchor's bound isolates its value
    assert bounds[0].lo < anchor.value < bounds[0].hi


@settings(max_examples=15, deadline=None)
@given(quadratic_fields(), rationals, rationals, rationals, rationals, st.booleans())
def test_propagate_solves_a_definition_with_a_pinned_factor(field, y0, y1, u0, u1, consistent):
    """U = y * x with U and y pinned (values in Q(theta)) fixes x = U / y; propagate must
    write exactly that value and drop the definition.  With x pinned too, to a value
    off by one where ``consistent`` is False, it must raise Inconsistent, and otherwise
    drop the definition quietly."""
    theta, _ = field
    y, u = _element(theta, y0, y1), _element(theta, u0, u1)
    # irrational, so both go in as the anchor's (a rational value is with_values' own)
    assume(isinstance(y, numbers.AlgebraicNumber) and isinstance(u, numbers.AlgebraicNumber))
    system, bounds = LinearSystem(_priority), []
    system.define(("U",), ("y",), ("x",))
    anchor = add_algebraic(system, bounds, None, {("y",): y, ("U",): u})
    assert propagate(system, anchor)
    assert [d[0] for d in system.bilinear] == list(anchor.powers[1:])  # only the anchor's own
    x = numbers.mul(u, numbers.inv(y))
    diff = system.reduce({("x",): 1})
    # compare with numbers' own quotient: x - u / y = 0 where P_1 is the anchor's value
    assert set(diff) <= {None, anchor.powers[0]}
    value = Fraction(diff.get(None, 0))
    for k, c in diff.items():
        if k is not None:
            value = numbers.add(value, numbers.mul(Fraction(c), anchor.value))
    assert numbers.sign(numbers.add(value, numbers.neg(x))) == 0

    # the anchor still pins P_1 (its own definitions kept): no rational in its interval
    assert _admits(system, bounds, anchor.powers[0], (bounds[0].lo + bounds[0].hi) / 2) == "unsat"

    again, bounds = LinearSystem(_priority), []
    again.define(("U",), ("y",), ("x",))
    wrong = x if consistent else numbers.add(x, Fraction(1))
    assume(isinstance(wrong, numbers.AlgebraicNumber))
    anchor = add_algebraic(again, bounds, None, {("y",): y, ("U",): u, ("x",): wrong})
    if consistent:
        assert propagate(again, anchor) and [d[0] for d in again.bilinear] == list(anchor.powers[1:])
    else:
        with pytest.raises(Inconsistent):
            propagate(again, anchor)


@pytest.mark.parametrize("backend", ["z3", pytest.param("cvc5", marks=pytest.mark.slow)])
@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(field=quadratic_fields())
def test_an_algebraic_pin_is_checked_against_both_roots(backend, field):
    """A polynomial with two real roots: p(x) = 0 alone has two solutions, so x must not be
    pinned; with x on one side of a rational between the roots, x is pinned, and so is
    y = x + 1/2 (the value check of an algebraic model value, terms.is_value: z3 asks
    its own root-obj in one context, cvc5 goes through the worker's written check)."""
    theta, roots = field
    lo, hi = numbers.refine(roots[0], 30)[1], numbers.refine(roots[1], 30)[0]
    mid = (lo + hi) / 2
    p = theta.poly
    text = _poly_text(p)
    solver = get_solver(backend)
    base = f"(declare-fun x () Real)(declare-fun y () Real)(assert (= {text} 0.0))(assert (= y (+ x 0.5)))"
    free = solver.solve(Query(base + "(check-sat)", ("x", "y"), pin="x"), Limits(20))
    assert free.status == SAT and not free.pinned
    for side in ("<", ">"):
        script = base + f"(assert ({side} x {num(mid)}))(check-sat)"
        for pin in ("x", "y"):
            answer = solver.solve(Query(script, ("x", "y"), pin=pin), Limits(20))
            assert answer.status == SAT and answer.pinned, (side, pin, answer)
            x = answer.model["x"]
            assert numbers.sign(numbers.add(x, numbers.neg(roots[0] if side == "<" else roots[1]))) == 0


def _admits(system, bounds, variable, value, equations=()):
    """z3's answer to: the component of ``variable`` in the system, its bounds and
    equations, with ``variable = value`` added."""
    from nnsolve.decider.residual_query import name, residual_components

    target = f"(declare-fun {name(variable)} () Real)"
    scripts = [q for q in residual_components(system, bounds, list(equations), "test") if target in q]
    assert len(scripts) == 1
    script = scripts[0].replace("(check-sat)", f"(assert (= {name(variable)} {num(value)}))\n(check-sat)")
    return get_solver("z3").solve(Query(script, ()), Limits(60)).status


def _poly_text(p):
    a, b, c = (num(Fraction(k)) for k in p)
    return f"(+ (* {a} x x) (* {b} x) {c})"


def _irrational_case(size, seed):
    from test_value_lemmas import _reduction_case
    from nnsolve.formula.generate import planted_irrational_formula

    formula, _ = planted_irrational_formula(size, 2, seed)
    return _reduction_case(formula)


def _with_powers(witness, case):
    anchor = case.anchor
    point = dict(witness)
    if anchor is not None:
        power = Fraction(1)
        for p in anchor.powers:
            power = numbers.mul(power, anchor.value)
            point[p] = power
    return point


@pytest.mark.parametrize("size, seed", [(30, 1), pytest.param(100, 1, marks=pytest.mark.slow)])
def test_algebraic_values_keep_the_forward_witness(size, seed):
    """On the reduction of a formula whose every solution is irrational (degree 2), the
    value stage fixes algebraic values (written in an anchor's powers), closes ites with
    them, and the planted network's values (irrational) satisfy what it leaves, exactly.
    A value moved to its conjugate must lose the witness: the check can fail."""
    from test_value_lemmas import SOLVER
    from nnsolve.decider.value_lemmas import value_lemmas, with_values

    case, witness, module = _irrational_case(size, seed)
    assert witness is not None and module.witness_holds(case, witness)
    stats = Counter()
    out = value_lemmas(case, SOLVER, Limits(600), stats=stats)
    assert out.case is not None, out.reason
    assert stats["algebraic values"] > 0 and out.case.anchor is not None
    assert out.pieces_after < out.pieces_before
    assert module.witness_holds(out.case, _with_powers(witness, out.case))
    # and nothing was added: the anchor's power is still pinned (a rational of its
    # interval is not a solution)
    p1, bound = out.case.anchor.powers[0], out.case.anchor.bound
    assert _admits(out.case.system, out.case.bounds, p1, (bound.lo + bound.hi) / 2, out.case.equations) == "unsat"
    algebraic = {v: m for v, m in out.values.items() if isinstance(m, numbers.AlgebraicNumber)}
    v, m = sorted(algebraic.items(), key=repr)[0]
    other = [r for r in numbers.real_roots(m.poly) if r != m][0]
    try:
        moved = with_values(case, {**out.values, v: other})
    except Inconsistent:
        moved = None
    assert moved is None or not module.witness_holds(moved, _with_powers(witness, moved))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(quadratic_fields(), st.data())
def test_settle_decides_forms_in_the_anchor_exactly(field, data):
    """branching._settle on a case with an anchor: each ite whose condition is a form in
    pinned values is decided as AlgebraicNumber arithmetic decides it (y counts the true
    conditions), a bound on such a form is dropped when it holds and closes the case when
    it fails, and a bound on a free variable is kept.  Thresholds are drawn near the
    true values (within 10^-6), where an interval of width 10^-3 would not decide."""
    from nnsolve.decider.branching import Case, _settle
    from nnsolve.decider.residual_query import Bound, PiecewiseEquation

    theta, _ = field
    n = data.draw(st.integers(1, 40), label="values")
    coords = data.draw(st.lists(st.tuples(rationals, rationals.filter(bool)), min_size=n, max_size=n))
    values = {("w", i): _element(theta, e0, e1) for i, (e0, e1) in enumerate(coords)}
    system, bounds = LinearSystem(_priority), []
    anchor = add_algebraic(system, bounds, None, values)

    def form_and_truth():
        picks = data.draw(st.lists(st.tuples(st.sampled_from(sorted(values)), rationals.filter(bool)),
                                   min_size=1, max_size=4))
        form, truth = {}, Fraction(0)
        for w, c in picks:
            form[w] = form.get(w, 0) + c
            truth = numbers.add(truth, numbers.mul(c, values[w]))
        near = numbers.approximate(truth, 20) + data.draw(st.fractions(-1, 1, max_denominator=10**6)) / 10**6
        return {k: c for k, c in form.items() if c}, truth, near

    pieces, expected = [], 0
    for _ in range(data.draw(st.integers(1, 8))):
        form, truth, t = form_and_truth()
        if not form:
            continue
        pieces.append((form, t, {None: Fraction(1)}))
        expected += numbers.sign(numbers.add(truth, numbers.neg(t))) <= 0
    closed = False
    for _ in range(data.draw(st.integers(0, 4))):
        form, truth, t = form_and_truth()
        if not form:
            continue
        above = data.draw(st.booleans())
        bounds.append(Bound(form, t, None) if above else Bound(form, None, t))
        s = numbers.sign(numbers.add(truth, numbers.neg(t)))
        closed |= (s < 0) if above else (s > 0)
    bounds.append(Bound({("x",): Fraction(1)}, Fraction(0), Fraction(1)))
    equations = (PiecewiseEquation({("y",): Fraction(1)}, tuple(pieces)),) if pieces else ()
    case = _settle(Case(system, tuple(bounds), equations, anchor), Counter())
    if closed:
        assert case is None
        return
    assert case is not None
    assert case.equations == ()
    if pieces:
        assert system.value(("y",)) == -expected
    kept = [b for b in case.bounds if b != anchor.bound]
    assert kept == [Bound({("x",): Fraction(1)}, Fraction(0), Fraction(1))]


@pytest.mark.parametrize("root", [2, 3, 5])
def test_a_cubic_anchor_stays_pinned_when_common_factors_moves_its_definition(root):
    """Degree 3: P_3 = P_2 * P_1 shares the factor P_1 with U = w * x once w = P_1 is
    pinned (U = 1), and LinearSystem.common_factors keeps one of the two definitions and
    replaces the other by a linear equation.  If the anchor's definition goes, the
    pinning rests on U = w * x, so propagate must not drop that one (the second reader's
    case, found in review).  Then no rational P_1 in the anchor's interval is a solution."""
    from nnsolve.decider.branching import Case, _settle

    theta = numbers.real_roots([1, 0, 0, -root])[0]
    system, bounds = LinearSystem(_priority), []
    system.define(("U",), ("w",), ("x",))
    system.equate({("U",): 1, None: -1})
    anchor = add_algebraic(system, bounds, None, {("w",): theta})
    case = _settle(Case(system, tuple(bounds), (), anchor), Counter())
    assert case is not None
    for point in (anchor.bound.lo, (anchor.bound.lo + anchor.bound.hi) / 2, anchor.bound.hi):
        assert _admits(case.system, case.bounds, anchor.powers[0], point) == "unsat"
