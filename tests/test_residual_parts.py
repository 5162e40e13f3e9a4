"""Unsat of a residual component from a part (nnsolve.decider.residual_parts).

The argument is that a part's assertions are a subset of the component's; these tests
check what could break it in the code: a part query that loses or changes an
assertion, mixes variables up, or reports unsat for anything but the solver's unsat.
Sizes like the residuals it is used on (hundreds to thousands of variables)."""

from __future__ import annotations

import random
import time
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nnsolve.decider import residual_parts
from nnsolve.decider.residual_parts import item_index, part_items, unsat_part, variable_parts
from nnsolve.decider.residual_query import component_script
from nnsolve.terms import num
from nnsolve.solvers import SAT, UNSAT, Limits, Query, SolverResult, get_solver

SOLVER = get_solver("z3")


def planted_items(n: int, seed: int, contradiction: str | None = None) -> list[tuple[str, set]]:
    """A connected residual-like conjunction over x0..x(n-1), sat by planted rational
    values in [1/2, 2]: inversions v w = 1, shifts v = w + c, piecewise (ite) equations
    and box bounds, each new variable tied to a recent one (a reduction's residual is
    local in the same way).  ``contradiction="local"`` adds, over the two variables of
    one inversion, an assertion that pins one of them and moves the other off its
    reciprocal: a part that holds either variable holds both assertions and is unsat."""
    rng = random.Random(seed)
    value = [Fraction(rng.randint(4, 16), 8) for _ in range(n)]
    items: list[tuple[str, set]] = []
    inversions = []

    def var(i: int) -> str:
        return f"x{i}"

    for i in range(1, n):
        j = rng.randrange(max(0, i - 30), i)
        kind = rng.random()
        if kind < 0.3:
            value[i] = 1 / value[j]
            inversions.append((i, j))
            items.append((f"(assert (= (* {var(i)} {var(j)}) 1.0))", {var(i), var(j)}))
        elif kind < 0.6:
            t = value[j] + rng.choice([-1, 1]) * Fraction(rng.randint(1, 4), 8)
            piece = value[j] if value[j] <= t else Fraction(0)
            c = value[i] - piece
            items.append((f"(assert (= {var(i)} (+ {num(c)} (ite (<= {var(j)} {num(t)}) {var(j)} 0.0))))",
                          {var(i), var(j)}))
        else:
            c = value[i] - value[j]
            items.append((f"(assert (= {var(i)} (+ {var(j)} {num(c)})))", {var(i), var(j)}))
        if rng.random() < 0.5:
            items.append((f"(assert (and (<= 0.5 {var(i)}) (<= {var(i)} 2.0)))", {var(i)}))
    if contradiction == "local":
        i, j = rng.choice(inversions)
        items.append((f"(assert (and (= {var(j)} {num(value[j])}) (not (= {var(i)} {num(value[i])}))))",
                      {var(i), var(j)}))
    return items


def whole(items) -> str:
    return component_script(items, "test: the whole component")


def test_parts_cover_every_variable_once():
    items = planted_items(1200, 3)
    variables = {v for _, used in items for v in used}
    parts = variable_parts(items, 250)
    assert len(parts) == 5  # ceil(1200 / 250)
    assert set().union(*parts) == variables
    assert sum(map(len, parts)) == len(variables)


def test_part_items_is_the_subset_touching_the_part():
    items = planted_items(800, 4, contradiction="local")
    index = item_index(items)
    for part in variable_parts(items, 200):
        touching = [i for i in items if i[1] & part]
        assert part_items(items, part) == touching
        assert part_items(items, part, index) == touching  # the indexed form unsat_part uses


class _Says:
    """A stand-in solver that gives one status to every query (and counts them)."""

    name = "stand-in"

    def __init__(self, status):
        self.status, self.queries = status, 0

    def solve(self, query, limits, cancel=None):
        self.queries += 1
        return SolverResult(self.status, self.name, 0.0, reason="stand-in")


@pytest.mark.parametrize("status", [SAT, "unknown"])
def test_only_a_solver_unsat_makes_a_part_unsat(status):
    solver = _Says(status)
    assert unsat_part(planted_items(1000, 5), solver, Limits(60, 2048), schedule=((250, 1.0), (500, 1.0))) is None
    assert solver.queries == 4 + 2  # every part of both rounds was asked


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(n=st.integers(600, 2500), seed=st.integers(0, 10**6))
def test_a_sat_component_has_no_unsat_part(n, seed):
    """Soundness: a part of a satisfiable conjunction is never reported unsat (a part
    query that changed or lost what an assertion says, or mixed up names, would be)."""
    items = planted_items(n, seed)
    schedule = ((250, 2.0),)
    assert unsat_part(items, SOLVER, Limits(60, 2048), schedule=schedule) is None


