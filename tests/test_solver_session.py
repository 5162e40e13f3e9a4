"""Solver.session: one child for many batches (nnsolve.solvers.runner.BatchSession).

Its answers are the ones a child per batch gives (random ETR-INV formulas of every
generated family over several calls), one child answers call after call, and every fault
costs what it costs a batch: a crash, the deadline, an unreadable or out-of-step line or
a cancel make the queries not yet answered unknown with the reason, and the next call
starts a new child and answers."""

import os
import threading
import time

from hypothesis import HealthCheck, given, settings, strategies as st

from nnsolve.formula.generate import FAMILIES, family_formula
from nnsolve.formula.smtlib import to_smtlib
from nnsolve.solvers import Limits, Query, Solver, get_solver
from nnsolve.solvers import runner
from test_solver_batch import assert_answers_agree

MARKERS = Solver("markers", "faulty_backends:Markers")
PID = Query("PID")
OK = Query("(assert true)")


def _pid(result) -> int:
    assert result.reason.startswith("pid="), result
    return int(result.reason[4:])


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(calls=st.lists(st.lists(st.tuples(st.sampled_from(FAMILIES), st.integers(3, 30), st.integers(0, 10**6)),
                               min_size=1, max_size=6), min_size=2, max_size=4))
def test_a_session_answers_as_a_child_per_batch(calls):
    z3 = get_solver("z3")
    limits = Limits(timeout=20)
    with z3.session() as session:
        for drawn in calls:
            formulas = [family_formula(f, n, seed) for f, n, seed in drawn]
            queries = [Query(to_smtlib(f), tuple(sorted(f.variables)), pin=sorted(f.variables)[0])
                       for f in formulas]
            answers = session.solve_many(queries, limits)
            batch = z3.solve_many(queries, limits)
            assert len(answers) == len(queries)
            assert any(a.status != "unknown" for a in answers)  # formulas this small are decided
            assert_answers_agree(formulas, queries, answers, batch)


def test_one_child_answers_call_after_call(fault_path):
    with MARKERS.session() as session:
        pids = {_pid(session.solve_many([PID], Limits(timeout=5))[0]) for _ in range(4)}
    assert len(pids) == 1 and os.getpid() not in pids


def test_close_ends_the_child(fault_path):
    session = MARKERS.session()
    pid = _pid(session.solve_many([PID], Limits(timeout=5))[0])
    session.close()
    time.sleep(0.2)
    assert not _alive(pid)
    session.close()  # twice is harmless


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as fh:  # a zombie is not alive
        return fh.read().split()[2] != "Z"


def test_a_crash_costs_only_the_queries_not_yet_answered_and_the_next_call_answers(fault_path):
    with MARKERS.session() as session:
        before = _pid(session.solve_many([PID], Limits(timeout=5))[0])
        results = session.solve_many([OK, Query("CRASH"), OK], Limits(timeout=5, grace=3))
        assert [r.status for r in results] == ["unsat", "unknown", "unknown"]
        assert all("SIGSEGV" in r.reason and r.reason.startswith("batch:") for r in results[1:])
        after = session.solve_many([PID, OK], Limits(timeout=5))
        assert _pid(after[0]) != before and after[1].status == "unsat"


def test_a_hang_ends_at_the_batch_deadline_and_the_next_call_answers(fault_path):
    with MARKERS.session() as session:
        start = time.monotonic()
        results = session.solve_many([OK, Query("HANG"), OK], Limits(timeout=1, grace=1))
        assert [r.status for r in results] == ["unsat", "unknown", "unknown"]
        assert all("timeout" in r.reason and "whole batch" in r.reason for r in results[1:])
        assert time.monotonic() - start < 10  # the batch's limit is 3 x 1 + 1 s
        assert [r.status for r in session.solve_many([OK], Limits(timeout=5))] == ["unsat"]


def test_out_of_memory_is_unknown_with_the_reason(fault_path):
    with MARKERS.session() as session:
        results = session.solve_many([OK, Query("HOG"), OK], Limits(timeout=20, memory_mb=512))
        # the worker turns a MemoryError into an answer and goes on; a child killed
        # instead would make the last query unknown too: either is a reason, not a hang
        assert [r.status for r in results[:2]] == ["unsat", "unknown"] and results[2].status in ("unsat", "unknown")
        assert "memory" in results[1].reason, results[1].reason
        # a child that ran out of memory once is replaced
        before = _pid(session.solve_many([PID], Limits(timeout=5, memory_mb=512))[0])
        session.solve_many([Query("HOG")], Limits(timeout=20, memory_mb=512))
        assert _pid(session.solve_many([PID], Limits(timeout=5, memory_mb=512))[0]) != before


