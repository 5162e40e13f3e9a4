import json

import pytest

from conftest import ROOT, run_cli


def test_solve_shipped_instance_text():
    r = run_cli("solve", "instances/tier1/golden_ratio.smt2")
    assert r.returncode == 0, r.stderr
    assert "status    sat" in r.stdout and "checked exactly" in r.stdout


@pytest.mark.parametrize("solver", ["z3", "cvc5"])
def test_solve_json_irrational(solver):
    r = run_cli("solve", "instances/tier1/sqrt2.smt2", "--solver", solver, "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["status"] == "sat" and out["solver"] == solver
    assert out["model"]["y"] == {"poly": [1, 0, -2], "interval": ["1", "2"]}
    assert set(out) == {"status", "model", "solver", "seconds"}


def test_bad_input_one_line_exit_2(tmp_path):
    bad = tmp_path / "bad.smt2"
    bad.write_text("(declare-fun x () Real)\n(assert (or (= 1 (* x x)) (= 1 (* x x))))\n")
    r = run_cli("solve", bad)
    assert r.returncode == 2
    assert r.stdout == "" and len(r.stderr.strip().splitlines()) == 1
    assert "bad.smt2:2:" in r.stderr and "Traceback" not in r.stderr


def test_missing_file_exit_2(tmp_path):
    r = run_cli("solve", tmp_path / "nope.smt2")
    assert r.returncode == 2 and "cannot read" in r.stderr and "Traceback" not in r.stderr


def test_unknown_exit_3():
    # yices prints the irrational model as decimals: sat cannot be verified -> unknown
    # (a cubic: exact substitution, which now solves sqrt2 before any solver, leaves it)
    r = run_cli("solve", "instances/tier2/cubic.smt2", "--solver", "yices", "--json")
    out = json.loads(r.stdout)
    assert r.returncode == 3 and out["status"] == "unknown" and "inexact" in out["reason"]


def test_help_teaches():
    r = run_cli("solve", "--help")
    assert "promise-violated" in r.stdout and "exit codes" in r.stdout


from test_smtlib import MALFORMED  # noqa: E402


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_every_malformed_kind_exits_2_with_one_line(name, tmp_path, capsys):
    from nnsolve.cli import main

    text, line, words = MALFORMED[name]
    path = tmp_path / "bad.smt2"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    assert main(["solve", str(path)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and words in lines[0] and str(path) in lines[0]


@pytest.mark.parametrize("option,value,words", [
    ("--timeout", "nan", "finite"), ("--timeout", "inf", "finite"), ("--timeout", "0", "positive"),
    ("--timeout", "ten", "not a number"), ("--memory", "0", "positive"), ("--memory", "1.5", "not a number"),
])
def test_limits_must_be_finite_and_positive(option, value, words, capsys):
    # nan passed "value <= 0" and inf overflowed a time limit (an internal error) before
    from nnsolve.cli import main

    with pytest.raises(SystemExit) as info:
        main(["solve", "instances/tier1/sqrt2.smt2", option, value])
    assert info.value.code == 2 and words in capsys.readouterr().err


def test_a_memory_limit_too_small_to_start_a_solver_is_out_of_memory():
    r = run_cli("solve", "instances/tier2/cubic.smt2", "--memory", "10", "--json")
    out = json.loads(r.stdout)
    assert r.returncode == 3 and out["status"] == "unknown"
    assert out["reason"].startswith("out of memory (limit 10 MiB)")
    # what to change, not the child's traceback ("MemoryError", "can't start new thread")
    assert "--memory" in out["reason"] and "Error" not in out["reason"] and "thread" not in out["reason"]
