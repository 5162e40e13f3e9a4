"""Child-process entry point: ``python -m nnsolve.solvers.worker``.

Reads one JSON request on stdin: {"backend": "module:Class", "smtlib": ...,
"variables": [...], "logic": ..., "timeout": seconds}; writes one JSON result
on stdout.  Anything that goes wrong becomes {"status": "unknown", "reason"}.
"""

from __future__ import annotations

import importlib
import json
import sys
import traceback

from nnsolve.solvers.base import UNKNOWN, Query


def load_backend(spec: str):
    module, _, cls = spec.partition(":")
    return getattr(importlib.import_module(module), cls)()


def main() -> int:
    request = json.loads(sys.stdin.read())
    try:
        backend = load_backend(request["backend"])
        query = Query(request["smtlib"], tuple(request["variables"]), request.get("logic", "QF_NRA"),
                      request.get("strategy", "default"))
        result = backend.solve(query, float(request["timeout"]))
    except MemoryError:
        result = {"status": UNKNOWN, "reason": "out of memory"}
    except Exception as exc:  # a backend failure must become a result, not a traceback
        text = str(exc)
        if "memory" in text.lower() or "bad_alloc" in text:
            result = {"status": UNKNOWN, "reason": f"out of memory ({text[:200]})"}
        else:
            last = traceback.format_exception_only(type(exc), exc)[-1].strip()
            result = {"status": UNKNOWN, "reason": f"backend error: {last[:300]}"}
    sys.stdout.write(json.dumps(result))
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
