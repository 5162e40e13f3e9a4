"""nnsolve gen --irrational DEGREE: planted solutions with algebraic values of that degree."""

import pytest
from conftest import run_cli
from hypothesis import given, settings
from hypothesis import strategies as st

from nnsolve.fields import common_field
from nnsolve.formula import read_smtlib
from nnsolve.formula.generate import planted_irrational_formula
from nnsolve.formula.model import in_box, satisfies
from nnsolve.numbers import AlgebraicNumber


def degree(v) -> int:
    return len(v.poly) - 1 if isinstance(v, AlgebraicNumber) else 1


@settings(max_examples=8, deadline=None)
@given(st.sampled_from([2, 3, 4, 6]), st.integers(10, 60), st.integers(0, 10**6))
def test_planted_solution_has_the_degree(d, constraints, seed):
    f, sol = planted_irrational_formula(constraints, d, seed)
    assert len(f.constraints) >= constraints and f.status == "sat"
    assert satisfies(f, sol) and in_box(sol)
    # some value has exactly the degree, and all live in one field of that degree
    assert max(degree(v) for v in sol.values()) == d
    field = common_field(sol.values())
    assert field.degree == d


def test_core_rejects_programs_with_box_solutions_of_another_degree():
    """A core is kept only if every root of its closing polynomial that gives a box
    solution has the requested degree (so every box solution is irrational)."""
    from flint import fmpq_poly

    from nnsolve.formula.generate import _valid_roots

    x, one = fmpq_poly([0, 1]), fmpq_poly([1])
    vals = [(x, one), (one, one)]  # x and the constant 1
    golden = x * x - x - 1
    found = _valid_roots(golden, vals, 2)
    assert found is not None and found[0].poly == (1, -1, -1)
    assert _valid_roots(golden * (x - 1), vals, 2) is None      # x = 1 is a box solution
    assert _valid_roots(golden * (x - 3), vals, 2) is not None  # x = 3 is outside the box
    assert _valid_roots(golden, vals, 3) is None                # wrong degree


def test_prime_degree_without_core_is_refused():
    with pytest.raises(ValueError):
        planted_irrational_formula(10, 1, 1)


def test_cli_gen_irrational(tmp_path):
    out = tmp_path / "f.smt2"
    r = run_cli("gen", "--constraints", "14", "--irrational", "3", "--seed", "2", "-o", out)
    assert r.returncode == 0, r.stderr
    f = read_smtlib(out)
    assert f.status == "sat" and "algebraic degree 3" in f.source
    again = tmp_path / "g.smt2"
    run_cli("gen", "--constraints", "14", "--irrational", "3", "--seed", "2", "-o", again)
    assert again.read_text() == out.read_text()  # seeded: same arguments, same file
    bad = run_cli("gen", "--constraints", "14", "--irrational", "3", "--unsat", "-o", tmp_path / "h.smt2")
    assert bad.returncode == 2
