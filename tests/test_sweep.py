"""Grouped exact evaluation (training/sweep.py) equals the naive evaluation."""

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nnsolve.training.instance import DataPoint, TrainingInstance
from nnsolve.training.network import Network, Neuron, evaluate, exact_fit
from nnsolve.training import sweep

small = st.fractions(min_value=-4, max_value=4, max_denominator=6)
DIRECTIONS = [(Fraction(1), Fraction(0)), (Fraction(0), Fraction(1)), (Fraction(1), Fraction(-2)),
              (Fraction(3), Fraction(1, 2))]


@st.composite
def networks(draw, outputs=2):
    neurons = []
    for _ in range(draw(st.integers(0, 12))):
        if draw(st.booleans()):  # parallel to a shared direction, either orientation
            d = draw(st.sampled_from(DIRECTIONS))
            lam = draw(small.filter(lambda q: q != 0))
            w = (d[0] * lam, d[1] * lam)
        else:
            w = (draw(small), draw(small))
        neurons.append(Neuron(w, draw(small), tuple(draw(small) for _ in range(outputs))))
    return Network(tuple(neurons), tuple(draw(small) for _ in range(outputs)))


@st.composite
def point_sets(draw):
    pts = draw(st.lists(st.tuples(small, small), min_size=1, max_size=30))
    # a few dense vertical lines (the reduction's cross-sections), hitting kinks exactly too
    for x in draw(st.lists(small, max_size=2)):
        pts += [(x, Fraction(k, 3)) for k in range(-12, 13)]
    return pts


@settings(max_examples=200, deadline=None)
@given(networks(), point_sets(), st.sampled_from([1, 4, 32]))
def test_grouped_evaluation_equals_naive(net, pts, dense):
    # dense 1: every point on an exact line path; 32: most go through the float filter
    got = sweep.evaluate_points(net, pts, dense_line=dense)
    assert got == [evaluate(net, x) for x in pts]


@settings(max_examples=50, deadline=None)
@given(networks(), point_sets())
def test_exact_fit_grouped_agrees(net, pts):
    labels = [evaluate(net, x) for x in pts]
    flip = len(pts) // 2
    labels[flip] = (labels[flip][0] + 1, labels[flip][1])
    inst = TrainingInstance(tuple(DataPoint(x, y) for x, y in zip(pts, labels)), hidden=net.hidden)
    a, b = exact_fit(inst, net, grouped=True), exact_fit(inst, net, grouped=False)
    assert a.ok == b.ok is False
    assert [m.index for m in a.misfits] == [m.index for m in b.misfits] == [flip]


def test_huge_coordinates_take_the_exact_path():
    big = Fraction(10) ** 400
    net = Network((Neuron((Fraction(1), Fraction(1)), -big, (Fraction(1),)),), (Fraction(0),))
    pts = [(big, Fraction(1)), (big, Fraction(-1)), (Fraction(1), Fraction(2))]
    assert sweep.evaluate_points(net, pts) == [evaluate(net, x) for x in pts]


def test_irrational_weights_take_the_field_path():
    # formerly: evaluate_points returned None for irrational weights (naive fallback);
    # now they are evaluated in a number field (tests/test_sweep_fields.py in depth)
    from nnsolve.numbers import algebraic
    r2 = algebraic([1, 0, -2], 1, 2)
    net = Network((Neuron((r2, Fraction(1)), Fraction(0), (Fraction(1),)),), (Fraction(0),))
    pts = [(Fraction(1), Fraction(1)), (Fraction(-1), Fraction(1)), (Fraction(-2), Fraction(2))]
    assert sweep.evaluate_points(net, pts) == [evaluate(net, x) for x in pts]
    inst = TrainingInstance((DataPoint((Fraction(1), Fraction(1)), (Fraction(0),)),), hidden=1, outputs=1)
    assert not exact_fit(inst, net, grouped=True).ok
    inst = TrainingInstance((DataPoint((Fraction(-2), Fraction(2)), (Fraction(0),)),), hidden=1, outputs=1)
    assert exact_fit(inst, net, grouped=True).ok


@pytest.mark.parametrize("seed", [1, 2])
def test_forward_witness_grouped_equals_naive(seed):
    # a reduction output (many parallel groups, dense cross-sections, constraint points)
    from nnsolve.formula.generate import planted_formula
    from nnsolve.reduction import forward_map, reduce_formula

    f, sol = planted_formula(12, seed)
    red = reduce_formula(f)
    net = forward_map(red, sol)
    assert exact_fit(red.instance, net, grouped=True).ok
    # perturb one neuron's output weight: both evaluations reject the same points
    j = len(net.neurons) // 3
    n = net.neurons[j]
    bad = Network(net.neurons[:j] + (Neuron(n.w, n.b, (n.a[0] + Fraction(1, 7), n.a[1])),) + net.neurons[j + 1:],
                  net.bias)
    a, b = exact_fit(red.instance, bad, grouped=True), exact_fit(red.instance, bad, grouped=False)
    assert not a.ok and [m.index for m in a.misfits] == [m.index for m in b.misfits]
    assert [m.got for m in a.misfits] == [m.got for m in b.misfits]
