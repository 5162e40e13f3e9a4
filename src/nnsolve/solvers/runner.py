"""Run one backend on one query in a child process with time and memory limits.

The child is ``python -m nnsolve.solvers.worker`` in its own process group,
with RLIMIT_AS set to the memory limit.  Whatever happens to it (a crash, a
hang past the deadline, memory exhaustion, garbage on stdout) becomes a result
with status unknown and the reason; the parent never hangs and never raises.
"""

from __future__ import annotations

import json
import logging
import os
import select
import signal
import subprocess
import sys
import tempfile
import threading
import time

from nnsolve.numbers import NumberFormatError, from_json
from nnsolve.solvers.base import SAT, UNKNOWN, UNSAT, Limits, Query, SolverResult

log = logging.getLogger(__name__)


def _worker_command(memory_mb: int, cpu_seconds: float | None = None, session: bool = False) -> list[str]:
    """The worker's command line.  The child sets its own limits (``worker.limit``: its
    address space, and a CPU-time backstop) before it reads anything, not through
    ``preexec_fn``: this process has threads, and code between fork and exec is unsafe
    then."""
    command = [sys.executable, "-m", "nnsolve.solvers.worker", "--memory-mb", str(memory_mb),
               "--parent", str(os.getpid())]
    if cpu_seconds is not None:
        command += ["--cpu-seconds", repr(float(cpu_seconds))]
    return command + (["--session"] if session else [])


def run_backend(backend_spec: str, name: str, query: Query, limits: Limits,
                cancel: threading.Event | None = None) -> SolverResult:
    """Decide ``query`` with the backend ``module:Class`` in a fresh child.

    Setting ``cancel`` kills the child and returns unknown ("cancelled")."""
    request = {"backend": backend_spec, **_query_json(query), "timeout": limits.timeout}
    start = time.monotonic()
    code, out, err, stopped = _run_child(request, _solver_calls(query) * limits.timeout + limits.grace, limits,
                                         cancel)
    seconds = time.monotonic() - start
    if stopped is not None:
        return SolverResult(UNKNOWN, name, seconds, reason=stopped)
    if code != 0:
        return SolverResult(UNKNOWN, name, seconds, reason=_describe_exit(code, err, limits))
    try:
        result = _result(json.loads(out), name, seconds)
    except _UNREADABLE as exc:
        return SolverResult(UNKNOWN, name, seconds, reason=f"unreadable answer from child: {exc}")
    log.debug("%s answered %s in %.2f s", name, result.status, seconds)
    return result


def run_backend_batch(backend_spec: str, name: str, queries, limits: Limits,
                      cancel: threading.Event | None = None) -> list[SolverResult]:
    """Decide each of ``queries`` with the backend in *one* child, one after the other,
    each with ``limits.timeout`` seconds (the backend's own limit); the child has
    ``limits.memory_mb`` for all of them and is killed after len(queries) x timeout +
    grace.  For many small queries: a child's start costs about as much as a small
    query (docs/performance.md).  The child writes one JSON line per answer as it goes,
    so a crash, the overall deadline or ``cancel`` loses only the queries not yet
    answered; each of those is unknown with the reason.  Results are in query order."""
    queries = list(queries)
    if not queries:
        return []
    request = {"backend": backend_spec, "queries": [_query_json(q) for q in queries], "timeout": limits.timeout}
    start = time.monotonic()
    wall = sum(map(_solver_calls, queries)) * limits.timeout + limits.grace
    code, out, err, stopped = _run_child(request, wall, limits, cancel)
    if stopped is not None and stopped != "cancelled":
        stopped = f"timeout after {wall:g} s for the whole batch (child killed)"
    results: list[SolverResult] = []
    garbled = False
    for line in out.splitlines()[:len(queries)]:
        try:
            results.append(_line_result(line, queries[len(results)], name))
        except _UNREADABLE as exc:
            # a line cut off by a kill is unreadable too: say why the child was stopped
            results.append(SolverResult(UNKNOWN, name, 0.0, reason=stopped or f"unreadable answer from child: {exc}"))
            garbled = True
            break  # the lines after a garbled one are not trusted to be in order
    if len(results) < len(queries):
        reason = stopped or (_describe_exit(code, err, limits) if code != 0 else
                             "an earlier answer was unreadable" if garbled else "the child ended early")
        seconds = time.monotonic() - start
        results += [SolverResult(UNKNOWN, name, seconds, reason=f"batch: {reason}")
                    for _ in range(len(queries) - len(results))]
    return results


