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


def pytest_configure(config):
    """Hypothesis draws: the default tier draws the same examples every run (a fixed seed per
    test), so its time is what was measured and stays under the 10-minute budget (random
    draws made the same tests cost 1,090-1,230 CPU seconds from run to run, twenty-second
    session); the slow tier (-m slow), or NNSOLVE_HYPOTHESIS=explore, draws fresh ones."""
    from hypothesis import settings

    settings.register_profile("default-tier", derandomize=True)
    settings.register_profile("explore", derandomize=False)
    chosen = os.environ.get("NNSOLVE_HYPOTHESIS")
    if chosen not in (None, "", "default-tier", "explore"):
        raise pytest.UsageError(f"NNSOLVE_HYPOTHESIS={chosen!r}: allowed: default-tier (fixed draws) or explore "
                                "(fresh draws)")
    settings.load_profile(chosen or ("explore" if _slow_tier(config) else "default-tier"))


def _slow_tier(config) -> bool:
    return "slow" in (config.getoption("-m") or "")


def pytest_collection_modifyitems(config, items):
    """Tests marked slow run only on request (-m slow); the default suite stays fast."""
    if _slow_tier(config):
        return
    skip = pytest.mark.skip(reason="slow tier: run with pytest -m slow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)
