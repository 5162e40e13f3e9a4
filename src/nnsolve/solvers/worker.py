"""Child-process entry point: ``python -m nnsolve.solvers.worker``.

Reads one JSON request on stdin: {"backend": "module:Class", "smtlib": ...,
"variables": [...], "logic": ..., "strategy": ..., "timeout": seconds}; writes one JSON
result on stdout.  A batch request has "queries": [{"smtlib", "variables", "logic",
"strategy"}, ...] instead, each decided with "timeout" seconds, and gets one JSON line
per query, in order, each written as soon as it is known.  Anything that goes wrong
becomes {"status": "unknown", "reason"}.  A query with "pin" (``Query.pin``) whose answer
is sat with an exact value m for it (rational or algebraic) is asked again with
``pin != m`` asserted (``terms.is_value``);
"pinned" is true when that is unsat.

With ``--session`` it reads one batch request a line (with a "batch" number) and answers
each in turn, until stdin ends: one child for many batches (``runner.BatchSession``).

``--memory-mb N`` caps the child's address space (RLIMIT_AS) and ``--cpu-seconds S`` its
CPU time, set by the child itself before it reads anything (the parent has threads, and
code run between fork and exec, ``preexec_fn``, is not safe then).
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import resource
import sys
import time
import traceback

from nnsolve.numbers import NumberFormatError, from_json
from nnsolve.solvers.base import SAT, UNKNOWN, UNSAT, Query
from nnsolve.solvers.lifetime import end_with
from nnsolve.terms import is_value, quote_symbol


def load_backend(spec: str):
    module, _, cls = spec.partition(":")
    return getattr(importlib.import_module(module), cls)()


def limit(memory_mb: int | None, cpu_seconds: float | None) -> None:
    """This process's limits: its address space, and a CPU-time backstop (the parent
    kills a child at the wall-clock limit; if the parent itself is killed first, the
    child still ends once it has used that much CPU).  Inherited by what it starts."""
    if memory_mb is not None:
        size = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (size, size))
    if cpu_seconds is not None:
        cpu = int(cpu_seconds) + 1
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m nnsolve.solvers.worker")
    parser.add_argument("--session", action="store_true")
    parser.add_argument("--memory-mb", type=int)
    parser.add_argument("--cpu-seconds", type=float)
    parser.add_argument("--parent", type=int, help="the process that started this one (default: the parent now)")
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    limit(args.memory_mb, args.cpu_seconds)
    # a parent killed hard (SIGKILL, a benchmark stopped by hand) cannot kill its children,
    # and a one-batch child would otherwise run on to its CPU-time limit
    end_with(os.getppid() if args.parent is None else args.parent)
    if args.session:
        return _session()
    request = json.loads(sys.stdin.read())
    if "queries" in request:
        _answer_batch(request)
        return 0
    sys.stdout.write(json.dumps(_answer(request["backend"], request, float(request["timeout"]))))
    sys.stdout.flush()
    return 0


def _session() -> int:
    """Batch after batch, one JSON request a line, until stdin ends
    (``nnsolve.solvers.runner.BatchSession``): each answer is one line, as for a batch,
    with "batch" and "index" echoed so the parent can tell an answer out of step."""
    for line in sys.stdin:
        _answer_batch(json.loads(line), echo=True)
    return 0


def _answer_batch(request: dict, echo: bool = False) -> None:
    """Each query of a batch request answered on its own line, as soon as it is known;
    with ``echo``, each line repeats the request's "batch" and the query's "index"."""
    for index, item in enumerate(request["queries"]):
        start = time.monotonic()
        result = _answer(request["backend"], item, float(request["timeout"]))
        result["seconds"] = time.monotonic() - start
        if echo:
            result.update(batch=request["batch"], index=index)
        sys.stdout.write(json.dumps(result) + "\n")
        sys.stdout.flush()


def _answer(backend_spec: str, item: dict, timeout: float) -> dict:
    try:
        backend = load_backend(backend_spec)
        query = Query(item["smtlib"], tuple(item["variables"]), item.get("logic", "QF_NRA"),
                      item.get("strategy", "default"), item.get("pin"))
        result = backend.solve_pinned(query, timeout) if query.pin is not None else None
        if result is None:
            result = backend.solve(query, timeout)
        if query.pin is not None:
            if "pinned" not in result:
                try:
                    result["pinned"] = _pinned(backend, query, result, timeout)
                except Exception:  # the first answer stands; only the value check is lost
                    result["pinned"] = False
            if result["pinned"]:  # echoed, so the parent can match it to its query
                result["pin"] = [query.pin, result["model"][query.pin]]
    except MemoryError:
        result = {"status": UNKNOWN, "reason": "out of memory"}
    except Exception as exc:  # a backend failure must become a result, not a traceback
        text = str(exc)
        if "memory" in text.lower() or "bad_alloc" in text:
            result = {"status": UNKNOWN, "reason": f"out of memory ({text[:200]})"}
        else:
            last = traceback.format_exception_only(type(exc), exc)[-1].strip()
            result = {"status": UNKNOWN, "reason": f"backend error: {last[:300]}"}
    return result


def _pinned(backend, query: Query, result: dict, timeout: float) -> bool:
    """Whether every solution has the model's exact value of ``query.pin``: the script
    with pin != m is unsat."""
    if result.get("status") != SAT or query.pin in (result.get("inexact") or ()):
        return False
    try:
        m = from_json((result.get("model") or {})[query.pin])
    except (KeyError, NumberFormatError):
        return False
    try:
        # an algebraic m as "a root of its polynomial in its isolating interval" (is_value)
        other = f"(assert (not {is_value(quote_symbol(query.pin), m)}))"
    except ValueError:
        return False  # a symbol SMT-LIB cannot spell: no check, the answer stays unpinned
    script = query.smtlib.replace("(check-sat)", f"{other}\n(check-sat)", 1) \
        if "(check-sat)" in query.smtlib else f"{query.smtlib}\n{other}\n"
    again = backend.solve(Query(script, (), query.logic, query.strategy), timeout)
    return again.get("status") == UNSAT


if __name__ == "__main__":
    sys.exit(main())
