"""The certified benchmark family (nnsolve.decision.family, ``nnsolve family``)."""

from __future__ import annotations

import json
import shutil
import time
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from nnsolve.decision.family import (DEFAULT_DATE, SUBFAMILIES, Certified, candidates, certify, family_dir,
                                     generate_family, header_problems, manifest_path, render, validate_family)
from nnsolve.training.instance import DataPoint, TrainingInstance
from nnsolve.training.network import Network, Neuron, exact_fit

ROOT = Path(__file__).resolve().parent.parent
ENC = ROOT / "encodings"
FAMILY = family_dir(ENC)
MANIFEST = manifest_path(ENC)


def _manifest() -> dict:
    return json.loads(MANIFEST.read_text())


def _sample_text() -> str:
    c = next(c for c in candidates(1, ["gadgets"]) if c.witness is not None)
    return render(Certified(c, "sat", "witness:gadget-canonical", "sat: a sentence", c.witness, ()), "direct",
                  DEFAULT_DATE, 1)


def test_committed_family_meets_the_issue_sizes():
    m = _manifest()
    sizes = [f["bytes"] for f in m["files"]]
    assert len(sizes) >= 300
    assert max(sizes) <= 5_000_000
    assert sum(s < 500_000 for s in sizes) > len(sizes) / 2
    assert {i["subfamily"] for i in m["instances"].values()} == set(SUBFAMILIES)
    assert {i["status"] for i in m["instances"].values()} == {"sat", "unsat"}
    # every subfamily has unsat and sat members, each instance in more than one encoding
    for sub in SUBFAMILIES:
        assert {i["status"] for i in m["instances"].values() if i["subfamily"] == sub} == {"sat", "unsat"}, sub
    per_instance = {}
    for f in m["files"]:
        per_instance.setdefault(f["instance"], set()).add(f["encoding"])
    assert all(len(e) >= 2 for e in per_instance.values())


def test_generation_is_deterministic_and_reproduces_the_committed_files(tmp_path):
    """Witnessed candidates of every subfamily (no solver involved) generated twice give
    the same bytes, and the same bytes as the committed family."""
    names = {"V_x3_w4", "VBI_x1_w13", "inv_xx", "inv_xx_relabelled1", "planted_2x10_s1000", "planted_6x40_s1001"}
    outs = []
    for k in range(2):
        out = tmp_path / f"run{k}"
        generate_family(out, 1, DEFAULT_DATE, jobs=1, select=lambda c: c.name in names)
        outs.append({p.relative_to(out): p.read_bytes() for p in out.rglob("*.smt2")})
    assert outs[0] == outs[1]
    assert len(outs[0]) == sum(len(c.encodings) for c in candidates(1) if c.name in names)
    for rel, data in outs[0].items():
        assert (ENC / rel).read_bytes() == data, rel


def test_header_check_accepts_a_rendered_file_and_rejects_malformed_ones():
    good = _sample_text()
    assert header_problems(good, "crafted") == []
    broken = {
        "version": good.replace("(set-info :smt-lib-version 2.6)\n", "", 1),
        "license": good.replace('(set-info :license "https://creativecommons.org/licenses/by/4.0/")\n', ""),
        "category": good.replace('(set-info :category "crafted")', '(set-info :category "hard")'),
        "category-kind": good.replace('(set-info :category "crafted")', '(set-info :category "random")'),
        "status": good.replace("(set-info :status sat)", "(set-info :status unknown)"),
        "two statuses": good.replace("(set-info :status sat)", "(set-info :status sat)\n(set-info :status sat)"),
        "check-sat": good.replace("(check-sat)", "(check-sat)\n(check-sat)"),
        "exit": good.replace("(exit)\n", ""),
        "publication": good.replace("NeurIPS 2023", "somewhere"),
        "date": good.replace("Generated on: 2026-11-28", "Generated on: today"),
        "source line": good.replace("Target solver: z3, cvc5, yices\n", ""),
        "two sources": good.replace("(set-info :license", '(set-info :source "x")\n(set-info :license'),
    }
    for what, text in broken.items():
        assert header_problems(text, "crafted"), what


