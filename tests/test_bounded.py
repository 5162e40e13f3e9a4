"""The training side answers within its limit whatever a stage does, and says which
stage ran out and how long each took."""

import threading
import time

import nnsolve.decider.bounded as bounded
from nnsolve.decider.result import TrainingResult, progress_log
from nnsolve.solvers import Limits, get_solver
from nnsolve.training import read_instance

from conftest import ROOT

INSTANCE = read_instance(ROOT / "examples" / "planted_1x6.json")


def _stuck(method, instance, solver, limits, progress=None, max_work=None):
    progress("line-count")
    progress("a-stage-that-never-ends")
    while True:  # pure Python, no solver: only the process limit can stop it
        time.sleep(0.1)


def _stuck_talking(method, instance, solver, limits, progress=None, max_work=None):
    progress("chains:residual")
    progress_log.info("local lemmas: pass 1 at radius 2 done, 900 -> 700 ite pieces")
    # a second thread, as the exact route beside the lemma route
    other = threading.Thread(target=progress_log.info, args=("exact residual route: unknown in 3 s",))
    other.start()
    other.join()
    progress_log.info("local lemmas: pass 2 at radius %d done, 900 -> %d ite pieces", 3, 400)
    while True:
        time.sleep(0.1)


def _crash(method, instance, solver, limits, progress=None, max_work=None):
    progress("line-count")
    raise ZeroDivisionError("boom")


def test_a_stuck_stage_is_cut_at_the_limit(monkeypatch):
    monkeypatch.setattr(bounded, "decide_with", _stuck)
    start = time.monotonic()
    result = bounded.decide_bounded("structured", INSTANCE, get_solver("z3"), Limits(timeout=2), grace=1)
    assert time.monotonic() - start < 2 + 1 + 10  # bounded, with slack for a loaded machine
    assert result.status == "unknown"
    assert "out of time in stage a-stage-that-never-ends" in result.reason
    assert "line-count" in result.reason
    assert [name for name, _ in result.stages] == ["line-count", "a-stage-that-never-ends"]


def test_out_of_time_says_the_last_progress_line_of_each_kind(monkeypatch):
    monkeypatch.setattr(bounded, "decide_with", _stuck_talking)
    result = bounded.decide_bounded("structured", INSTANCE, get_solver("z3"), Limits(timeout=2), grace=1)
    assert result.status == "unknown" and "out of time in stage chains:residual" in result.reason
    last = result.reason.split("; last progress: ", 1)[1]
    # the later lemma line replaced the earlier one; the exact route's line is kept beside it
    assert last == ("exact residual route: unknown in 3 s; "
                    "local lemmas: pass 2 at radius 3 done, 900 -> 400 ite pieces")
    # the parent's own logging was not changed by the child's forwarding
    assert progress_log.handlers == [] and progress_log.propagate


def test_a_crash_in_a_stage_is_unknown_with_the_reason(monkeypatch):
    monkeypatch.setattr(bounded, "decide_with", _crash)
    result = bounded.decide_bounded("structured", INSTANCE, get_solver("z3"), Limits(timeout=30))
    assert result.status == "unknown" and "ZeroDivisionError: boom" in result.reason
    assert "stage line-count" in result.reason


def test_a_decided_instance_reports_its_stages():
    result = bounded.decide_bounded("structured", INSTANCE, get_solver("z3"), Limits(timeout=60))
    assert isinstance(result, TrainingResult) and result.status == "sat"
    names = [name for name, _ in result.stages]
    # 6 points x 1 neuron: the symmetry encoding's brief probe decides before the pattern method
    assert names == ["line-count", "smt-symmetry-probe"]
    assert all(seconds >= 0 for _, seconds in result.stages)


def test_max_work_skips_only_the_dense_stages():
    # planted_1x6 is decided by a dense stage; with max_work below its points x neurons
    # the structured method still runs (line counting) but hands nothing dense on
    result = bounded.decide_bounded("structured", INSTANCE, get_solver("z3"), Limits(timeout=60), max_work=1)
    names = [name for name, _ in result.stages]
    assert result.status == "unknown" and names == ["line-count"]
    assert "skipped" in result.reason and "max_work 1" in result.reason
    baseline = bounded.decide_bounded("symmetry", INSTANCE, get_solver("z3"), Limits(timeout=60), max_work=1)
    assert baseline.status == "unknown" and "too large for the encodings" in baseline.reason


def test_the_decision_process_has_a_memory_limit(monkeypatch):
    def _greedy(method, instance, solver, limits, progress=None, max_work=None):
        progress("line-count")
        hog = bytearray(2 * limits.memory_mb * 1024 * 1024)  # twice what it may allocate
        return hog

    monkeypatch.setattr(bounded, "decide_with", _greedy)
    result = bounded.decide_bounded("structured", INSTANCE, get_solver("z3"), Limits(timeout=30, memory_mb=64))
    assert result.status == "unknown" and "MemoryError" in result.reason and "stage line-count" in result.reason


def test_the_decision_process_ends_when_its_caller_is_killed(tmp_path):
    """A caller killed by SIGKILL (no ``finally`` runs) leaves no decision process behind:
    the decision child, stuck in a stage, ends within seconds (the fork context)."""
    import os
    import signal
    import subprocess
    import sys

    script = tmp_path / "caller.py"
    script.write_text(
        "import os, sys, time\n"
        "sys.path.insert(0, %r)\n"
        "import nnsolve.decider.bounded as bounded\n"
        "from nnsolve.solvers import Limits, get_solver\n"
        "from nnsolve.training import read_instance\n"
        "def stuck(method, instance, solver, limits, progress=None, max_work=None):\n"
        "    print('PID%%d' %% os.getpid(), flush=True)\n"
        "    while True:\n"
        "        time.sleep(0.1)\n"
        "bounded.decide_with = stuck\n"
        "bounded.decide_bounded('structured', read_instance(%r), get_solver('z3'), Limits(timeout=600))\n"
        % (str(ROOT / "src"), str(ROOT / "examples" / "planted_1x6.json")))
    caller = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    try:
        child = int(caller.stdout.readline().strip()[3:])
        time.sleep(1.5)
        os.kill(child, 0)  # the decision process runs
        caller.send_signal(signal.SIGKILL)
        caller.wait()
        def gone() -> bool:  # ended: no such process, or a zombie nobody has reaped yet
            try:
                with open(f"/proc/{child}/stat") as f:
                    return f.read().rsplit(")", 1)[1].split()[0] == "Z"
            except (FileNotFoundError, ProcessLookupError):
                return True

        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if gone():
                break
            time.sleep(0.2)
        else:
            os.kill(child, signal.SIGKILL)
            raise AssertionError("the decision process outlived its caller by 15 s")
    finally:
        if caller.poll() is None:
            caller.kill()
