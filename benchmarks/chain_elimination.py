"""Where the training side's time goes as formulas grow: the chain stage's steps, unlimited.

Usage: PYTHONPATH=src python benchmarks/chain_elimination.py [--sizes 10,20,30] [--family sat] [--seed 1]

For each size: the reduction of a generated formula, line counting, then the chain
decomposition run without a time limit up to the end of its global elimination
(``chains:elimination``; the residual query is not asked).  Prints neurons, points,
seconds of line counting, of the kink windows and of the elimination, and the
least-squares growth exponent of each against the number of constraints.  This is
the step at which the blind training side gives up in benchmarks/scaling.py.
"""

from __future__ import annotations

import sys
from pathlib import Path

# benchmarks/numbers.py must not shadow the standard library's numbers module
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import argparse
import math
import os
import time


class _Stop(Exception):
    pass


def slope(points):
    pts = [(math.log(n), math.log(t)) for n, t in points if t > 0]
    if len(pts) < 2:
        return None
    mx = sum(x for x, _ in pts) / len(pts)
    my = sum(y for _, y in pts) / len(pts)
    sxx = sum((x - mx) ** 2 for x, _ in pts)
    return sum((x - mx) * (y - my) for x, y in pts) / sxx if sxx else None


def main() -> None:
    from nnsolve.decider.chains import decide_by_chains
    from nnsolve.decider.line_count import analyse_lines
    from nnsolve.formula.generate import family_formula
    from nnsolve.reduction import reduce_formula
    from nnsolve.solvers import Limits, get_solver
    from nnsolve.training.interpolate import merge_repeated

    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="10,20,30")
    ap.add_argument("--family", default="sat")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    z3 = get_solver("z3")
    print(f"load average at start: {os.getloadavg()}")
    print("| family | constraints | neurons | points | line-count s | chains:windows s | chains:elimination s |")
    print("|---|---|---|---|---|---|---|")
    rows = []
    for n in map(int, args.sizes.split(",")):
        inst = merge_repeated(reduce_formula(family_formula(args.family, n, args.seed)).instance)
        t = time.monotonic()
        lines = analyse_lines(inst, z3, Limits(3600))
        line_s = time.monotonic() - t
        marks = {"windows": time.monotonic()}

        def progress(step: str) -> None:
            marks[step] = time.monotonic()
            if step == "residual":
                raise _Stop

        try:
            decide_by_chains(inst, lines, z3, Limits(3600), progress=progress)
        except _Stop:
            pass
        windows_s = marks.get("elimination", float("nan")) - marks["windows"]
        elim_s = marks.get("residual", float("nan")) - marks.get("elimination", float("nan"))
        rows.append((n, line_s, windows_s, elim_s))
        print(f"| {args.family} | {n} | {inst.hidden} | {len(inst.points)} | {line_s:.1f} | {windows_s:.1f} "
              f"| {elim_s:.1f} |", flush=True)
    for name, k in (("line-count", 1), ("chains:windows", 2), ("chains:elimination", 3)):
        s = slope([(r[0], r[k]) for r in rows if not math.isnan(r[k])])
        print(f"growth exponent of {name}: {'-' if s is None else f'{s:.2f}'}")
    print(f"load average at end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
