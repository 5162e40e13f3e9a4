"""The training question does not see coordinates: status is invariant under invertible
affine maps of the input plane and of the label space, and under the order of the points.

*Argument.* Let A, C be invertible 2x2 rational matrices and b, d rational vectors. If a
network f of width m fits (x_i, y_i), then g(z) = C f(A^-1 (z - b)) + d fits
(A x_i + b, C y_i + d), and g is a network of width m: each neuron's input weights and
bias are composed with the affine map z -> A^-1 (z - b), its output weights multiplied
by C, and the output bias becomes C bias + d. The inverse maps give the converse, so
the two instances have the same status. Permuting the points changes nothing.

The structured decider must therefore give the reduction output's own status on every
such image (a reduction output whose lines are no longer axis-parallel, whose gadgets
are sheared, whose labels are mixed); a sat network is checked by ``exact_fit`` on the
transformed instance.  Held-out instances "shaped like the reduction's" may come in
any coordinates.
"""

import random
from fractions import Fraction as F
from functools import lru_cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nnsolve.decider.structured import decide_structured
from nnsolve.formula.smtlib import read_smtlib
from nnsolve.reduction import reduce_formula
from nnsolve.solvers import SAT, UNSAT, Limits, get_solver
from nnsolve.training.instance import DataPoint, TrainingInstance
from nnsolve.training.network import exact_fit

Z3 = get_solver("z3")

small = st.fractions(min_value=-3, max_value=3, max_denominator=7)


@st.composite
def invertible(draw):
    """An invertible rational 2x2 matrix and a translation."""
    a, b, c, d = draw(st.tuples(small, small, small, small).filter(lambda m: m[0] * m[3] != m[1] * m[2]))
    return ((a, b), (c, d)), (draw(small), draw(small))


@lru_cache(maxsize=None)
def _instance(path: str) -> TrainingInstance:
    return reduce_formula(read_smtlib(path)).instance


def _image(instance: TrainingInstance, inputs, outputs, seed: int) -> TrainingInstance:
    (A, b), (C, d) = inputs, outputs

    def apply(M, v, t):
        return (M[0][0] * v[0] + M[0][1] * v[1] + t[0], M[1][0] * v[0] + M[1][1] * v[1] + t[1])

    points = [DataPoint(apply(A, p.x, b), apply(C, p.y, d)) for p in instance.points]
    random.Random(seed).shuffle(points)
    return TrainingInstance(tuple(points), instance.hidden)


@pytest.mark.parametrize("path,status", [
    pytest.param("instances/tier1/self_inverse.smt2", SAT, marks=pytest.mark.slow),  # sat: benchmarks/status_sweep.py --sweeps affine
    ("instances/tier1/contradiction.smt2", UNSAT),
    pytest.param("instances/tier1/golden_ratio.smt2", SAT, marks=pytest.mark.slow),
    pytest.param("instances/tier2/golden_unsat.smt2", UNSAT, marks=pytest.mark.slow),
    pytest.param("instances/tier2/planted_4_s2.smt2", SAT, marks=pytest.mark.slow),
    pytest.param("instances/tier2/doubling_chain_unsat.smt2", UNSAT, marks=pytest.mark.slow),
])
@settings(max_examples=2, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(inputs=invertible(), outputs=invertible(), seed=st.integers(0, 10**6))
def test_status_is_invariant_under_affine_maps(path, status, inputs, outputs, seed):
    image = _image(_instance(path), inputs, outputs, seed)
    result = decide_structured(image, Z3, Limits(300))
    assert result.status == status, (inputs, outputs, result.reason)
    if result.status == SAT:
        assert exact_fit(image, result.network).ok
