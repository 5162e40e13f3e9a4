import json

from conftest import run_cli


def test_reduce_with_witness_and_extract(tmp_path):
    out, net = tmp_path / "t.json", tmp_path / "n.json"
    r = run_cli("reduce", "instances/tier1/sqrt2.smt2", "-o", out, "--witness", net, "--json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["statistics"]["hidden"] == 4 * 2 + 12 * 1 + 13 * 1 and data["witness"]["status"] == "sat"
    assert json.loads(out.read_text())["format"] == "nnsolve-training/1"
    r = run_cli("extract", "instances/tier1/sqrt2.smt2", net, "--json")
    assert r.returncode == 0, r.stderr
    ext = json.loads(r.stdout)
    assert ext["ok"] and ext["values"]["y"] == {"poly": [1, 0, -2], "interval": ["1", "2"]}


def test_extract_rejects_wrong_network(tmp_path):
    net = tmp_path / "n.json"
    net.write_text(json.dumps({"format": "nnsolve-network/1", "hidden": 1, "bias": ["0", "0"],
                               "neurons": [{"w": ["0", "0"], "b": "0", "a": ["0", "0"]}]}))
    r = run_cli("extract", "instances/tier1/sqrt2.smt2", net)
    assert r.returncode == 2 and "neurons" in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_verify_gadgets_cli_fast_lemmas():
    r = run_cli("verify-gadgets", "--lemma", "variable.minimal", "--lemma", "variable.readings", "--json")
    assert r.returncode == 0, r.stderr
    assert [x["status"] for x in json.loads(r.stdout)["lemmas"]] == ["proved", "proved"]


def test_verify_gadgets_unknown_lemma():
    r = run_cli("verify-gadgets", "--lemma", "nope")
    assert r.returncode == 2 and "unknown lemma" in r.stderr
