"""ETR side at scale: decide_etr (exact simplification + solver on what is left).

Usage: PYTHONPATH=src python benchmarks/etr_scaling.py [--plain] [--sizes 2000,5000] FILE.smt2 ...

Prints one row per formula (files, then generated planted formulas of the given
sizes, seed 1): status, wall seconds, CPU seconds of this process and its solver
children, peak RSS, and the growth exponent of CPU time between consecutive rows
of increasing size.  --plain sends the unsimplified formula (the old path)."""

from __future__ import annotations

import argparse
import math
import resource
import time

from nnsolve.decision.etr import decide_etr
from nnsolve.formula.generate import planted_formula
from nnsolve.formula.smtlib import read_smtlib
from nnsolve.solvers import Limits, get_solver


def cpu() -> float:
    s, c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("files", nargs="*")
    ap.add_argument("--sizes", default="")
    ap.add_argument("--plain", action="store_true")
    ap.add_argument("--timeout", type=float, default=60)
    args = ap.parse_args()
    items = [(p, read_smtlib(p)) for p in args.files]
    items += [(f"planted_formula({n}, 1)", planted_formula(n, 1)[0]) for n in map(int, filter(None, args.sizes.split(",")))]
    print("| formula | constraints | status | wall s | CPU s | growth exponent (CPU) | peak RSS MiB (self / solver child) |")
    print("|---|---|---|---|---|---|---|")
    last = None
    for name, f in items:
        t, c = time.monotonic(), cpu()
        r = decide_etr(f, get_solver("z3"), Limits(args.timeout), simplify=not args.plain)
        wall, used = time.monotonic() - t, cpu() - c
        n = len(f.constraints)
        growth = "-"
        if last is not None and n > last[0] and used > 0 and last[1] > 0:
            growth = f"{math.log(used / last[1]) / math.log(n / last[0]):.2f}"
        if r.status in ("sat", "unsat", "promise-violated"):
            last = (n, used)
        rss_self = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
        rss_child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024
        print(f"| {name} | {n} | {r.status} | {wall:.1f} | {used:.1f} | {growth} | {rss_self} / {rss_child} |", flush=True)


if __name__ == "__main__":
    main()
