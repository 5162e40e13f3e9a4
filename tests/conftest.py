import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TESTS = Path(__file__).resolve().parent


@pytest.fixture
def fault_path(monkeypatch):
    """Make tests/faulty_backends.py importable in solver child processes."""
    old = os.environ.get("PYTHONPATH")
    monkeypatch.setenv("PYTHONPATH", str(TESTS) + (os.pathsep + old if old else ""))
    return TESTS


def run_cli(*args, cwd=ROOT, timeout=300):
    import subprocess
    return subprocess.run([sys.executable, "-m", "nnsolve", *map(str, args)], capture_output=True,
                          text=True, cwd=cwd, timeout=timeout)
