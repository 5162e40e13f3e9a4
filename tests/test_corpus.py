import json
import shutil

from conftest import ROOT, run_cli
from functools import lru_cache

from nnsolve.decision.corpus import corpus_files, encoding_files, stale_encodings, tier_of
from nnsolve.formula import read_smtlib

INSTANCES = ROOT / "instances"


@lru_cache(maxsize=1)
def _wanted_encodings():
    """What the corpus' certified files must be, computed once for the tests that compare."""
    return encoding_files(INSTANCES)


def test_corpus_has_the_promised_coverage():
    files = corpus_files(INSTANCES)
    assert len(files) >= 30
    formulas = {f: read_smtlib(f) for f in files if tier_of(f) != 4}
    statuses = {f.status for f in formulas.values()}
    assert statuses == {"sat", "unsat", "promise-violated"}
    limits = {1: 3, 2: 6, 3: 20}
    for path, f in formulas.items():
        assert f.status is not None and tier_of(path) in limits, path
        assert len(f.variables) <= limits[tier_of(path)], path
    tier4 = [read_smtlib(f) for f in files if tier_of(f) == 4]
    assert tier4 and all(100 <= len(f.constraints) <= 10_000 for f in tier4)
    sources = " ".join(f.source or "" for f in formulas.values())
    for topic in ("degree 3", "degree 6", "self-inversion", "repeated variable", "disconnected"):
        assert topic in sources, topic


def test_tier1_corpus_in_ci(tmp_path):
    """Every tier-1 instance agrees (unsat ones through the chain stage) or violates the promise."""
    results = tmp_path / "results.jsonl"
    r = run_cli("corpus", "instances", "--tier", "1", "--timeout", "30", "--json", "--results", results, timeout=900)
    assert r.returncode == 0, r.stdout + r.stderr
    out = json.loads(r.stdout)
    assert not out["failed"] and out["resumed"] == 0
    for res in out["results"]:
        assert not res["wrong_status"], res
        assert res["verdict"] in ("agree", "promise-violated"), res
        if res["expected"] == "sat":
            assert res["verdict"] == "agree" and res["method"] == "certificate:forward-map"
        if res["expected"] == "unsat":
            assert res["method"] == "structured:chains", res
        if res["expected"] == "promise-violated":
            assert res["verdict"] == "promise-violated"
    # a rerun resumes everything from the record
    again = run_cli("corpus", "instances", "--tier", "1", "--timeout", "30", "--json", "--results", results)
    assert json.loads(again.stdout)["resumed"] == len(out["results"])


def test_tier1_corpus_blind_in_ci(tmp_path):
    """Tier 1 again, blind: every training side from the instance alone, every verdict agrees,
    and for sat formulas the forward certificate agrees too."""
    r = run_cli("corpus", "instances", "--tier", "1", "--blind", "--timeout", "120", "--json",
                "--results", tmp_path / "blind.jsonl", timeout=1500)
    assert r.returncode == 0, r.stdout + r.stderr
    out = json.loads(r.stdout)
    for res in out["results"]:
        assert res["blind"] is True and not res["wrong_status"], res
        assert res["verdict"] == ("promise-violated" if res["expected"] == "promise-violated" else "agree"), res
        if res["expected"] == "sat":
            assert res["method"].startswith("structured:") and res["certificate"] == "sat", res


def test_corpus_resumes_after_interruption(tmp_path):
    corpus = tmp_path / "c" / "tier1"
    corpus.mkdir(parents=True)
    for name in ("sqrt2.smt2", "self_inverse.smt2"):
        shutil.copy(INSTANCES / "tier1" / name, corpus / name)
    results = tmp_path / "r.jsonl"
    first = run_cli("corpus", tmp_path / "c", "--json", "--results", results)
    assert json.loads(first.stdout)["resumed"] == 0
    lines = results.read_text().splitlines()
    results.write_text(lines[0] + "\n" + lines[1][: len(lines[1]) // 2])  # killed mid-write
    second = json.loads(run_cli("corpus", tmp_path / "c", "--json", "--results", results).stdout)
    assert second["resumed"] == 1 and len(second["results"]) == 2


def test_encodings_are_current():
    assert stale_encodings(INSTANCES, ROOT / "encodings", _wanted_encodings()) == []


def test_encodings_staleness_is_detected(tmp_path):
    shutil.copytree(ROOT / "encodings" / "tier1", tmp_path / "enc" / "tier1")
    target = tmp_path / "enc" / "tier1" / "sqrt2.etr.smt2"
    target.write_text(target.read_text().replace("(check-sat)", "(check-sat)\n; edited"))
    problems = stale_encodings(INSTANCES, tmp_path / "enc", _wanted_encodings())
    assert "stale tier1/sqrt2.etr.smt2" in problems and any(p.startswith("missing tier2/") for p in problems)


def test_certified_files_carry_status_source_license():
    text = (ROOT / "encodings" / "tier1" / "sqrt2.training.smt2").read_text()
    assert "(set-info :status sat)" in text and "(set-info :license" in text and "(set-info :source" in text
    unsat = (ROOT / "encodings" / "tier1" / "contradiction.training.smt2").read_text()
    assert "(set-info :status unknown)" in unsat


def test_gen_is_deterministic(tmp_path):
    a, b = tmp_path / "a.smt2", tmp_path / "b.smt2"
    for out in (a, b):
        assert run_cli("gen", "--constraints", "20", "--seed", "5", "--unsat", "-o", out).returncode == 0
    assert a.read_text() == b.read_text() and read_smtlib(a).status == "unsat"


def test_an_internal_error_is_recorded_not_fatal(tmp_path, monkeypatch):
    import nnsolve.decision.corpus as corpus

    folder = tmp_path / "c" / "tier1"
    folder.mkdir(parents=True)
    shutil.copy(INSTANCES / "tier1" / "self_inverse.smt2", folder / "a.smt2")

    class Boom:
        def __init__(self, *a, **k):
            pass

        def __enter__(self):
            return self

        def __exit__(self, *a):
            return False

        def shutdown(self, **kwargs):
            pass

        def submit(self, fn, *args):
            from concurrent.futures import Future
            fut = Future()
            fut.set_exception(RuntimeError("kaboom"))
            return fut

    monkeypatch.setattr(corpus, "ProcessPoolExecutor", Boom)
    run = corpus.run_corpus(corpus.corpus_files(tmp_path / "c"), results_file=tmp_path / "r.jsonl")
    assert run.failed and run.results[0]["verdict"] == "error" and "kaboom" in run.results[0]["reason"]
    assert not (tmp_path / "r.jsonl").exists()  # errors are retried, not resumed


def test_a_malformed_corpus_file_is_reported_as_bad_input(tmp_path):
    folder = tmp_path / "c" / "tier1"
    folder.mkdir(parents=True)
    (folder / "bad.smt2").write_text("(declare-fun x () Int)\n")
    r = run_cli("corpus", tmp_path / "c", "--json", "--results", tmp_path / "r.jsonl")
    out = json.loads(r.stdout)
    assert r.returncode == 1 and out["results"][0]["verdict"] == "error"
    assert out["results"][0]["reason"].startswith("bad input:") and "sort Int" in out["results"][0]["reason"]


def test_negative_timeout_is_rejected():
    r = run_cli("check", "instances/tier1/sqrt2.smt2", "--timeout", "-1")
    assert r.returncode == 2 and "must be positive" in r.stderr
