import random
import subprocess
from fractions import Fraction as F

import pytest
import z3
from hypothesis import given, settings
from hypothesis import strategies as st

from nnsolve.decider.baseline import decide_training
from nnsolve.encodings import ENCODINGS, network_assignment, to_smtlib
from nnsolve.terms import num
from nnsolve.numbers import sign
from nnsolve.solvers import Limits, get_solver
from nnsolve.solvers.yices_backend import yices_binary
from nnsolve.training import DataPoint, Network, Neuron, TrainingInstance, evaluate, exact_fit
from nnsolve.training.generate import planted_instance
from nnsolve.training.symmetry import canonical_network, normalize_network

small = st.fractions(min_value=-3, max_value=3, max_denominator=4)
neuron = st.builds(lambda w1, w2, b, a1, a2: Neuron((w1, w2), b, (a1, a2)), small, small, small,
                   st.one_of(st.just(F(0)), small), small)
networks = st.builds(lambda ns, c1, c2: Network(tuple(ns), (c1, c2)), st.lists(neuron, min_size=1, max_size=4),
                     small, small)
points = st.lists(st.tuples(small, small), min_size=1, max_size=6, unique=True)


@settings(max_examples=60, deadline=None)
@given(networks, points)
def test_normalization_and_ordering_preserve_the_function(net, xs):
    canon = canonical_network(net)
    for x in xs:
        assert evaluate(canon, x) == evaluate(net, x) == evaluate(normalize_network(net), x)
    for n in canon.neurons:
        first = next((a for a in n.a if a != 0), None)
        assert first in (None, 1, -1)
        if first is None:
            assert n.w == (0, 0) and n.b == 0
    keys = [(n.a[0], n.b) for n in canon.neurons]
    assert keys == sorted(keys)


def _accepts(text: str, values: dict) -> bool:
    """Does the query hold when every variable takes the given exact value?"""
    s = z3.Solver()
    s.from_string(text.replace("(check-sat)", "").replace("(exit)", ""))
    for name, v in values.items():
        s.add(z3.Real(name) == z3.RealVal(f"{v.numerator}/{v.denominator}"))
    return s.check() == z3.sat


@settings(max_examples=25, deadline=None)
@given(networks, points)
def test_encodings_accept_the_canonical_form_of_any_fitting_network(net, xs):
    """The argument made executable: canonical_network(net) fits the instance net
    labels and satisfies every encoding's extra constraints."""
    inst = TrainingInstance(tuple(DataPoint(x, evaluate(net, x)) for x in xs), net.hidden)
    canon = canonical_network(net)
    for enc in ENCODINGS:
        candidate = canon if enc in ("normalized", "symmetry") else net
        assert _accepts(to_smtlib(inst, enc), network_assignment(inst, candidate)), enc


def test_encodings_reject_a_non_canonical_network():
    # a_1_1 = 2 violates normalization: the check above is not vacuous
    net = Network((Neuron((F(1), F(0)), F(0), (F(2), F(0))),), (F(0), F(0)))
    inst = TrainingInstance((DataPoint((F(1), F(0)), (F(2), F(0))),), 1)
    assert _accepts(to_smtlib(inst, "direct"), network_assignment(inst, net))
    assert not _accepts(to_smtlib(inst, "normalized"), network_assignment(inst, net))


def test_num_terms():
    assert num(F(3)) == "3.0" and num(F(-1, 2)) == "(- (/ 1.0 2.0))"


def _parse_ok(solver: str, text: str) -> str:
    body = text.replace("(check-sat)", "").replace("(exit)", "")
    if solver == "z3":
        z3.Solver().from_string(body)
        return ""
    if solver == "cvc5":
        import cvc5
        tm = cvc5.TermManager()
        slv = cvc5.Solver(tm)
        sm = cvc5.SymbolManager(tm)
        p = cvc5.InputParser(slv, sm)
        p.setStringInput(cvc5.InputLanguage.SMT_LIB_2_6, body, "q")
        while not (cmd := p.nextCommand()).isNull():
            cmd.invoke(slv, sm)
        return ""
    out = subprocess.run([yices_binary()], input=body, capture_output=True, text=True, timeout=60)
    return out.stdout + out.stderr


@pytest.mark.parametrize("solver", ["z3", "cvc5", "yices"])
@pytest.mark.parametrize("encoding", sorted(ENCODINGS))
def test_every_encoding_parses_in_every_solver(solver, encoding):
    inst, _ = planted_instance(3, 7, seed=11)
    gamma = TrainingInstance(inst.points, 2, target_error=F(1, 2))
    for instance in (inst, gamma):
        assert _parse_ok(solver, to_smtlib(instance, encoding, status="sat")) == ""


@pytest.mark.parametrize("solver", ["z3", "cvc5", "yices"])
@pytest.mark.parametrize("encoding", sorted(ENCODINGS))
def test_planted_instances_are_never_unsat(solver, encoding):
    inst, _ = planted_instance(1, 6, seed=5)
    result = decide_training(inst, get_solver(solver), encoding, Limits(timeout=30))
    assert result.status != "unsat"
    if result.status == "sat":
        assert exact_fit(inst, result.network).ok


def test_unsat_training_instance():
    # one neuron cannot fit a "hat" along a line (needs two kinks)
    ys = [0, 0, 1, 0, 0]
    inst = TrainingInstance(tuple(DataPoint((F(t), F(0)), (F(y), F(0))) for t, y in zip(range(5), ys)), 1)
    assert decide_training(inst, get_solver("z3"), "symmetry", Limits(timeout=60)).status == "unsat"


def test_gamma_instance_decides_sat():
    inst = TrainingInstance(tuple(DataPoint((F(t), F(0)), (F(y), F(0))) for t, y in zip(range(5), [0, 0, 1, 0, 0])),
                            1, target_error=F(1))
    result = decide_training(inst, get_solver("z3"), "direct", Limits(timeout=60))
    assert result.status == "sat" and exact_fit(inst, result.network).ok
