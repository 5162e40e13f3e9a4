from fractions import Fraction as F

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import ROOT
from nnsolve.formula import Add, Formula, Inv, read_smtlib
from nnsolve.numbers import algebraic
from nnsolve.reduction import (BRIDGE_GADGET, INVERSION_GADGET, VARIABLE_GADGET, backward_map,
                               canonical_terms, forward_map, reduce_formula)
from nnsolve.reduction.gadgets import GADGET_TYPES, profile_value
from nnsolve.reduction.layout import check_layout
from nnsolve.training import Network, Neuron, exact_fit
from nnsolve.training.symmetry import canonical_network

SQRT2 = algebraic([1, 0, -2], 1, 2)
VALUES = [F(1, 2), F(2, 3), F(3, 4), F(1), F(4, 3), F(3, 2), F(2), SQRT2, 1 / SQRT2]


@pytest.mark.parametrize("gadget", GADGET_TYPES, ids=lambda g: g.name)
@pytest.mark.parametrize("value", VALUES, ids=str)
def test_canonical_fit_matches_profile(gadget, value):
    terms = canonical_terms(gadget, value)
    assert len(terms) == gadget.budget
    for t, label in gadget.samples:
        assert profile_value(terms, t) == label
    for t in (F(-5), F(2), gadget.support_end, gadget.support_end + 7):
        assert profile_value(terms, t) == (0, 0)
    s = value + 1
    assert profile_value(terms, F(3))[0] == 3 - s and profile_value(terms, F(5))[0] == 3 + s
    if gadget is INVERSION_GADGET:
        s2 = 1 / value + 1
        assert (s - 1) * (s2 - 1) == 1
        assert profile_value(terms, F(6)) == (6, 3 - s2) and profile_value(terms, F(8)) == (6, 3 + s2)
    if gadget is BRIDGE_GADGET:
        assert profile_value(terms, F(3)) == (3 - s, 3 - s)


def test_thirteen_labels():
    red = reduce_formula(Formula(("x", "y", "z"), (Inv("x", "y"), Add("x", "y", "z"))))
    assert len({p.y for p in red.instance.points}) == 13


def planted_formulas():
    """Formulas over values in {1/2, 1, 2} that hold by construction (plus their solution)."""
    values = st.sampled_from([F(1, 2), F(1), F(2)])

    @st.composite
    def build(draw):
        n = draw(st.integers(1, 4))
        sol = {f"v{i}": draw(values) for i in range(n)}
        names = list(sol)
        cons = []
        for _ in range(draw(st.integers(0, 4))):
            a, b = draw(st.sampled_from(names)), draw(st.sampled_from(names))
            if sol[a] * sol[b] == 1:
                cons.append(Inv(a, b))
            else:
                matches = [c for c in names if sol[c] == sol[a] + sol[b]]
                if matches:
                    cons.append(Add(a, b, draw(st.sampled_from(matches))))
        return Formula(tuple(names), tuple(cons)), sol
    return build()


@settings(max_examples=25, deadline=None)
@given(planted_formulas())
def test_layout_checks_and_forward_map_fits(case):
    formula, sol = case
    red = reduce_formula(formula)
    assert check_layout(red) == []
    inst = red.instance
    assert (inst.inputs, inst.outputs, inst.target_error) == (2, 2, 0)
    n = len(formula.variables)
    adds = sum(isinstance(c, Add) for c in formula.constraints)
    invs = len(formula.constraints) - adds
    assert inst.hidden == 4 * n + 12 * adds + 13 * invs
    assert len(inst.points) == 33 * n + 103 * adds + 105 * invs
    net = forward_map(red, sol)
    assert exact_fit(inst, net).ok
    back = backward_map(red, net)
    assert back.ok and dict(back.values) == sol


@pytest.mark.parametrize("name", ["sqrt2.smt2", "golden_ratio.smt2"])
def test_irrational_witness_round_trip(name):
    from nnsolve.decision.etr import decide_etr
    from nnsolve.solvers import Limits, get_solver
    f = read_smtlib(ROOT / "instances" / "tier1" / name)
    sol = decide_etr(f, get_solver("z3"), Limits(timeout=60)).model
    red = reduce_formula(f)
    net = forward_map(red, sol)
    assert exact_fit(red.instance, net).ok
    back = backward_map(red, net)
    assert back.ok and all(back.values[v] == sol[v] for v in f.variables)


def test_backward_map_on_networks_the_forward_map_did_not_build():
    # x + y = z has a family of solutions; rescaled and reordered fits are other networks
    f = Formula(("x", "y", "z"), (Add("x", "y", "z"),))
    red = reduce_formula(f)
    for sol in ({"x": F(1, 2), "y": F(1, 2), "z": F(1)}, {"x": F(3, 4), "y": F(5, 4), "z": F(2)},
                {"x": F(1, 2), "y": 1 / SQRT2, "z": F(1, 2) + 1 / SQRT2}):
        net = forward_map(red, sol)
        scaled = Network(tuple(Neuron(tuple(w * 3 for w in n.w), n.b * 3, tuple(a / 3 for a in n.a))
                               for n in reversed(net.neurons)), net.bias)
        other = canonical_network(scaled)
        assert other != net and exact_fit(red.instance, other).ok
        back = backward_map(red, other)
        assert back.ok and all(back.values[v] == sol[v] for v in f.variables)


