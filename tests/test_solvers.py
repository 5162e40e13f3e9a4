import time

import pytest

from nnsolve.solvers import Limits, Query, Solver, get_solver
from nnsolve.solvers.yices_backend import yices_binary

QUERY = Query("(declare-fun x () Real)(assert (= (* x x) 2.0))(assert (> x 0.0))(check-sat)", ("x",))
FAST = Limits(timeout=2, memory_mb=1024, grace=3)


def faulty(name):
    return Solver(name, f"faulty_backends:{name}")


@pytest.mark.parametrize("backend,words", [
    ("Crash", "SIGSEGV"), ("Abort", "SIGABRT"), ("Raises", "backend exploded"),
    ("Garbage", "unreadable answer"),
])
def test_crashes_become_unknown(fault_path, backend, words):
    result = faulty(backend).solve(QUERY, FAST)
    assert result.status == "unknown" and words in result.reason


def test_hang_is_killed(fault_path):
    start = time.monotonic()
    result = faulty("Hang").solve(QUERY, Limits(timeout=1, grace=1))
    assert result.status == "unknown" and "timeout" in result.reason
    assert time.monotonic() - start < 30


def test_memory_hog_is_stopped(fault_path):
    result = faulty("MemoryHog").solve(QUERY, Limits(timeout=20, memory_mb=600, grace=3))
    assert result.status == "unknown" and "memory" in result.reason


def test_carries_on_after_faults(fault_path):
    faulty("Crash").solve(QUERY, FAST)
    assert get_solver("z3").solve(QUERY, Limits(timeout=20)).status == "sat"


@pytest.mark.parametrize("name", ["z3", "cvc5"])
def test_real_backends_give_exact_algebraic_models(name):
    result = get_solver(name).solve(QUERY, Limits(timeout=30))
    assert result.status == "sat"
    x = result.model["x"]
    assert x * x == 2


@pytest.mark.skipif(yices_binary() is None, reason="yices-smt2 not installed")
def test_yices_rational_and_inexact_models():
    rational = Query("(declare-fun x () Real)(assert (= (* x 2.0) 1.0))", ("x",))
    result = get_solver("yices").solve(rational, Limits(timeout=30))
    assert result.status == "sat" and result.model["x"] * 2 == 1
    irrational = get_solver("yices").solve(QUERY, Limits(timeout=30))
    assert irrational.status == "sat" and irrational.inexact == ("x",) and "x" not in irrational.model


@pytest.mark.parametrize("name", ["z3", "cvc5", "yices"])
def test_unsat(name):
    q = Query("(declare-fun x () Real)(assert (= (* x x) (- 1.0)))", ("x",))
    assert get_solver(name).solve(q, Limits(timeout=30)).status == "unsat"


def test_factory_rejects_unknown():
    with pytest.raises(ValueError, match="choose one of"):
        get_solver("mathsat")


def test_portfolio_returns_first_decisive_answer_and_cancels_the_rest(fault_path):
    from nnsolve.solvers import Portfolio
    start = time.monotonic()
    pf = Portfolio((faulty("Hang"), get_solver("z3")))
    result = pf.solve(QUERY, Limits(timeout=60, grace=5))
    assert result.status == "sat" and result.solver == "portfolio:z3" and result.model["x"] * result.model["x"] == 2
    assert time.monotonic() - start < 30  # the hanging member was cancelled, not waited for


def test_portfolio_of_failures_is_unknown_with_reasons(fault_path):
    from nnsolve.solvers import Portfolio
    result = Portfolio((faulty("Crash"), faulty("Raises"))).solve(QUERY, FAST)
    assert result.status == "unknown" and "SIGSEGV" in result.reason and "exploded" in result.reason


def test_cancel_kills_the_child(fault_path):
    import threading
    ev = threading.Event()
    threading.Timer(1.0, ev.set).start()
    start = time.monotonic()
    result = faulty("Hang").solve(QUERY, Limits(timeout=60), ev)
    assert result.reason == "cancelled" and time.monotonic() - start < 10


def test_a_request_larger_than_the_pipe_buffer_arrives_when_cancellable():
    """Regression: polling for cancel used to stop writing the request after 64 KiB,
    so big queries with a cancel event (the portfolio, the chain stage) timed out."""
    import threading
    filler = "".join(f"(declare-fun y{i} () Real)(assert (>= y{i} 0.0))" for i in range(3000))
    query = Query(filler + "(declare-fun x () Real)(assert (= (* x x) 2.0))(assert (< x 0.0))(check-sat)")
    assert len(query.smtlib) > 100_000
    result = get_solver("z3").solve(query, Limits(timeout=30), threading.Event())
    assert result.status == "sat"


def test_a_child_ends_on_its_cpu_backstop_without_its_parent(fault_path):
    """The CPU-time limit every one-batch solver child sets itself (``--cpu-seconds``,
    from the runner's command line) ends a busy child by itself: what remains when the
    parent that would kill it at the wall-clock limit is gone.  The worker here has no
    parent watching it (plain subprocess.run, no wall-clock kill)."""
    import json
    import signal
    import subprocess

    from nnsolve.solvers.runner import _worker_command

    command = _worker_command(4096, 1)
    assert command[-2:] == ["--cpu-seconds", "1.0"] and "--memory-mb" in command
    request = json.dumps({"backend": "faulty_backends:Spin", "smtlib": "(check-sat)", "variables": [],
                          "timeout": 3600})
    start = time.monotonic()
    proc = subprocess.run(command, input=request, text=True, capture_output=True, timeout=120)
    assert proc.returncode in (-signal.SIGXCPU, -signal.SIGKILL), (proc.returncode, proc.stderr[-500:])
    assert time.monotonic() - start < 60


def test_a_child_sets_its_own_address_space_limit():
    """The worker's --memory-mb is its RLIMIT_AS, set by the child itself (no preexec_fn)."""
    import resource
    import subprocess
    import sys

    script = ("import resource; from nnsolve.solvers import worker; worker.limit(300, None); "
              "print(resource.getrlimit(resource.RLIMIT_AS)[0])")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert int(out.stdout) == 300 * 1024 * 1024, out.stderr
    assert resource.getrlimit(resource.RLIMIT_AS)[0] != 300 * 1024 * 1024  # the parent's is untouched


def test_a_child_ends_soon_after_its_parent(fault_path):
    """A one-batch child whose parent dies (here: a parent that starts it and exits at
    once) ends within seconds, not at its CPU-time limit (an hour here)."""
    import os
    import subprocess
    import sys

    script = (
        "import json, subprocess, sys\n"
        "from nnsolve.solvers.runner import _worker_command\n"
        "child = subprocess.Popen(_worker_command(4096, 3600), stdin=subprocess.PIPE, text=True,"
        " stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
        "child.stdin.write(json.dumps({'backend': 'faulty_backends:Spin', 'smtlib': '(check-sat)',"
        " 'variables': [], 'timeout': 3600}))\n"
        "child.stdin.close()\n"
        "print(child.pid, flush=True)\n")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    pid = int(out.stdout.split()[0])
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return  # ended
        # a zombie is reaped by init; /proc shows its state
        try:
            with open(f"/proc/{pid}/stat") as f:
                if f.read().split()[2] == "Z":
                    return
        except FileNotFoundError:
            return
        time.sleep(0.5)
    os.kill(pid, 9)
    raise AssertionError("the child outlived its parent by 30 s")
