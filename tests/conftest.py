import os
import sys
from functools import lru_cache
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


@lru_cache(maxsize=None)
def benchmark_module(name: str):
    """benchmarks/<name>.py, loaded by path (that directory's numbers.py would shadow the
    standard library's on sys.path)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_cli(*args, cwd=ROOT, timeout=300):
    import subprocess
    return subprocess.run([sys.executable, "-m", "nnsolve", *map(str, args)], capture_output=True,
                          text=True, cwd=cwd, timeout=timeout)


def pytest_collection_modifyitems(config, items):
    """Tests marked slow run only on request (-m slow); the default suite stays fast."""
    if "slow" in (config.getoption("-m") or ""):
        return
    skip = pytest.mark.skip(reason="slow tier: run with pytest -m slow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)
