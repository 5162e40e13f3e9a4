import json
from fractions import Fraction as F

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nnsolve.errors import InputError
from nnsolve.numbers import algebraic
from nnsolve.training import (DataPoint, Network, Neuron, TrainingInstance, evaluate, exact_fit,
                              instance_from_json, instance_to_json, network_from_json, network_to_json,
                              points_to_csv, training_error)
from nnsolve.training.generate import planted_instance

SQRT2 = algebraic([1, 0, -2], 1, 2)
small = st.fractions(min_value=-4, max_value=4, max_denominator=6)


def test_instance_json_round_trip():
    inst, _ = planted_instance(3, 12, seed=4)
    assert instance_from_json(instance_to_json(inst)) == inst
    gamma = TrainingInstance(inst.points, 2, target_error=F(1, 3))
    assert instance_from_json(instance_to_json(gamma)) == gamma


def test_network_json_round_trip_with_algebraic_weights():
    net = Network((Neuron((SQRT2, F(-1, 3)), F(2), (F(1), SQRT2 + 1)),), (F(0), SQRT2))
    assert network_from_json(network_to_json(net)) == net


def test_exact_fit_catches_tiny_error():
    inst, net = planted_instance(2, 10, seed=3)
    assert exact_fit(inst, net).ok
    p = inst.points[4]
    bad = TrainingInstance(inst.points[:4] + (DataPoint(p.x, (p.y[0] + F(1, 10**12), p.y[1])),)
                           + inst.points[5:], 2)
    report = exact_fit(bad, net)
    assert not report.ok and [m.index for m in report.misfits] == [4]


def test_exact_fit_catches_irrational_weight():
    # f(x) = sqrt2 * relu(x1): the labels were made with 1414213562/10^9
    meant = Network((Neuron((F(1), F(0)), F(0), (F(1414213562, 10**9), F(0))),), (F(0), F(0)))
    actual = Network((Neuron((F(1), F(0)), F(0), (SQRT2, F(0))),), (F(0), F(0)))
    xs = [(F(0), F(0)), (F(1), F(0)), (F(-1), F(3))]
    inst = TrainingInstance(tuple(DataPoint(x, evaluate(meant, x)) for x in xs), 1)
    assert exact_fit(inst, meant).ok
    report = exact_fit(inst, actual)
    assert not report.ok and [m.index for m in report.misfits] == [1]


def test_training_error_with_gamma():
    inst, net = planted_instance(1, 5, seed=2)
    shifted = Network(net.neurons, (net.bias[0] + F(1, 10), net.bias[1]))
    assert training_error(inst, shifted) == F(5, 100)
    assert exact_fit(TrainingInstance(inst.points, 1, target_error=F(5, 100)), shifted).ok
    assert not exact_fit(TrainingInstance(inst.points, 1, target_error=F(4, 100)), shifted).ok


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(small, small, small, small, small), min_size=1, max_size=3), small, small)
def test_evaluate_matches_definition(neurons, px, py):
    net = Network(tuple(Neuron((w1, w2), b, (a1, a1 - a2)) for w1, w2, b, a1, a2 in neurons), (F(1), F(-1)))
    expected = [F(1), F(-1)]
    for w1, w2, b, a1, a2 in neurons:
        z = max(F(0), w1 * px + w2 * py + b)
        expected[0] += a1 * z
        expected[1] += (a1 - a2) * z
    assert evaluate(net, (px, py)) == tuple(expected)


BAD_INSTANCES = {
    "not json": ("{", "invalid JSON"),
    "wrong format": (json.dumps({"format": "x", "inputs": 2, "outputs": 2, "hidden": 1,
                                 "target_error": "0", "points": []}), "unsupported format"),
    "float label": (json.dumps({"format": "nnsolve-training/1", "inputs": 2, "outputs": 2, "hidden": 1,
                                "target_error": "0", "points": [{"x": ["0", "0"], "y": [0.5, "1"]}]}),
                    "$.points[0].y[0]"),
    "short point": (json.dumps({"format": "nnsolve-training/1", "inputs": 2, "outputs": 2, "hidden": 1,
                                "target_error": "0", "points": [{"x": ["0"], "y": ["0", "1"]}]}),
                    "$.points[0].x"),
    "negative hidden": (json.dumps({"format": "nnsolve-training/1", "inputs": 2, "outputs": 2, "hidden": -1,
                                    "target_error": "0", "points": []}), "$.hidden"),
    "unknown key": (json.dumps({"format": "nnsolve-training/1", "inputs": 2, "outputs": 2, "hidden": 1,
                                "target_error": "0", "points": [], "gamma": 1}), "unknown key"),
    "irrational input": (json.dumps({"format": "nnsolve-training/1", "inputs": 2, "outputs": 2, "hidden": 1,
                                     "target_error": "0", "points": [
                                         {"x": [{"poly": [1, 0, -2], "interval": ["1", "2"]}, "0"],
                                          "y": ["0", "0"]}]}), "must be rational"),
    "duplicate key": ('{"format": "nnsolve-training/1", "inputs": 2, "outputs": 2, "hidden": 1, '
                      '"target_error": "0", "points": [], "hidden": 2}', "'hidden' appears twice"),
    "other script's digit": (json.dumps({"format": "nnsolve-training/1", "inputs": 2, "outputs": 2, "hidden": 1,
                                         "target_error": "0", "points": [{"x": ["\u0661", "0"], "y": ["0", "1"]}]}),
                             "$.points[0].x[0]"),
    "too many digits": (json.dumps({"format": "nnsolve-training/1", "inputs": 2, "outputs": 2, "hidden": 1,
                                    "target_error": "0", "points": [{"x": ["1" * 5000, "0"], "y": ["0", "1"]}]}),
                        "at most 4,300 digits"),
    "zero denominator": (json.dumps({"format": "nnsolve-training/1", "inputs": 2, "outputs": 2, "hidden": 1,
                                     "target_error": "1/0", "points": []}), "zero denominator"),
}


@pytest.mark.parametrize("name", sorted(BAD_INSTANCES))
def test_malformed_instances(name):
    text, words = BAD_INSTANCES[name]
    with pytest.raises(InputError) as info:
        instance_from_json(text, "bad.json")
    assert words in str(info.value) and "\n" not in str(info.value)


def test_csv_export():
    inst = TrainingInstance((DataPoint((F(1, 3), F(0)), (F(2), F(-1, 2))),), 1)
    lines = points_to_csv(inst).splitlines()
    assert lines[0] == "x1,x2,y1,y2,x1_exact,x2_exact,y1_exact,y2_exact"
    assert lines[1].endswith("1/3,0,2,-1/2")


def test_exact_fit_with_weights_from_two_fields():
    # sqrt2 and the golden ratio live in different quadratic fields
    from nnsolve.fields import common_field
    phi = algebraic([1, -1, -1], 1, 2)
    K = common_field([SQRT2, phi, F(1, 3)])
    assert K.degree == 4
    net = Network((Neuron((SQRT2, phi), F(0), (phi, F(1))), Neuron((F(1), F(0)), -SQRT2, (F(2), SQRT2))),
                  (phi - 1, F(0)))
    xs = [(F(1), F(1)), (F(2), F(0)), (F(-1), F(3))]
    inst = TrainingInstance(tuple(DataPoint(x, (F(0), F(0))) for x in xs), 2)
    got = [evaluate(net, x) for x in xs]
    report = exact_fit(inst, net)
    assert [m.index for m in report.misfits] == [0, 1, 2]
    assert all(m.got == g for m, g in zip(report.misfits, got))