def test_an_unreadable_or_stray_line_is_unknown_and_trusts_nothing_after(fault_path):
    with MARKERS.session() as session:
        results = session.solve_many([OK, Query("NOTANOBJECT"), OK], Limits(timeout=5, grace=3))
        assert [r.status for r in results] == ["unsat", "unknown", "unknown"]
        assert "unreadable" in results[1].reason and results[2].reason == "batch: an earlier answer was unreadable"
        # a stray line that looks like a pinned answer: out of step, not taken
        results = session.solve_many([Query("PIN", ("x",), pin="x"), Query("STRAYPIN", ("x",), pin="x"), OK],
                                     Limits(timeout=5, grace=3))
        assert results[0].pinned and results[0].model["x"] == 2
        assert [r.status for r in results[1:]] == ["unknown", "unknown"] and not results[1].pinned
        assert "out of step" in results[1].reason
        assert [r.status for r in session.solve_many([OK], Limits(timeout=5))] == ["unsat"]


def test_cancel_ends_a_call(fault_path):
    ev = threading.Event()
    threading.Timer(1.0, ev.set).start()
    start = time.monotonic()
    with MARKERS.session() as session:
        results = session.solve_many([Query("HANG")] * 3, Limits(timeout=60), ev)
        assert all(r.status == "unknown" and r.reason == "batch: cancelled" for r in results)
        assert time.monotonic() - start < 10
        assert [r.status for r in session.solve_many([OK], Limits(timeout=5))] == ["unsat"]


def test_another_memory_limit_or_enough_queries_start_a_new_child(fault_path, monkeypatch):
    with MARKERS.session() as session:
        first = _pid(session.solve_many([PID], Limits(timeout=5, memory_mb=2048))[0])
        second = _pid(session.solve_many([PID], Limits(timeout=5, memory_mb=1024))[0])
        assert first != second
        monkeypatch.setattr(runner, "SESSION_QUERIES", 3)
        pids = [_pid(session.solve_many([PID], Limits(timeout=5, memory_mb=1024))[0]) for _ in range(3)]
        assert pids[0] == pids[1] == second and pids[2] != second  # second had answered 1, then 2 more


def test_an_empty_call_starts_no_child():
    with get_solver("z3").session() as session:
        assert session.solve_many([], Limits(timeout=1)) == []
        assert session._proc is None


def test_a_portfolio_session_is_the_portfolio():
    q = Query("(declare-fun x () Real)(assert (= (* x x) 2.0))(assert (< x 0.0))", ("x",))
    with get_solver("portfolio").session() as session:
        results = session.solve_many([q], Limits(timeout=20))
    assert results[0].status == "sat" and results[0].model["x"] * results[0].model["x"] == 2


def test_a_late_line_of_an_earlier_batch_is_out_of_step(fault_path):
    # batch 1's child writes batch 1's first answer once more, a second later, while batch
    # 2 waits for its first answer: same index, and a pinned answer for the same pin and
    # value, so only the batch number tells it apart
    with MARKERS.session() as session:
        first = session.solve_many([Query("LATE")], Limits(timeout=5))
        assert first[0].status == "unsat"
        time.sleep(1.5)
        second = session.solve_many([Query("PIN", ("x",), pin="x"), OK], Limits(timeout=5))
        assert [r.status for r in second] == ["unknown", "unknown"] and not second[0].pinned
        assert "out of step" in second[0].reason and "batch" in second[0].reason
        assert [r.status for r in session.solve_many([OK], Limits(timeout=5))] == ["unsat"]


def test_an_answer_the_parent_cannot_read_is_unknown_not_a_traceback(fault_path):
    from contextlib import nullcontext

    for make in (MARKERS.session, lambda: nullcontext(MARKERS)):  # a session, and a batch
        with make() as asker:
            results = asker.solve_many([Query("BADMODEL", ("x",)), OK], Limits(timeout=5, grace=3))
            assert [r.status for r in results] == ["unknown", "unknown"]
            assert "unreadable" in results[0].reason
        assert MARKERS.solve(Query("BADMODEL", ("x",)), Limits(timeout=5)).status == "unknown"


def test_a_request_larger_than_a_pipe_buffer_arrives_whole():
    pad = "; " + "x" * 200_000 + "\n"  # a comment: 200 kB of request, the pipe holds 64 kB
    q = Query(pad + "(declare-fun x () Real)(assert (= (* x x) 4.0))(assert (> x 0.0))", ("x",))
    with get_solver("z3").session() as session:
        results = session.solve_many([q, q], Limits(timeout=20))
    assert [(r.status, r.model["x"]) for r in results] == [("sat", 2), ("sat", 2)]


def test_the_child_ends_when_its_parent_dies(fault_path, tmp_path):
    # the parent is killed while its session's child hangs in a query (the child's stdin
    # stays open in no one, and the query would never return): the child must end itself
    import signal
    import subprocess
    import sys

    script = tmp_path / "parent.py"
    script.write_text(
        "import sys\n"
        "from nnsolve.solvers import Limits, Query, Solver\n"
        "session = Solver('markers', 'faulty_backends:Markers').session()\n"
        "print(session.solve_many([Query('PID')], Limits(timeout=5))[0].reason, flush=True)\n"
        "session.solve_many([Query('HANG')], Limits(timeout=600))\n")
    parent = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True,
                              env=dict(os.environ))
    child = int(parent.stdout.readline().strip()[4:])
    time.sleep(0.5)  # the child is in the HANG query now
    assert _alive(child)
    parent.send_signal(signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 10
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not _alive(child)
