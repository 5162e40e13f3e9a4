"""The public face: the script of docs/api.md runs as written, and the names it promises exist."""

import re
import subprocess
import sys

from conftest import ROOT

import nnsolve


def test_the_api_page_script_runs(tmp_path):
    text = (ROOT / "docs" / "api.md").read_text()
    script = re.search(r"```python\n(.*?)```", text, re.S).group(1)
    assert len(script.strip().splitlines()) <= 10
    run = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("unsat ")
    for name in ("formula.smt2", "training.json", "training.smt2"):
        assert (tmp_path / "out" / name).stat().st_size > 0
    assert nnsolve.read_formula(tmp_path / "out" / "formula.smt2").status == "unsat"
    assert nnsolve.read_training(tmp_path / "out" / "training.json").outputs == 2


def test_every_promised_name_is_there():
    from nnsolve import shortcuts

    for name in shortcuts.__all__:
        assert getattr(nnsolve, name) is getattr(shortcuts, name)
    assert set(shortcuts.__all__) <= set(dir(nnsolve))
    try:
        nnsolve.no_such_thing
    except AttributeError as exc:
        assert "no_such_thing" in str(exc)
    else:
        raise AssertionError("unknown attributes must raise AttributeError")
