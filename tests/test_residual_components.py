"""The chain residual split into connected components (decider.residual_query.residual_components):
no assertion lost or duplicated, components share no variable, and the whole residual is
sat exactly when every component is (z3 in-process as the oracle)."""

from fractions import Fraction as F

import pytest
import z3
from hypothesis import given, settings, strategies as st

from nnsolve.decider.residual_query import Bound, PiecewiseEquation, residual_components, residual_query
from nnsolve.elimination import Inconsistent, LinearSystem

VARS = [("x", i) for i in range(8)]
var = st.sampled_from(VARS)
coef = st.integers(-3, 3).map(F)


@st.composite
def residuals(draw):
    system = LinearSystem()
    for _ in range(draw(st.integers(0, 3))):  # some linear elimination first
        a, b = draw(var), draw(var)
        if a != b:
            try:
                system.equate({a: 1, b: draw(coef), None: draw(coef)})
            except Inconsistent:  # contradicts an earlier draw (the system is unchanged): leave it out
                pass
    for _ in range(draw(st.integers(0, 5))):
        system.define(draw(var), draw(var), draw(var))
    bounds = [Bound({draw(var): 1, draw(var): draw(coef)}, draw(coef), draw(st.none() | coef),
                    strict=draw(st.booleans())) for _ in range(draw(st.integers(0, 6)))]
    equations = [PiecewiseEquation({draw(var): 1, None: draw(coef)},
                                   ((({draw(var): 1}), draw(coef), {draw(var): draw(coef)}),))
                 for _ in range(draw(st.integers(0, 3)))]
    return system, bounds, equations


def _status(text: str) -> z3.CheckSatResult:
    solver = z3.Solver()
    solver.add(z3.parse_smt2_string(text))
    return solver.check()


def _assertions(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("(assert")]


def _declared(text: str) -> set[str]:
    return {line.split()[1] for line in text.splitlines() if line.startswith("(declare-fun")}


@settings(max_examples=60, deadline=None)
@given(residuals())
def test_components_partition_the_residual_and_keep_its_answer(residual):
    system, bounds, equations = residual
    whole = residual_query(system, bounds, equations)
    parts = residual_components(system, bounds, equations)
    assert sorted(a for p in parts for a in _assertions(p)) == sorted(_assertions(whole))
    declared = [_declared(p) for p in parts]
    assert sum(map(len, declared)) == len(set().union(*declared)) if declared else True
    statuses = [_status(p) for p in parts]
    assert z3.unknown not in statuses
    expected = z3.sat if all(s == z3.sat for s in statuses) else z3.unsat
    assert _status(whole) == expected


def test_independent_definitions_split():
    system = LinearSystem()
    system.define(("u",), ("x",), ("x",))
    system.define(("v",), ("y",), ("z",))
    parts = residual_components(system, [Bound({("u",): 1}, None, F(-1))])  # u = x^2 <= -1: unsat
    assert len(parts) == 2
    assert sorted(_status(p) == z3.sat for p in parts) == [False, True]


class _Scripted:
    """A solver stand-in: each component query carries its scripted answer in its source."""

    name = "scripted"

    def __init__(self) -> None:
        self.asked: list[str] = []

    def solve(self, query, limits, cancel=None):
        from nnsolve.solvers import SolverResult
        status = query.smtlib.split(':source "')[1].split('"')[0]
        self.asked.append(status)
        model = {v: F(len(self.asked)) for v in query.variables} if status == "sat" else None
        return SolverResult(status, self.name, 0.0, model)


def _component(status: str, variable: str) -> str:
    system = LinearSystem()
    return residual_components(system, [Bound({variable: 1}, F(0), None)], (), status)[0]


@pytest.mark.parametrize("statuses,expected", [
    (["sat", "sat"], "sat"), (["sat", "unsat"], "unsat"), (["unsat", "sat"], "unsat"),
    (["sat", "unknown"], "unknown"), (["unknown", "sat"], "unknown"), (["sat", "unknown", "sat"], "unknown")])
def test_components_combine_sat_only_when_every_one_is_sat(statuses, expected):
    from nnsolve.decider.chains import _solve_components
    from nnsolve.solvers import Limits
    parts = [_component(s, f"x{i}") for i, s in enumerate(statuses)]
    answer = _solve_components(parts, _Scripted(), Limits(30))
    assert answer.status == expected
    if expected == "sat":  # the union of the components' models
        assert answer.model == {f"x{i}": F(i + 1) for i in range(len(statuses))}