@settings(max_examples=2, deadline=None, suppress_health_check=[HealthCheck.too_slow])  # 4 took 29 s
@given(n=st.integers(600, 2500), seed=st.integers(0, 10**6))
def test_a_local_contradiction_is_found_in_a_part_and_the_whole_is_unsat(n, seed):
    items = planted_items(n, seed, contradiction="local")
    found = unsat_part(items, SOLVER, Limits(120, 2048), schedule=((250, 5.0),))
    assert found is not None and found.status == UNSAT, found
    assert "part" in found.reason
    assert SOLVER.solve(Query(whole(items)), Limits(60, 2048)).status == UNSAT


def test_small_component_is_not_split():
    items = planted_items(100, 1, contradiction="local")
    assert unsat_part(items, SOLVER, Limits(30, 2048), schedule=((250, 2.0),)) is None  # one part: the caller's job


def test_chain_residual_uses_parts_on_a_large_component(monkeypatch):
    """``_solve_components`` with the components' items: a component above
    MIN_COMPONENT variables is decided unsat by a part, and says so."""
    from nnsolve.decider import chains

    items = planted_items(700, 11, contradiction="local")
    monkeypatch.setattr(residual_parts, "MIN_COMPONENT", 500)
    monkeypatch.setattr(residual_parts, "SCHEDULE", ((200, 5.0),))
    answer = chains._solve_components([whole(items)], SOLVER, Limits(120, 2048), groups=[items])
    assert answer.status == UNSAT
    assert "part" in (answer.reason or "")
    sat_items = planted_items(700, 11)
    answer = chains._solve_components([whole(sat_items)], SOLVER, Limits(120, 2048), groups=[sat_items])
    assert answer.status in (SAT, "unknown")  # never unsat
    assert answer.status != UNSAT


def test_a_released_exact_route_still_searches_unsat_parts(monkeypatch):
    """With ``release`` set (the lemma route's guesses want the core) a large component is
    still searched for an unsat part, which still decides; without one the whole query is
    skipped (unknown, never asked), and a whole query under way is stopped."""
    import threading

    from nnsolve.decider import chains

    monkeypatch.setattr(residual_parts, "MIN_COMPONENT", 500)
    monkeypatch.setattr(residual_parts, "SCHEDULE", ((200, 30.0),))  # no part query cut short under load
    released = threading.Event()
    released.set()
    items = planted_items(700, 11, contradiction="local")
    answer = chains._solve_components([whole(items)], SOLVER, Limits(120, 2048), groups=[items], release=released)
    assert answer.status == UNSAT and "part" in answer.reason
    asked = []

    class Recording:
        name = "recording"

        def solve(self, query, limits, cancel=None):
            asked.append(query)
            return SOLVER.solve(query, limits, cancel)

        def __getattr__(self, attr):
            return getattr(SOLVER, attr)

    sat_items = planted_items(700, 11)
    answer = chains._solve_components([whole(sat_items)], Recording(), Limits(120, 2048), groups=[sat_items],
                                      release=released)
    assert answer.status == "unknown" and "not asked" in answer.reason
    assert not any(q.strategy == "orderings" for q in asked)  # the whole query was never asked
    # above WHOLE_MAX_VARIABLES the same without a release
    asked.clear()
    monkeypatch.setattr(chains, "WHOLE_MAX_VARIABLES", 500)
    answer = chains._solve_components([whole(sat_items)], Recording(), Limits(120, 2048), groups=[sat_items])
    assert answer.status == "unknown" and "not asked" in answer.reason
    assert asked and not any(q.strategy == "orderings" for q in asked)
    monkeypatch.setattr(chains, "WHOLE_MAX_VARIABLES", 20_000)
    # a skipped component does not end the search: the next one's unsat part still decides
    answer = chains._solve_components([whole(sat_items), whole(items)], SOLVER, Limits(900, 2048),
                                      groups=[sat_items, items], release=released)
    assert answer.status == UNSAT and "part" in answer.reason
    later = threading.Event()

    class Slow(Recording):
        def solve(self, query, limits, cancel=None):
            if query.strategy == "orderings":  # the whole query: released while it runs
                later.set()
                deadline = time.monotonic() + 30
                while not cancel.is_set() and time.monotonic() < deadline:
                    time.sleep(0.05)
                return SolverResult("unknown", "test", 0.0, reason="cancelled" if cancel.is_set() else "slow")
            return SOLVER.solve(query, limits, cancel)

    answer = chains._solve_components([whole(sat_items)], Slow(), Limits(120, 2048), groups=[sat_items],
                                      release=later)
    assert answer.status == "unknown" and answer.reason == "cancelled"


@pytest.mark.parametrize("seed", [0, 1])
def test_planted_items_are_sat_as_built(seed):
    """The generator's own check: the planted conjunction is sat (else the soundness test
    above would test nothing)."""
    items = planted_items(300, seed)
    assert SOLVER.solve(Query(whole(items)), Limits(60, 2048)).status == SAT
