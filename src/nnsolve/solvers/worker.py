"""Child-process entry point: ``python -m nnsolve.solvers.worker``.

Reads one JSON request on stdin: {"backend": "module:Class", "smtlib": ...,
"variables": [...], "logic": ..., "strategy": ..., "timeout": seconds}; writes one JSON
result on stdout.  A batch request has "queries": [{"smtlib", "variables", "logic",
"strategy"}, ...] instead, each decided with "timeout" seconds, and gets one JSON line
per query, in order, each written as soon as it is known.  Anything that goes wrong
becomes {"status": "unknown", "reason"}.
"""

from __future__ import annotations

import importlib
import json
import sys
import time
import traceback

from nnsolve.solvers.base import UNKNOWN, Query


def load_backend(spec: str):
    module, _, cls = spec.partition(":")
    return getattr(importlib.import_module(module), cls)()


def main() -> int:
    request = json.loads(sys.stdin.read())
    if "queries" in request:
        for item in request["queries"]:
            start = time.monotonic()
            result = _answer(request["backend"], item, float(request["timeout"]))
            result["seconds"] = time.monotonic() - start
            sys.stdout.write(json.dumps(result) + "\n")
            sys.stdout.flush()
        return 0
    sys.stdout.write(json.dumps(_answer(request["backend"], request, float(request["timeout"]))))
    sys.stdout.flush()
    return 0


def _answer(backend_spec: str, item: dict, timeout: float) -> dict:
    try:
        backend = load_backend(backend_spec)
        query = Query(item["smtlib"], tuple(item["variables"]), item.get("logic", "QF_NRA"),
                      item.get("strategy", "default"))
        result = backend.solve(query, timeout)
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


if __name__ == "__main__":
    sys.exit(main())
