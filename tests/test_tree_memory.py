"""The tree memory guard (``nnsolve.solvers.memory``): a tree over its budget loses its
largest solver child, whose query answers unknown; a tree under it loses nothing; the
decision process runs the guard with its caller counted."""

import os
import subprocess
import sys
import time

import pytest

from nnsolve.decider import bounded
from nnsolve.decider.result import TrainingResult
from nnsolve.solvers import UNKNOWN, Limits, Query, Solver
from nnsolve.solvers.memory import TreeGuard, cap_growth, descendants, pss_bytes, rss_bytes, tree_mib, tree_sizes_mib

pytestmark = pytest.mark.skipif(not os.path.exists("/proc/self/smaps_rollup"), reason="needs Linux /proc")

QUERY = Query("(declare-fun x () Real)(assert (= (* x x) 2.0))", ("x",))
HOLD = "import sys, time\nblock = b'\\1' * (int(sys.argv[1]) * 1024 * 1024)\nprint('ready', flush=True)\ntime.sleep(120)\n"


def _holder(mib: int) -> subprocess.Popen:
    """A child in a session of its own (as solver children are) holding ``mib`` MiB resident."""
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(mib)], stdout=subprocess.PIPE, text=True,
                            start_new_session=True)
    assert proc.stdout.readline().strip() == "ready"
    return proc


def test_sizes_of_a_child_holding_memory():
    child = _holder(200)
    try:
        assert child.pid in descendants(os.getpid())
        assert rss_bytes(child.pid) >= 200 * 2**20 and pss_bytes(child.pid) >= 200 * 2**20
        assert tree_mib(os.getpid()) >= 200 and tree_mib(os.getpid(), proportional=False) >= 200
        rss, pss = tree_sizes_mib(os.getpid())
        assert rss >= pss >= 200
    finally:
        child.kill()
        child.wait()
    assert pss_bytes(child.pid) == 0 and rss_bytes(child.pid) == 0  # ended: nothing


def test_the_guard_stops_the_largest_child_only_over_budget():
    small, large = _holder(50), _holder(300)
    try:
        now = tree_mib(os.getpid())
        stops = []
        under = TreeGuard(os.getpid(), now + 100, on_stop=stops.append)
        assert under.check() is None and small.poll() is None and large.poll() is None
        over = TreeGuard(os.getpid(), now - 200, on_stop=stops.append)
        stop = over.check()
        assert stop is not None and stop.pid == large.pid and stop.child_mib >= 300 and stops == [stop]
        assert large.wait(timeout=10) < 0 and small.poll() is None  # killed; the small one kept
    finally:
        for proc in (small, large):
            proc.kill()
            proc.wait()


GROW = ("import sys\nprint('ready', flush=True)\nfor line in sys.stdin:\n"
        "    try:\n        block = bytearray(int(line) * 1024 * 1024)\n        print('held', flush=True)\n"
        "    except MemoryError:\n        print('MemoryError', flush=True)\n")


def _grower() -> subprocess.Popen:
    """A child that allocates at once, on request, as many MiB as it is sent."""
    proc = subprocess.Popen([sys.executable, "-c", GROW], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                            start_new_session=True)
    assert proc.stdout.readline().strip() == "ready"
    return proc


def _ask(proc: subprocess.Popen, mib: int) -> str:
    proc.stdin.write(f"{mib}\n")
    proc.stdin.flush()
    return proc.stdout.readline().strip()


def test_a_sudden_allocation_past_the_budget_fails_in_the_child():
    """Under the budget the guard caps each child's growth at what the budget has left:
    an allocation of more than that, at once (between two looks), fails in the child,
    which goes on; once the budget has room again, the same allocation succeeds."""
    child = _grower()
    try:
        tight = TreeGuard(os.getpid(), tree_mib(os.getpid()) + 300)
        assert tight.check() is None and child.poll() is None  # under the budget: nothing stopped
        assert _ask(child, 1500) == "MemoryError"
        assert _ask(child, 100) == "held"  # small allocations still pass
        roomy = TreeGuard(os.getpid(), tree_mib(os.getpid()) + 4000)
        assert roomy.check() is None
        assert _ask(child, 1500) == "held"  # the soft limit went up again
    finally:
        child.kill()
        child.wait()


def test_cap_growth_of_an_ended_process_is_refused():
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    assert cap_growth(child.pid, 2**20) is False


def test_the_guard_never_stops_its_root():
    guard = TreeGuard(os.getpid(), 1)  # a budget the root alone passes, no children
    assert guard.check() is None


def test_a_solver_over_the_trees_budget_answers_unknown_in_the_decision(fault_path, monkeypatch):
    """Through ``decide_bounded``: the decision's solver child grows past what the tree
    may hold (under its own limit), the guard (in the calling process) caps or stops it,
    and its query answers unknown, out of memory, in seconds rather than at its time
    limit (without the guard it holds 3 GiB until then)."""
    def _decide(method, instance, solver, limits, progress=None, max_work=None):
        start = time.monotonic()
        answer = Solver("resident-hog", "faulty_backends:ResidentHog").solve(QUERY, Limits(60, 4096))
        return TrainingResult(answer.status, method, answer.solver, time.monotonic() - start, reason=answer.reason)

    monkeypatch.setattr(bounded, "decide_with", _decide)
    budget = tree_mib(os.getpid()) + 700
    result = bounded.decide_bounded("structured", None, None, Limits(timeout=60, memory_mb=budget))
    assert result.status == UNKNOWN and ("out of memory" in result.reason or "SIGKILL" in result.reason), \
        result.reason
    assert result.seconds < 30


def test_a_budget_with_little_left_for_the_solvers_is_logged_once(caplog):
    child = _holder(20)
    try:
        guard = TreeGuard(os.getpid(), tree_mib(os.getpid()) + 100)
        with caplog.at_level("WARNING", logger="nnsolve.solvers.memory"):
            assert guard.check() is None and guard.check() is None
        assert len([r for r in caplog.records if "a larger --memory" in r.getMessage()]) == 1
        roomy = TreeGuard(os.getpid(), tree_mib(os.getpid()) + 2000)
        caplog.clear()
        with caplog.at_level("WARNING", logger="nnsolve.solvers.memory"):
            roomy.check()
        assert not caplog.records
    finally:
        child.kill()
        child.wait()
