import json
from dataclasses import replace
from fractions import Fraction as F

import pytest

from conftest import ROOT, run_cli
from nnsolve.decision.artifacts import write_artifacts
from nnsolve.decision.check import DISAGREE, check_formula
from nnsolve.formula import read_smtlib
from nnsolve.reduction import reduce_formula
from nnsolve.solvers import Limits, get_solver
from nnsolve.training import DataPoint, TrainingInstance

# One neuron cannot fit a hat along a line: an unsat training instance z3 decides fast.
HAT = TrainingInstance(tuple(DataPoint((F(t), F(0)), (F(y), F(0))) for t, y in enumerate([0, 0, 1, 0, 0])), 1)


def broken_reduction(formula):
    """Test-only: the real gadgets, but a training instance that nothing fits."""
    return replace(reduce_formula(formula), instance=HAT)


def test_broken_reduction_disagrees_with_all_artifacts(tmp_path):
    f = read_smtlib(ROOT / "instances" / "tier1" / "sqrt2.smt2")
    report = check_formula(f, get_solver("z3"), Limits(timeout=60), "sqrt2", reducer=broken_reduction)
    assert report.verdict == DISAGREE
    assert report.etr.status == "sat" and report.training.status == "unsat"
    assert "completeness" in report.suspect and "does not match" in report.suspect
    written = write_artifacts(report, tmp_path / "case", "nnsolve check sqrt2.smt2")
    names = sorted(p.name for p in written)
    assert names == ["etr.smt2", "report.json", "training.json", "training.smt2"]
    data = json.loads((tmp_path / "case" / "report.json").read_text())
    assert data["verdict"] == "disagree" and data["reproduce"] and data["suspect"]
    assert read_smtlib(tmp_path / "case" / "etr.smt2").constraints == f.constraints


def test_cli_keeps_files_on_disagreement(tmp_path, monkeypatch, capsys):
    import nnsolve.decision.check as check_module
    from nnsolve.cli import main

    original = check_module.check_formula
    monkeypatch.setattr(check_module, "check_formula",
                        lambda *a, **k: original(*a, **dict(k, reducer=broken_reduction)))
    monkeypatch.chdir(tmp_path)
    path = ROOT / "instances" / "tier1" / "sqrt2.smt2"
    assert main(["check", str(path), "--json"]) == 1
    out = json.loads(capsys.readouterr().out)
    folder = tmp_path / out["emitted"]
    assert out["verdict"] == "disagree" and (folder / "report.json").exists() and (folder / "training.smt2").exists()


@pytest.mark.parametrize("name,verdict,code", [("sqrt2.smt2", "agree", 0), ("golden_ratio.smt2", "agree", 0),
                                               ("doubling_out_of_box.smt2", "promise-violated", 4)])
def test_check_cli_verdicts(name, verdict, code, tmp_path):
    r = run_cli("check", f"instances/tier1/{name}", "--json", "--emit", tmp_path / "out")
    assert r.returncode == code, r.stderr
    out = json.loads(r.stdout)
    assert out["verdict"] == verdict
    assert set(out) >= {"instance", "etr", "training", "verdict", "seconds"}
    if verdict == "agree":
        assert out["training"]["method"] == "certificate:forward-map"
        assert (tmp_path / "out" / "witness.json").exists()


def test_unsat_training_side_is_decided_by_the_chain_stage():
    r = run_cli("check", "instances/tier1/contradiction.smt2", "--json", "--timeout", "60")
    out = json.loads(r.stdout)
    assert r.returncode == 0 and out["verdict"] == "agree"
    assert out["training"]["status"] == "unsat" and out["training"]["method"] == "structured:chains"


def test_undecided_training_side_is_inconclusive_with_reason():
    r = run_cli("check", "instances/tier1/contradiction.smt2", "--json", "--timeout", "2", "--method", "symmetry")
    out = json.loads(r.stdout)
    assert r.returncode == 3 and out["verdict"] == "inconclusive" and "training side" in out["reason"]


def test_large_instances_are_not_handed_to_the_encodings():
    r = run_cli("check", "instances/tier1/contradiction.smt2", "--json", "--timeout", "60", "--max-work", "1000",
                "--method", "symmetry")
    out = json.loads(r.stdout)
    assert r.returncode in (3,) and out["verdict"] == "inconclusive"
    assert "too large" in out["training"]["reason"]


def test_max_work_hands_the_structured_method_any_size():
    # HAT (5 points x 1 neuron) is above max_work 1: line counting still refutes it, blind;
    # a baseline encoding is not handed it
    f = read_smtlib(ROOT / "instances" / "tier1" / "self_inverse.smt2")
    report = check_formula(f, get_solver("z3"), Limits(timeout=60), "self_inverse", reducer=broken_reduction,
                           max_work=1, blind=True)
    assert report.training.status == "unsat" and report.training.method == "structured:line-count"
    assert report.verdict == DISAGREE  # (the baseline side: test_bounded.py, test_large_instances_...)


@pytest.mark.slow
def test_max_work_does_not_bound_the_structured_method():
    # 29 neurons x 200+ points is far above --max-work 10: the structure stages still run
    # and decide, blind, from the instance alone
    r = run_cli("check", "instances/tier1/contradiction.smt2", "--json", "--timeout", "60", "--max-work", "10",
                "--blind")
    out = json.loads(r.stdout)
    assert r.returncode == 0 and out["verdict"] == "agree"
    assert out["training"]["status"] == "unsat" and out["training"]["method"] == "structured:chains"


def test_max_work_does_not_bound_the_certificate():
    # the forward witness is checked exactly at any size (grouped evaluation)
    r = run_cli("check", "instances/tier4/planted_100_s1.smt2", "--json", "--timeout", "60", "--max-work", "1000")
    out = json.loads(r.stdout)
    assert out["verdict"] == "agree" and out["training"]["method"] == "certificate:forward-map"


def test_an_undecided_blind_side_neither_agrees_nor_disagrees_with_the_certificate():
    """Blind, sat formula: the forward certificate is sat; a blind side that is unknown is
    reported as nothing to compare (JSON null), a decided one as agreeing or not."""
    from nnsolve.decision.check import CheckReport
    from nnsolve.decision.etr import EtrResult
    from nnsolve.decider.result import TrainingResult

    f = read_smtlib(ROOT / "instances" / "tier1" / "sqrt2.smt2")
    cert = TrainingResult("sat", "certificate:forward-map", "-", 0.1)
    base = CheckReport("x", f, EtrResult("sat", "z3", 0.1), None, "inconclusive", 0.2, blind=True, certificate=cert)
    seen = {}
    for status in ("unknown", "sat", "unsat"):
        report = replace(base, training=TrainingResult(status, "structured", "z3", 1.0))
        seen[status] = report.certificate_agrees
    assert seen == {"unknown": None, "sat": True, "unsat": False}
    assert replace(base, certificate=None).certificate_agrees is None
