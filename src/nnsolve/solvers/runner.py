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
    request = json.dumps({"backend": backend_spec, "smtlib": query.smtlib,
                          "variables": list(query.variables), "logic": query.logic,
                          "strategy": query.strategy, "timeout": limits.timeout})
    start = time.monotonic()
    env = dict(os.environ)
    env.setdefault("PYTHONHASHSEED", "0")
    # The request goes through a file, not a pipe: communicate() with a timeout stops
    # writing its input on a retry, so a request larger than the pipe buffer (64 KiB)
    # would never arrive when we poll for a cancel request.
    with tempfile.TemporaryFile("w+", encoding="utf-8") as fh:
        fh.write(request)
        fh.seek(0)
        proc = subprocess.Popen([sys.executable, "-m", "nnsolve.solvers.worker"],
                                stdin=fh, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, start_new_session=True, env=env,
                                preexec_fn=_limit_memory(limits.memory_mb, 2 * (limits.timeout + limits.grace) + 5))
    deadline = start + limits.timeout + limits.grace
    while True:
        # short waits so that a cancel request is seen; retrying loses no output
        step = 0.25 if cancel is not None else max(0.0, deadline - time.monotonic())
        try:
            out, err = proc.communicate(timeout=min(step, max(0.0, deadline - time.monotonic())))
            break
        except subprocess.TimeoutExpired:
            if cancel is not None and cancel.is_set():
                _kill_group(proc)
                proc.communicate()
                return SolverResult(UNKNOWN, name, time.monotonic() - start, reason="cancelled")
            if time.monotonic() >= deadline:
                _kill_group(proc)
                proc.communicate()
                return SolverResult(UNKNOWN, name, time.monotonic() - start,
                                    reason=f"timeout after {limits.timeout:g} s (child killed)")
    seconds = time.monotonic() - start
    if proc.returncode != 0:
        _kill_group(proc)
        return SolverResult(UNKNOWN, name, seconds, reason=_describe_exit(proc.returncode, err, limits))
    try:
        raw = json.loads(out)
        status = raw["status"]
        if status not in (SAT, UNSAT, UNKNOWN):
            raise ValueError(f"bad status {status!r}")
        model = None
        if raw.get("model") is not None:
            model = {k: from_json(v) for k, v in raw["model"].items()}
    except (ValueError, KeyError, TypeError, NumberFormatError) as exc:
        return SolverResult(UNKNOWN, name, seconds, reason=f"unreadable answer from child: {exc}")
    finally:
        _kill_group(proc)
    log.debug("%s answered %s in %.2f s", name, status, seconds)
    return SolverResult(status, name, seconds, model=model, reason=raw.get("reason"),
                        inexact=tuple(raw.get("inexact") or ()))


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
