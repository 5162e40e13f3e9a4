"""The training side under one wall-clock limit, non-solver steps included.

Each solver query already runs in a child process with its own limit, but the
steps between queries (finding data lines, enumerating kink windows, exact
elimination, decoding and checking a network) run in Python and could outlast
``--timeout`` on large instances.  :func:`decide_bounded` therefore runs the whole
decision in a child process of its own session, listens for the stages it enters,
and kills the child with everything it started when the limit (plus a grace period
for start-up and answering) has passed: the answer is then ``unknown`` with the
stage that ran out, how long each stage took and the last progress line the child
sent of each kind (:data:`nnsolve.decider.result.progress_log`: e.g. how many ite
pieces the local lemmas had left, what the exact route answered).

The child's address space is capped at what it inherits plus ``limits.memory_mb``
(so ``--memory`` bounds what the decision allocates, at any instance size), and
the whole tree (this process, the child and its solvers) is kept under
``limits.memory_mb`` by a :class:`~nnsolve.solvers.memory.TreeGuard` run here (PSS
sum; each solver's growth is capped at what the budget has left, the largest solver
child is stopped when the sum passes it, and its query answers unknown; docs/memory.md): each solver's own limit alone let the tree hold 13 GiB at
once under ``--memory 8000``.

The child is forked (a forkserver starts it when the parent has threads, where a
plain fork is unsafe).  In
a daemonic process (a Dask worker), which may not have children, the decision runs
in-process with the stages' own soft limits.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import resource
import signal
import threading
import time
from dataclasses import replace

from nnsolve.decider.structured import decide_with
from nnsolve.decider.result import TrainingResult, progress_log
from nnsolve.solvers import UNKNOWN, Limits
from nnsolve.solvers.lifetime import end_with
from nnsolve.solvers.memory import TreeGuard
from nnsolve.training import TrainingInstance

log = logging.getLogger(__name__)

#: Seconds beyond the limit for the child's start-up and its answer.
GRACE = 5.0
#: Seconds between two looks of the tree memory guard (a solver grows a few hundred MiB a second at most).
GUARD_EVERY = 0.25


class _Forward(logging.Handler):
    """Sends each :data:`~nnsolve.decider.result.progress_log` line to the parent."""

    def __init__(self, send) -> None:
        super().__init__(logging.INFO)
        self.send = send

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.send("note", record.getMessage())
        except Exception:  # a line that cannot be sent is lost, never the decision
            self.handleError(record)


def _child(method, instance, solver, limits, conn, max_work=None, caller: int | None = None) -> None:
    os.setsid()  # a session of its own: the parent kills it and every solver it started at once
    _end_with(caller)
    _limit_memory(limits.memory_mb)
    start = time.monotonic()
    lock = threading.Lock()  # stages and progress lines come from the decision's threads

    def send(kind: str, payload) -> None:
        with lock:
            conn.send((kind, payload, time.monotonic() - start))

    def progress(stage: str) -> None:
        send("stage", stage)

    # this process's own logger configuration: the parent logs what it is sent
    progress_log.setLevel(logging.INFO)
    progress_log.propagate = False
    progress_log.addHandler(_Forward(send))

    try:
        result = decide_with(method, instance, solver, limits, progress=progress, max_work=max_work)
        conn.send(("result", result, None))
    except BaseException as exc:  # reported to the parent as unknown, never lost
        conn.send(("error", f"{type(exc).__name__}: {exc}", None))
    finally:
        conn.close()


def _end_with(caller: int | None) -> None:
    """End this process within a second of the end of ``caller``, the process that waits
    for its answer, or of its parent (with a forkserver the server, which ends with the
    caller); its solvers then end within a second of it, by their own watchdog.  A
    caller killed by a signal it cannot handle (SIGTERM, SIGKILL: a CI job or a benchmark
    stopped) never runs ``_kill``, and the decision would otherwise go on to its own
    limit, with its solvers, for up to hours at 10,000 constraints."""

    def kill_group() -> None:
        # this process's group (itself, after setsid); its solvers run in sessions of
        # their own and end within a second of it (``nnsolve.solvers.lifetime``)
        os.killpg(os.getpgid(0), signal.SIGKILL)

    end_with(os.getppid(), caller, before_exit=kill_group, name="end-with-caller")


def _limit_memory(memory_mb: int) -> None:
    """Cap the child's address space at what it inherited (the instance, forked from the
    parent) plus ``memory_mb`` MiB (soft limit: the solvers it starts set their own).
    An allocation beyond it raises MemoryError, reported as unknown with the stage."""
    try:
        with open("/proc/self/statm") as fh:
            inherited = int(fh.read().split()[0]) * resource.getpagesize()
        hard = resource.getrlimit(resource.RLIMIT_AS)[1]
        limit = inherited + memory_mb * 1024 * 1024
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (OSError, ValueError):
        log.debug("no address-space limit for the decision process on this system")


def _spans(stages: list[tuple[str, float]], end: float) -> list[tuple[str, float]]:
    return [(name, (stages[i + 1][1] if i + 1 < len(stages) else end) - at) for i, (name, at) in enumerate(stages)]


def _stage_text(stages: list[tuple[str, float]], end: float) -> str:
    return ", ".join(f"{name} {seconds:.1f} s" for name, seconds in _spans(stages, end))


def decide_bounded(method: str, instance: TrainingInstance, solver, limits: Limits = Limits(),
                   grace: float = GRACE, max_work: int | None = None) -> TrainingResult:
    """:func:`nnsolve.decider.structured.decide_with`, answered within ``limits.timeout``
    (+ ``grace``) seconds of wall-clock time whatever the instance's size, the child
    allocating at most ``limits.memory_mb`` MiB beyond what it inherits (``max_work``:
    see ``decide_with``)."""
    if multiprocessing.current_process().daemon:
        return decide_with(method, instance, solver, limits, max_work=max_work)
    start = time.monotonic()
    # fork is fast and safe while this process has one thread; otherwise a forkserver
    ctx = multiprocessing.get_context("fork" if threading.active_count() == 1 else "forkserver")
    receive, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(method, instance, solver, limits, send, max_work, os.getpid()))
    proc.start()
    send.close()
    stages: list[tuple[str, float]] = []
    notes: dict[str, str] = {}  # the child's last progress line of each kind (text before ':')
    noted = threading.Lock()    # notes is written by the guard's thread too
    deadline = start + limits.timeout + grace

    def stopped(stop) -> None:
        text = (f"memory: the tree held {stop.tree_mib} MiB, over --memory {limits.memory_mb} MiB: "
                f"stopped a solver child of {stop.child_mib} MiB (its query answers unknown)")
        with noted:
            notes.pop("memory", None)
            notes["memory"] = text
        log.warning("training side: %s", text)

    # the tree (this process, which holds the instance, the decision and its solvers) under
    # the budget, watched from here: this process only waits, where the decision's own
    # threads could be held up by a long computation in it
    guard = TreeGuard(proc.pid, limits.memory_mb, also=(os.getpid(),), every=GUARD_EVERY, on_stop=stopped)

    def give_up(reason: str) -> TrainingResult:
        guard.close()  # before the kill: no look at a pid that may be reused once reaped
        _kill(proc)
        elapsed = time.monotonic() - start
        where = f" in stage {stages[-1][0]}" if stages else " before the first stage"
        times = f" (stages: {_stage_text(stages, elapsed)})" if stages else ""
        with noted:
            last = f"; last progress: {'; '.join(notes.values())}" if notes else ""
        return TrainingResult(UNKNOWN, method, getattr(solver, "name", "-"), elapsed,
                              reason=reason.format(where=where) + times + last,
                              stages=tuple((name, round(s, 3)) for name, s in _spans(stages, elapsed)))

    try:
        guard.__enter__()  # inside: a thread that cannot start still ends in the cleanup below
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return give_up(f"out of time{{where}}: the training side's limit is {limits.timeout:g} s")
            if not receive.poll(min(left, 0.5)):
                if not proc.is_alive() and not receive.poll(0):
                    return give_up(f"the decision process ended without an answer{{where}} "
                                   f"(exit code {proc.exitcode}; out of memory?)")
                continue
            try:
                kind, payload, at = receive.recv()
            except (EOFError, OSError):
                return give_up(f"the decision process died{{where}} (exit code {proc.exitcode})")
            if kind == "stage":
                stages.append((payload, at))
                log.info("training side: stage %s at %.1f s", payload, at)
            elif kind == "note":
                kind_of = payload.split(":", 1)[0]
                with noted:
                    notes.pop(kind_of, None)  # in the order of their last update
                    notes[kind_of] = payload
                log.info("training side at %.1f s: %s", at, payload)
            elif kind == "error":
                return give_up(f"the decision failed{{where}}: {payload}")
            else:
                guard.close()
                proc.join(grace)
                with noted:
                    memory = notes.get("memory")
                if memory is not None and getattr(payload, "status", None) == UNKNOWN:
                    payload = replace(payload, reason=f"{payload.reason}; {memory}")
                return payload
    finally:
        guard.close()
        receive.close()
        _kill(proc)


def _kill(proc) -> None:
    if proc.pid is None or proc.exitcode is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # the child and every solver process it started
    except (ProcessLookupError, PermissionError):
        pass  # not yet its own session leader: kill the child alone
    if proc.is_alive():
        proc.kill()
    proc.join(5)
