"""The scaling benchmark's memory of a whole process tree (benchmarks/scaling.py)."""

import importlib.util
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from nnsolve.solvers.memory import tree_mib

ROOT = Path(__file__).resolve().parent.parent


def _scaling():
    spec = importlib.util.spec_from_file_location("scaling_bench", ROOT / "benchmarks" / "scaling.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="needs Linux /proc")
def test_tree_memory_counts_a_grandchild():
    """A grandchild holding 300 MiB is counted in its grandparent's tree, and gone from
    it once it ends; the sampler's peak sees it."""
    scaling = _scaling()
    hold = "b = bytearray(300 * 1024 * 1024); import sys; sys.stdout.write('ready\\n'); sys.stdout.flush(); input()"
    parent = ("import subprocess, sys; p = subprocess.Popen([sys.executable, '-c', %r], stdin=subprocess.PIPE, "
              "stdout=subprocess.PIPE, text=True); sys.stdout.write(p.stdout.readline()); sys.stdout.flush(); "
              "input(); p.communicate('')" % hold)
    proc = subprocess.Popen([sys.executable, "-c", parent], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        sampler = scaling.TreePeak(proc.pid, every=0.05)
        assert proc.stdout.readline() == "ready\n"
        time.sleep(0.3)
        held = tree_mib(proc.pid, proportional=False)
        assert held >= 300, held
        proc.communicate("\n", timeout=30)
        assert sampler.stop() >= 300 and sampler.peak_pss >= 300
    finally:
        if proc.poll() is None:
            proc.kill()
    assert tree_mib(proc.pid, proportional=False) == 0  # gone: nothing left to count
    assert tree_mib(os.getpid(), proportional=False) > 0  # a process without children is counted too
