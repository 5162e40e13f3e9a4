"""No unsat on an instance with a planted fit, and sat with slack (issue 12, item 5).

Reduction outputs are relabelled by networks that are not forward witnesses: the
forward witness with some neurons unused (output weights 0), flipped (relu(-z) instead
of relu(z): the same breakline, a different affine part), with moved breaklines (bias
shifted) or with scaled output weights.  Each relabelled instance has a fit by
construction (checked by exact_fit), so the structured decider's stages that can say
unsat (line counting, the chain decomposition) must never say it.  Flips and unused
neurons keep the gadget geometry, and there the decider must also say sat.
"""

from dataclasses import replace
from fractions import Fraction as F
from functools import lru_cache

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from nnsolve.decider.chains import decide_by_chains
from nnsolve.decider.line_count import analyse_lines, chains
from nnsolve.decider.structured import decide_structured
from nnsolve.decision.etr import decide_etr
from nnsolve.formula.smtlib import read_smtlib
from nnsolve.reduction import reduce_formula
from nnsolve.reduction.witness import forward_map
from nnsolve.solvers import SAT, UNSAT, Limits, get_solver
from nnsolve.training.instance import DataPoint
from nnsolve.training.network import Network, Neuron, evaluate, exact_fit

Z3 = get_solver("z3")


@lru_cache(maxsize=None)
def _witnessed(path: str):
    formula = read_smtlib(path)
    red = reduce_formula(formula)
    etr = decide_etr(formula, Z3, Limits(60))
    assert etr.status == SAT
    network = forward_map(red, etr.model)
    assert exact_fit(red.instance, network).ok
    return red.instance, network


def _perturbed(network: Network, zero=(), flip=(), move=(), scale=()) -> Network:
    """``move``: (neuron, delta) shifts the breakline; ``scale``: (neuron, factor)."""
    neurons = list(network.neurons)
    for j, delta in move:
        n = neurons[j]
        neurons[j] = Neuron(n.w, n.b + delta * (abs(n.w[0]) + abs(n.w[1])), n.a)
    for j, factor in scale:
        n = neurons[j]
        neurons[j] = Neuron(n.w, n.b, tuple(factor * a for a in n.a))
    for j in flip:
        n = neurons[j]
        neurons[j] = Neuron(tuple(-w for w in n.w), -n.b, n.a)
    for j in zero:
        n = neurons[j]
        neurons[j] = Neuron(n.w, n.b, tuple(F(0) for _ in n.a))
    return Network(tuple(neurons), network.bias)


def _draw_perturbed(data, witness: Network, unused: int, flipped: int, moved: int, shift: int, factors,
                    parts: bool = False):
    """The witness with up to ``unused`` neurons unused, ``flipped`` flipped, ``moved``
    breaklines shifted by k/4 (0 < |k| <= ``shift``) and as many outputs scaled by one of
    ``factors``, drawn by hypothesis; with ``parts``, also (zero, flip, move, scale)."""
    idx = st.integers(0, witness.hidden - 1)
    zero = data.draw(st.sets(idx, max_size=unused), label="unused")
    flip = data.draw(st.sets(idx, max_size=flipped), label="flipped")
    move = data.draw(st.lists(st.tuples(idx, st.integers(-shift, shift).filter(bool).map(lambda k: F(k, 4))),
                              max_size=moved, unique_by=lambda t: t[0]), label="moved")
    scale = data.draw(st.lists(st.tuples(idx, st.sampled_from(factors)), max_size=moved,
                               unique_by=lambda t: t[0]), label="scaled")
    network = _perturbed(witness, zero, flip, move, scale)
    return (network, (zero, flip, move, scale)) if parts else network


def _relabelled(instance, network: Network):
    points = tuple(DataPoint(p.x, tuple(evaluate(network, p.x))) for p in instance.points)
    relabelled = replace(instance, points=points)
    assert exact_fit(relabelled, network).ok  # the planted fit
    return relabelled


def _chain_stages(instance, timeout: float = 60):
    """What line counting and the chain decomposition say at width m (the stages that
    can say unsat beyond a baseline solver's answer; the narrower width of unused neurons
    only ever says sat)."""
    lines = analyse_lines(instance, Z3, Limits(timeout))
    if lines.violated is not None:
        return UNSAT, "line-count"
    if lines.tight and chains(lines) is not None:
        return decide_by_chains(instance, lines, Z3, Limits(timeout)).status, "chains"
    return None, "no chains"


@settings(max_examples=2, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(st.data())
def test_no_unsat_with_a_planted_fit(data):
    instance, witness = _witnessed("instances/tier1/self_inverse.smt2")
    network = _draw_perturbed(data, witness, unused=2, flipped=3, moved=2, shift=8, factors=[F(-1), F(1, 2), F(3)])
    relabelled = _relabelled(instance, network)
    status, stage = _chain_stages(relabelled)
    event(f"{stage}: {status}")
    assert status != UNSAT, f"{stage} says unsat, but {network} fits"


@pytest.mark.parametrize("zero,flip", [pytest.param((3,), (), marks=pytest.mark.slow), ((), (0, 5)), ((2,), (7,)),
                                       pytest.param((4, 11), (), marks=pytest.mark.slow)])
def test_unused_and_flipped_neurons_are_decided_sat(zero, flip):
    instance, witness = _witnessed("instances/tier1/self_inverse.smt2")
    relabelled = _relabelled(instance, _perturbed(witness, zero, flip))
    result = decide_structured(relabelled, Z3, Limits(120))
    assert result.status == SAT, result.reason
    assert result.method == "structured:chains"
    assert exact_fit(relabelled, result.network).ok


@pytest.mark.slow
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.data())
def test_no_unsat_with_a_planted_fit_on_larger_outputs(data):
    path = data.draw(st.sampled_from(["instances/tier1/half.smt2", "instances/tier1/golden_ratio.smt2",
                                      "instances/tier2/planted_4_s1.smt2"]), label="formula")
    instance, witness = _witnessed(path)
    network, (zero, flip, move, scale) = _draw_perturbed(data, witness, unused=3, flipped=witness.hidden // 2,
                                                         moved=4, shift=16, factors=[F(-1), F(1, 3), F(2)],
                                                         parts=True)
    relabelled = _relabelled(instance, network)
    result = decide_structured(relabelled, Z3, Limits(120))
    assert result.status != UNSAT, f"{result.method} says unsat, but {network} fits"
    if not move and not scale:
        assert result.status == SAT, result.reason
    if result.status == SAT:
        assert exact_fit(relabelled, result.network).ok
