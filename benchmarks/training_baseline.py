"""Baseline: every training encoding with every solver on planted random instances.

Planted instances (sat by construction): integer weights in [-3, 3], distinct
integer points in [-5, 5]^2, labels from the planted network, fixed seeds.

    python benchmarks/training_baseline.py --timeout 20 --json benchmarks/results/training_baseline.json

prints a Markdown table (paste into docs/performance.md) and writes JSON.
Any unsat on these instances would be a soundness bug and is flagged "UNSAT!".
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from nnsolve.decider.baseline import decide_training
from nnsolve.encodings import ENCODINGS
from nnsolve.files import write_atomic
from nnsolve.solvers import Limits, get_solver
from nnsolve.training.generate import planted_instance

DEFAULT_GRID = "1x5,1x20,2x8,2x20,3x8,4x8,6x40"


def cell(result: dict) -> str:
    if result["status"] == "sat":
        return f"sat {result['seconds']:.1f} s"
    if result["status"] == "unsat":
        return "UNSAT!"
    reason = result.get("reason") or ""
    return "timeout" if "timeout" in reason else "unknown"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--grid", default=DEFAULT_GRID, help="comma list of HIDDENxPOINTS (default: %(default)s)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--timeout", type=float, default=20.0)
    ap.add_argument("--solvers", default="z3,cvc5,yices")
    ap.add_argument("--encodings", default=",".join(ENCODINGS))
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--json", metavar="FILE", help="write all results as JSON")
    args = ap.parse_args(argv)
    grid = [tuple(int(v) for v in g.split("x")) for g in args.grid.split(",")]
    solvers, encodings = args.solvers.split(","), args.encodings.split(",")
    tasks = [(m, n, e, s) for m, n in grid for e in encodings for s in solvers]

    def run(task):
        m, n, e, s = task
        inst, _ = planted_instance(m, n, args.seed)
        r = decide_training(inst, get_solver(s), e, Limits(timeout=args.timeout))
        return {"hidden": m, "points": n, "seed": args.seed, "encoding": e, "solver": s,
                "status": r.status, "seconds": round(r.seconds, 2), "reason": r.reason}

    start = time.monotonic()
    results = []
    with ThreadPoolExecutor(args.jobs) as pool:
        for i, res in enumerate(pool.map(run, tasks), 1):
            results.append(res)
            print(f"[{i}/{len(tasks)}] {res['hidden']}x{res['points']} {res['encoding']:<10} "
                  f"{res['solver']:<5} {cell(res)}", file=sys.stderr, flush=True)
    cols = [(e, s) for e in encodings for s in solvers]
    print(f"| m x n | " + " | ".join(f"{e} / {s}" for e, s in cols) + " |")
    print("|---" * (len(cols) + 1) + "|")
    for m, n in grid:
        row = {(r["encoding"], r["solver"]): r for r in results if (r["hidden"], r["points"]) == (m, n)}
        print(f"| {m} x {n} | " + " | ".join(cell(row[c]) for c in cols) + " |")
    machine = {"python": platform.python_version(), "machine": platform.machine(),
               "processor": platform.processor(), "cpus": __import__("os").cpu_count()}
    print(f"\n{len(tasks)} runs, timeout {args.timeout:g} s, {args.jobs} jobs, "
          f"{time.monotonic() - start:.0f} s wall; {machine}")
    if args.json:
        write_atomic(args.json, json.dumps({"timeout": args.timeout, "jobs": args.jobs, "machine": machine,
                                            "results": results}, indent=1) + "\n")
    return 1 if any(r["status"] == "unsat" for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
