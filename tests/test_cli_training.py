import json

from conftest import run_cli


def test_train_writes_verified_network(tmp_path):
    out = tmp_path / "net.json"
    r = run_cli("train", "examples/planted_1x6.json", "--json", "-o", out, "--timeout", "60")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["status"] == "sat" and data["method"].startswith("structured:")
    assert json.loads(out.read_text())["format"] == "nnsolve-network/1"


def test_train_with_a_baseline_encoding_names_it(tmp_path):
    r = run_cli("train", "examples/planted_1x6.json", "--json", "--method", "symmetry", "--timeout", "60")
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["method"] == "smt:symmetry"


def test_encode_writes_file(tmp_path):
    out = tmp_path / "q.smt2"
    r = run_cli("encode", "examples/planted_1x6.json", "--encoding", "direct-ite", "-o", out)
    assert r.returncode == 0 and out.read_text().startswith("(set-info :smt-lib-version 2.6)")


def test_export_csv(tmp_path):
    out = tmp_path / "p.csv"
    assert run_cli("export-csv", "examples/planted_1x6.json", "-o", out).returncode == 0
    assert len(out.read_text().splitlines()) == 7


def test_bad_training_file(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "nnsolve-training/1", "inputs": 2}')
    r = run_cli("train", bad)
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1 and "missing key" in r.stderr