def _line_result(line: str, query: Query, name: str, echo: dict | None = None) -> SolverResult:
    """One answer line of a batch child as ``query``'s result; raises on anything
    malformed or out of step (a pinned answer must name its query's pin and model value;
    ``echo``: fields the line must repeat, e.g. a session's batch and index)."""
    raw = json.loads(line)
    if not isinstance(raw, dict):
        raise TypeError(f"not an object: {line[:40]!r}")
    for key, value in (echo or {}).items():
        if raw.get(key) != value:
            raise ValueError(f"an answer out of step ({key} {raw.get(key)!r}, expected {value!r})")
    result = _result(raw, name, float(raw.get("seconds", 0.0)))
    if result.pinned and raw.get("pin") != [query.pin, (raw.get("model") or {}).get(query.pin)]:
        # not this query's pin and model value: answers out of step, trust none after
        raise ValueError("a pinned answer that does not echo its query's pin")
    return result


class BatchSession:
    """One solver child that answers batch after batch: :func:`run_backend_batch`
    without a child's start (python, the backend's import, its first query: about 0.5 s)
    for each batch.  For stages that ask many small batches (the value lemmas' steps).

    The child (``worker --session``) reads one request a line and writes one answer a
    line, each echoing its batch number and index.  A batch gets the same wall-clock
    limit as :func:`run_backend_batch` (its solver calls x ``limits.timeout`` + grace);
    at that limit, on ``cancel``, a crash, or a line that is unreadable or out of step,
    the child is killed and the queries not yet answered are unknown with the reason,
    exactly as for a batch; the next batch starts a new child.  The child has RLIMIT_AS
    of ``limits.memory_mb`` for its whole life (a batch with another memory limit starts
    a new child), and is replaced after :data:`SESSION_QUERIES` queries, or after an
    answer that ran out of memory, so that what a backend leaks stays bounded.  It has no
    CPU limit; when the parent dies, the worker's watchdog ends it within a second (even
    inside a solver call that ignores its own limit).  Use as a context manager, or call
    :meth:`close`.

    >>> from nnsolve.solvers import get_solver, Query
    >>> with get_solver("z3").session() as session:
    ...     first = session.solve_many([Query("(declare-fun x () Real)(assert (= (* x x) -1.0))")], Limits(10))
    ...     second = session.solve_many([Query("(declare-fun x () Real)(assert (= (* x x) 4.0))", ("x",))], Limits(10))
    >>> first[0].status, second[0].status, abs(second[0].model["x"])
    ('unsat', 'sat', Fraction(2, 1))
    """

    def __init__(self, backend_spec: str, name: str) -> None:
        self.backend_spec, self.name = backend_spec, name
        self._proc: subprocess.Popen | None = None
        self._stderr = None
        self._memory_mb: int | None = None
        self._batches = 0
        self._answered = 0  # queries the current child has answered

    def __enter__(self) -> "BatchSession":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """End the child (if any)."""
        proc, self._proc = self._proc, None
        if proc is not None:
            _kill_group(proc)
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:  # stuck in the kernel: the kill still stands
                log.warning("solver child %d did not end within 5 s of SIGKILL", proc.pid)
            for stream in (proc.stdin, proc.stdout):
                try:
                    stream.close()
                except OSError:
                    pass
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None

    def solve_many(self, queries, limits: Limits = Limits(), cancel: threading.Event | None = None
                   ) -> list[SolverResult]:
        """Each query decided with ``limits.timeout`` seconds, in order, by this session's
        child (the answers :func:`run_backend_batch` gives, without a start per call)."""
        queries = list(queries)
        if not queries:
            return []
        if cancel is not None and cancel.is_set():
            return [SolverResult(UNKNOWN, self.name, 0.0, reason="batch: cancelled") for _ in queries]
        try:
            return self._solve_many(queries, limits, cancel)
        except BaseException:  # no child left busy behind an error (the next write would wait on it)
            self.close()
            raise

    def _solve_many(self, queries: list, limits: Limits, cancel) -> list[SolverResult]:
        if self._proc is not None and (self._memory_mb != limits.memory_mb or self._answered >= SESSION_QUERIES):
            self.close()
        if self._proc is None:
            self._start(limits.memory_mb)
        self._batches += 1
        batch = self._batches
        request = {"backend": self.backend_spec, "queries": [_query_json(q) for q in queries],
                   "timeout": limits.timeout, "batch": batch}
        start = time.monotonic()
        wall = sum(map(_solver_calls, queries)) * limits.timeout + limits.grace
        results: list[SolverResult] = []
        self._stderr.seek(0)  # this batch's messages only (the child's offset is shared)
        self._stderr.truncate()
        try:
            _write_all(self._proc.stdin.fileno(), (json.dumps(request) + "\n").encode())
        except OSError:
            stopped = self._ended()
        else:
            stopped = self._read(queries, results, batch, start + wall, cancel)
        if stopped == "timeout":
            stopped = f"timeout after {wall:g} s for the whole batch (child killed)"
        self._answered += len(results)
        if any(r.status == UNKNOWN and "memory" in (r.reason or "") for r in results):
            self.close()  # a backend that ran out of memory once is not trusted with more queries
        if len(results) < len(queries):
            seconds = time.monotonic() - start
            results += [SolverResult(UNKNOWN, self.name, seconds, reason=f"batch: {stopped}")
                        for _ in range(len(queries) - len(results))]
        return results

    def _start(self, memory_mb: int) -> None:
        env = dict(os.environ)
        env.setdefault("PYTHONHASHSEED", "0")
        stderr = tempfile.TemporaryFile("w+b")
        try:
            # no CPU limit: a session lives for many batches; the parent kills the child at
            # each batch's deadline, and the child ends itself when the parent dies (the
            # worker's watchdog; its stdin ends too)
            self._proc = subprocess.Popen(_worker_command(memory_mb, session=True),
                                          stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr,
                                          bufsize=0, start_new_session=True, env=env)
        except BaseException:
            stderr.close()
            raise
        self._stderr, self._memory_mb, self._answered = stderr, memory_mb, 0

    def _read(self, queries: list, results: list, batch: int, deadline: float,
              cancel: threading.Event | None) -> str | None:
        """Read the batch's answers into ``results``: None when all arrived, else why not
        (the child is then closed)."""
        fd, buffer = self._proc.stdout.fileno(), b""
        poller = select.poll()
        poller.register(fd, select.POLLIN | select.POLLHUP | select.POLLERR)
        while len(results) < len(queries):
            lines = buffer.split(b"\n")
            buffer = lines.pop()
            for line in lines:
                query = queries[len(results)]
                try:
                    results.append(_line_result(line.decode(), query, self.name,
                                                {"batch": batch, "index": len(results)}))
                except _UNREADABLE as exc:  # UnicodeDecodeError is a ValueError
                    results.append(SolverResult(UNKNOWN, self.name, 0.0, reason=f"unreadable answer from child: {exc}"))
                    self.close()  # the lines after a garbled one are not trusted to be in order
                    return "an earlier answer was unreadable"
                if len(results) == len(queries):
                    return None
            if cancel is not None and cancel.is_set():
                self.close()
                return "cancelled"
            left = deadline - time.monotonic()
            if left <= 0:
                self.close()
                return "timeout"
            if poller.poll(1000 * (min(left, 0.25) if cancel is not None else left)):
                chunk = os.read(fd, 1 << 16)
                if not chunk:
                    return self._ended()
                buffer += chunk
        return None

    def _ended(self) -> str:
        """The child has gone: why (its exit), and the session without it."""
        proc = self._proc
        try:
            code = proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            code = None
        self._stderr.seek(0)
        err = self._stderr.read().decode(errors="replace")
        limits = Limits(memory_mb=self._memory_mb)
        self.close()
        return _describe_exit(code, err, limits) if code not in (0, None) else "the child ended early"


def _write_all(fd: int, data: bytes) -> None:
    """All of ``data`` to ``fd`` (a pipe may take it in parts)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


#: what a malformed answer line raises in :func:`_line_result` (JSON nested too deep, a
#: model that is not an object, ...): the line is unreadable, never an error
_UNREADABLE = (ValueError, KeyError, TypeError, AttributeError, RecursionError, NumberFormatError)


#: queries one session child answers before it is replaced (bounds what a backend leaks)
SESSION_QUERIES = 5000


def _solver_calls(query: Query) -> int:
    """How many solver calls the child may make for ``query``: a pin adds the value check."""
    return 2 if query.pin is not None else 1


def _query_json(query: Query) -> dict:
    return {"smtlib": query.smtlib, "variables": list(query.variables), "logic": query.logic,
            "strategy": query.strategy, "pin": query.pin}


def _result(raw: dict, name: str, seconds: float) -> SolverResult:
    """A child's JSON answer as a result; raises on anything malformed."""
    status = raw["status"]
    if status not in (SAT, UNSAT, UNKNOWN):
        raise ValueError(f"bad status {status!r}")
    model = None
    if raw.get("model") is not None:
        model = {k: from_json(v) for k, v in raw["model"].items()}
    pinned = raw.get("pinned", False)
    if not isinstance(pinned, bool) or (pinned and status != SAT):
        raise ValueError(f"bad pinned {pinned!r}")
    return SolverResult(status, name, seconds, model=model, reason=raw.get("reason"),
                        inexact=tuple(raw.get("inexact") or ()), pinned=pinned)


def _run_child(request: dict, wall: float, limits: Limits, cancel: threading.Event | None):
    """Run the worker on ``request`` for at most ``wall`` seconds: (exit code, stdout,
    stderr, why it was stopped or None).  Whatever the child printed before it was
    stopped is returned too."""
    start = time.monotonic()
    env = dict(os.environ)
    env.setdefault("PYTHONHASHSEED", "0")
    # The request goes through a file, not a pipe: communicate() with a timeout stops
    # writing its input on a retry, so a request larger than the pipe buffer (64 KiB)
    # would never arrive when we poll for a cancel request.
    with tempfile.TemporaryFile("w+", encoding="utf-8") as fh:
        fh.write(json.dumps(request))
        fh.seek(0)
        proc = subprocess.Popen(_worker_command(limits.memory_mb, 2 * wall + 5),
                                stdin=fh, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, start_new_session=True, env=env)
    deadline = start + wall
    stopped = None
    while True:
        # short waits so that a cancel request is seen; retrying loses no output
        step = 0.25 if cancel is not None else max(0.0, deadline - time.monotonic())
        try:
            out, err = proc.communicate(timeout=min(step, max(0.0, deadline - time.monotonic())))
            break
        except subprocess.TimeoutExpired:
            if cancel is not None and cancel.is_set():
                stopped = "cancelled"
            elif time.monotonic() >= deadline:
                stopped = f"timeout after {limits.timeout:g} s (child killed)"
            if stopped is not None:
                _kill_group(proc)
                out, err = proc.communicate()
                break
    _kill_group(proc)
    return proc.returncode, out or "", err or "", stopped


def _kill_group(proc: subprocess.Popen) -> None:
    """Kill the child's process group (a backend may have started its own children)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _describe_exit(code: int, err: str, limits: Limits) -> str:
    tail = " ".join(err.strip().splitlines()[-2:])[:200]
    # "can't start new thread": the address-space limit left no room for a thread's stack
    memory = any(w in err for w in ("MemoryError", "bad_alloc", "out of memory", "Cannot allocate",
                                    "can't start new thread"))
    if memory:
        # the child's own words ("MemoryError", "can't start new thread") only say how it
        # noticed: they go to the log, the reason says what to change
        log.info("solver child out of memory: %s", tail)
        return f"out of memory (limit {limits.memory_mb} MiB): more with --memory"
    if code < 0:
        sig = signal.Signals(-code).name if -code in signal.Signals._value2member_map_ else str(-code)
        hint = " (possibly out of memory)" if sig in ("SIGABRT", "SIGSEGV", "SIGKILL") else ""
        return f"solver crashed with {sig}{hint}"
    return f"solver process exited with code {code}: {tail}"