def test_backward_map_reports_a_wrong_network():
    f = Formula(("x", "y"), (Inv("x", "y"),))
    red = reduce_formula(f)
    net = forward_map(red, {"x": F(2), "y": F(1, 2)})
    # drop the inversion gadget's neurons: readings no longer satisfy x * y = 1
    broken = Network(net.neurons[:8] + tuple(Neuron(n.w, n.b, (F(0), F(0))) for n in net.neurons[8:]), net.bias)
    assert not exact_fit(red.instance, broken).ok
    wrong = Network(tuple(Neuron(n.w, n.b, (n.a[0] * 2, n.a[1])) for n in net.neurons), net.bias)
    assert not backward_map(red, wrong).ok


def test_forward_map_rejects_non_solutions():
    red = reduce_formula(Formula(("x", "y"), (Inv("x", "y"),)))
    with pytest.raises(ValueError, match="not a solution"):
        forward_map(red, {"x": F(1), "y": F(2)})
    with pytest.raises(ValueError, match="box"):
        forward_map(red, {"x": F(4), "y": F(1, 4)})


def test_misaligned_bands_catches_a_line_through_three_gadgets():
    """Condition 4 of check_layout can fail: move one gadget so that the line through
    another gadget's band on the first cross-section and a third's on the last meets
    it on the middle one."""
    import dataclasses

    from nnsolve.reduction.layout import Stripe, misaligned_bands
    red = reduce_formula(Formula(("x", "y"), (Inv("x", "y"),)))
    assert misaligned_bands(red) == []
    x1, x2, x3 = red.cross_sections
    g, k, h = red.gadgets[0], red.gadgets[1], red.gadgets[2]
    mid = (g.stripe.at(x1, F(0))[1] + k.stripe.at(x3, F(0))[1]) / 2
    slope = h.stripe.slope
    moved = dataclasses.replace(h, stripe=Stripe(slope, mid - slope * x2))
    broken = dataclasses.replace(red, gadgets=(g, k, moved) + red.gadgets[3:])
    assert (0, 2, 1) in misaligned_bands(broken)
    assert any("three cross-sections" in p.problem for p in check_layout(broken))


def test_backward_map_on_flipped_neurons():
    """Downward neurons: a relu(z) = a relu(-z) + a z.  Flipping a variable gadget's
    fixed kinks at t = 9 and 15 (jumps -1, +1) turns those neurons around and moves the
    output bias, and the network still fits (their affine parts add up to -6)."""
    f = Formula(("x",), (Inv("x", "x"),))
    red = reduce_formula(f)
    net = forward_map(red, {"x": F(1)})
    flipped = list(net.neurons)
    for j in (2, 3):  # V[x]'s kinks at 9 and 15
        n = net.neurons[j]
        flipped[j] = Neuron(tuple(-w for w in n.w), -n.b, n.a)
    # sum of a z over the two flipped neurons: -(t - 9) + (t - 15) = -6 in output 1
    other = Network(tuple(flipped), (net.bias[0] - 6, net.bias[1]))
    assert exact_fit(red.instance, other).ok
    back = backward_map(red, other)
    assert back.ok and back.values["x"] == 1


@pytest.mark.slow
def test_backward_map_on_a_fit_found_by_a_solver():
    """z3 solves the pattern-fixed query of x * x = 1's instance (17 neurons, 138 points;
    about 40 s) given the activation pattern of the forward witness; it chooses its own
    weights, and the backward map reads x = 1 off them."""
    from nnsolve.encodings import decode_network, encoding_variables
    from nnsolve.encodings.pattern import pattern_query
    from nnsolve.numbers import sign
    from nnsolve.solvers import Limits, Query, get_solver
    from nnsolve.training.network import preactivation
    red = reduce_formula(Formula(("x",), (Inv("x", "x"),)))
    net = forward_map(red, {"x": F(1)})
    active = [frozenset(i for i, p in enumerate(red.instance.points) if sign(preactivation(n, p.x)) > 0)
              for n in net.neurons]
    answer = get_solver("z3").solve(Query(pattern_query(red.instance, active), encoding_variables(red.instance)),
                                    Limits(300))
    assert answer.status == "sat", answer.reason
    found = decode_network(red.instance, answer.model)
    assert found != net and exact_fit(red.instance, found).ok
    back = backward_map(red, found)
    assert back.ok and back.values["x"] == 1


def test_overlapping_bands_are_reported():
    import dataclasses

    from nnsolve.reduction.layout import Stripe, overlapping_bands
    red = reduce_formula(Formula(("x", "y"), (Inv("x", "y"),)))
    assert overlapping_bands(red) == []
    g, h = red.gadgets[0], red.gadgets[1]
    # put h 10 above g: their bands (18 and 20 high) overlap on every cross-section
    moved = dataclasses.replace(h, stripe=Stripe(g.stripe.slope, g.stripe.intercept + 10))
    broken = dataclasses.replace(red, gadgets=(g, moved) + red.gadgets[2:])
    assert len(overlapping_bands(broken)) >= 3
    assert any("bands overlap" in p.problem for p in check_layout(broken))
