"""Generated families: the status known by construction is the status the solvers find,
and corpora are deterministic."""

import pytest

from conftest import run_cli
from nnsolve.decision.etr import decide_etr
from nnsolve.formula.generate import FAMILIES, corpus_plan, family_formula
from nnsolve.formula.model import Add, Formula
from nnsolve.formula.smtlib import read_smtlib
from nnsolve.solvers import Limits, get_solver


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("size,seed", [(8, 1), (40, 3)])
def test_family_status_is_what_the_solver_finds(family, size, seed):
    f = family_formula(family, size, seed)
    assert len(f.constraints) == size
    result = decide_etr(f, get_solver("z3"), Limits(timeout=120))
    assert result.status == f.status, (family, size, seed, result.reason)


@pytest.mark.parametrize("seed", range(4))
def test_unique_solution_needs_its_last_constraint(seed):
    # without the violated constraint the formula is sat (the planted solution), so the
    # contradiction comes from the whole system, not from a local pattern
    f = family_formula("unsat-unique", 30, seed)
    rest = Formula(f.variables, f.constraints[:-1])
    assert decide_etr(rest, get_solver("z3"), Limits(timeout=120)).status == "sat"


def test_promise_violation_chain_is_not_local():
    f = family_formula("promise-violated", 60, 1)
    doublings = [c for c in f.constraints if isinstance(c, Add) and c.x == c.y]
    assert len(doublings) >= 3 and len(f.constraints) == 60


def test_large_sizes_keep_their_counts():
    for family in FAMILIES:
        assert len(family_formula(family, 3000, 1).constraints) == 3000


def test_gen_corpus_is_deterministic(tmp_path):
    for out in ("a", "b"):
        r = run_cli("gen", "--corpus", tmp_path / out, "--count", "12", "--sizes", "6,25", "--seed", "4")
        assert r.returncode == 0, r.stderr
    a = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*.smt2"))
    b = sorted(p.relative_to(tmp_path / "b") for p in (tmp_path / "b").rglob("*.smt2"))
    assert a == b and len(a) == 12
    for rel in a:
        assert (tmp_path / "a" / rel).read_bytes() == (tmp_path / "b" / rel).read_bytes()
        assert read_smtlib(tmp_path / "a" / rel).status in ("sat", "unsat", "promise-violated")
    assert {str(p) for p, _ in corpus_plan(12, [6, 25], list(FAMILIES), 4)} == {r.as_posix() for r in a}


def test_gen_rejects_bad_lists(tmp_path):
    for args in (("--sizes", "10,x"), ("--sizes", "0"), ("--families", "sat,nope")):
        r = run_cli("gen", "--corpus", tmp_path / "c", *args)
        assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr
