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
import resource
import signal
import subprocess
import sys
import tempfile
import threading
import time

from nnsolve.numbers import NumberFormatError, from_json
from nnsolve.solvers.base import SAT, UNKNOWN, UNSAT, Limits, Query, SolverResult

log = logging.getLogger(__name__)


def _limit_memory(memory_mb: int, cpu_seconds: float | None = None):
    """The child's limits: its address space, and a CPU-time backstop (the parent kills
    it at the wall-clock limit; if the parent itself is killed first, the child still
    ends once it has used that much CPU)."""
    def apply() -> None:
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        if cpu_seconds is not None:
            cpu = int(cpu_seconds) + 1
            resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
    return apply


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
    except (ValueError, KeyError, TypeError, NumberFormatError) as exc:
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
            raw = json.loads(line)
            if not isinstance(raw, dict):
                raise TypeError(f"not an object: {line[:40]!r}")
            result = _result(raw, name, float(raw.get("seconds", 0.0)))
            query = queries[len(results)]
            if result.pinned and raw.get("pin") != [query.pin, (raw.get("model") or {}).get(query.pin)]:
                # not this query's pin and model value: answers out of step, trust none after
                raise ValueError("a pinned answer that does not echo its query's pin")
            results.append(result)
        except (ValueError, KeyError, TypeError, NumberFormatError) as exc:
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
        proc = subprocess.Popen([sys.executable, "-m", "nnsolve.solvers.worker"],
                                stdin=fh, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, start_new_session=True, env=env,
                                preexec_fn=_limit_memory(limits.memory_mb, 2 * wall + 5))
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
    memory = any(w in err for w in ("MemoryError", "bad_alloc", "out of memory", "Cannot allocate"))
    if memory:
        return f"out of memory (limit {limits.memory_mb} MiB): {tail}"
    if code < 0:
        sig = signal.Signals(-code).name if -code in signal.Signals._value2member_map_ else str(-code)
        hint = " (possibly out of memory)" if sig in ("SIGABRT", "SIGSEGV", "SIGKILL") else ""
        return f"solver crashed with {sig}{hint}"
    return f"solver process exited with code {code}: {tail}"