def test_an_uncertified_candidate_is_left_out():
    """A wrong witness fails exact_fit; unproved lemmas leave the minimality route open."""
    c = next(c for c in candidates(1, ["planted"]) if c.witness is not None and c.instance.hidden == 2)
    n = c.witness.neurons[0]
    bad = Network((Neuron(n.w, n.b + 1, n.a),) + c.witness.neurons[1:], c.witness.bias)
    from dataclasses import replace
    assert certify(replace(c, witness=bad), {}) is None or exact_fit(c.instance, bad).ok
    narrow = next(c for c in candidates(1, ["gadgets"]) if c.name == "V_x1_w3")
    assert certify(narrow, {"variable": "unknown"}, timeout=30) is None


@settings(max_examples=25, deadline=None)
@given(st.sampled_from([c for c in candidates(1, ["planted", "gadgets"]) if c.witness is not None]),
       st.integers(0, 10_000), st.sampled_from([Fraction(1), Fraction(-1, 2), Fraction(3)]))
def test_a_moved_label_breaks_every_recorded_witness(c, index, delta):
    """The witness check is not vacuous: moving any one label makes exact_fit fail."""
    i = index % len(c.instance.points)
    pts = list(c.instance.points)
    pts[i] = DataPoint(pts[i].x, (pts[i].y[0] + delta, pts[i].y[1]))
    assert exact_fit(c.instance, c.witness).ok
    assert not exact_fit(TrainingInstance(tuple(pts), c.instance.hidden), c.witness).ok


def test_validator_passes_on_the_committed_family():
    """Headers, manifest (sha256, sizes, certificate shapes), parsing of every file by yices and
    of every file under 500 KB (456 of 498) by z3 and cvc5, and 12 recorded witnesses
    re-checked on regenerated instances.  The full check (every file in every parser, every
    witness) is the slow test below and ``nnsolve family --check``."""
    start = time.monotonic()
    assert validate_family(ENC, witnesses=12, parse_max_bytes={"cvc5": 500_000, "z3": 500_000}) == []
    print(f"validator: {time.monotonic() - start:.1f} s")


def test_validator_catches_a_tampered_family(tmp_path):
    out = tmp_path / "enc"
    shutil.copytree(ENC / "non-incremental", out / "non-incremental")
    root = family_dir(out)
    m = _manifest()
    unsat = next(f for f in m["files"] if f["status"] == "unsat" and f["bytes"] < 100_000)
    p = root / unsat["path"]
    p.write_text(p.read_text().replace("(set-info :status unsat)", "(set-info :status sat)"))
    extra = root / "planted" / "extra.smt2"
    extra.write_text(_sample_text())
    problems = validate_family(out, parsers=(), regenerate=False)
    assert any(unsat["path"] in q and "sha256" in q for q in problems)
    assert any(unsat["path"] in q and "status" in q for q in problems)
    assert any("extra.smt2" in q for q in problems)


@pytest.mark.slow
def test_the_full_validation_passes():
    """What ``nnsolve family --check`` does: every file in all three parsers, every witness."""
    assert validate_family(ENC, witnesses=None) == []


def test_the_cli_check_reports_a_valid_family(capsys):
    from nnsolve.cli import main

    assert main(["family", "--check", "-o", str(ENC), "--parsers", "", "--witnesses", "2"]) == 0
    assert "family is valid" in capsys.readouterr().out


@pytest.mark.parametrize("args, wanted", [
    (["--date", "2026"], "--date"), (["--date", "20261340"], "--date"), (["--jobs", "0"], "--jobs"),
    (["--timeout", "-5"], "--timeout"), (["--check", "--witnesses", "-1"], "--witnesses"),
    (["--check", "--parsers", "foo"], "allowed: z3, cvc5, yices"), (["--seed", "abc"], "--seed"),
])
def test_bad_family_options_are_one_line_and_exit_2(args, wanted, capsys, tmp_path):
    from nnsolve.cli import main

    with pytest.raises(SystemExit) as exc:
        main(["family", "-o", str(tmp_path)] + args)
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert wanted in err[-1] and err[-1].startswith("nnsolve family: error:")
    assert not any(tmp_path.iterdir())  # nothing written
