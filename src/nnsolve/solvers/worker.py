"""Child-process entry point: ``python -m nnsolve.solvers.worker``.

Reads one JSON request on stdin: {"backend": "module:Class", "smtlib": ...,
"variables": [...], "logic": ..., "strategy": ..., "timeout": seconds}; writes one JSON
result on stdout.  A batch request has "queries": [{"smtlib", "variables", "logic",
"strategy"}, ...] instead, each decided with "timeout" seconds, and gets one JSON line
per query, in order, each written as soon as it is known.  Anything that goes wrong
becomes {"status": "unknown", "reason"}.  A query with "pin" (``Query.pin``) whose answer
is sat with an exact value m for it is asked again with ``(not (= pin m))`` asserted;
"pinned" is true when that is unsat.

With ``--session`` it reads one batch request a line (with a "batch" number) and answers
each in turn, until stdin ends: one child for many batches (``runner.BatchSession``).
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import threading
import time
import traceback

from fractions import Fraction

from nnsolve.numbers import NumberFormatError, from_json
from nnsolve.solvers.base import SAT, UNKNOWN, UNSAT, Query
from nnsolve.terms import num, quote_symbol


def load_backend(spec: str):
    module, _, cls = spec.partition(":")
    return getattr(importlib.import_module(module), cls)()


def main() -> int:
    if sys.argv[1:] == ["--session"]:
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
    parent = os.getppid()

    def watchdog() -> None:  # the parent gone (even mid-query): end, as a child of one batch would
        while True:
            time.sleep(1)
            if os.getppid() != parent:
                os._exit(3)

    threading.Thread(target=watchdog, daemon=True).start()
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
        result = backend.solve(query, timeout)
        if query.pin is not None:
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
    if not isinstance(m, Fraction):
        return False  # an algebraic value: not written here
    try:
        other = f"(assert (not (= {quote_symbol(query.pin)} {num(m)})))"
    except ValueError:
        return False  # a symbol SMT-LIB cannot spell: no check, the answer stays unpinned
    script = query.smtlib.replace("(check-sat)", f"{other}\n(check-sat)", 1) \
        if "(check-sat)" in query.smtlib else f"{query.smtlib}\n{other}\n"
    again = backend.solve(Query(script, (), query.logic, query.strategy), timeout)
    return again.get("status") == UNSAT


if __name__ == "__main__":
    sys.exit(main())
