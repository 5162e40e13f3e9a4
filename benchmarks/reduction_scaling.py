"""Reduction time and output size against formula size (planted formulas).

    python benchmarks/reduction_scaling.py --sizes 10,100,1000,3000,10000 --check-up-to 30

Prints a Markdown table and the least-squares exponent of time and size in the
number of constraints (1.0 = linear).  For formulas up to --check-up-to
constraints it also runs the forward map and exact_fit.  ``reduce s`` includes the
exact layout check, which reduce_formula runs on every output; the last column
times that check alone (run a second time).
"""

from __future__ import annotations

import argparse
import math
import sys
import time

from nnsolve.formula.generate import planted_formula
from nnsolve.reduction import forward_map, reduce_formula
from nnsolve.reduction.layout import check_layout, statistics
from nnsolve.training import exact_fit


def slope(xs, ys) -> float:
    lx, ly = [math.log(x) for x in xs], [math.log(y) for y in ys]
    mx, my = sum(lx) / len(lx), sum(ly) / len(ly)
    return sum((a - mx) * (b - my) for a, b in zip(lx, ly)) / sum((a - mx) ** 2 for a in lx)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="10,30,100,300,1000,3000,10000")
    ap.add_argument("--check-up-to", type=int, default=30)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    rows = []
    print("| constraints | variables | + | * | gadgets | hidden m | points | predicted m / points | "
          "reduce s | forward+exact_fit s | layout check s |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for c in [int(s) for s in args.sizes.split(",")]:
        f, sol = planted_formula(c, args.seed)
        t0 = time.perf_counter()
        red = reduce_formula(f)
        t_reduce = time.perf_counter() - t0
        st = statistics(red)
        n, a, i = st["variables"], st["adds"], st["inversions"]
        pred_m, pred_p = 4 * n + 12 * a + 13 * i, 33 * n + 103 * a + 105 * i
        assert (pred_m, pred_p) == (st["hidden"], st["points"]), "size formula mismatch"
        fit = "-"
        t1 = time.perf_counter()
        problems = check_layout(red)
        check = f"{time.perf_counter() - t1:.3f} ({'ok' if not problems else 'PROBLEMS'})"
        if c <= args.check_up_to:
            t1 = time.perf_counter()
            ok = exact_fit(red.instance, forward_map(red, sol)).ok
            fit = f"{time.perf_counter() - t1:.2f} ({'fits' if ok else 'FAILS'})"
        rows.append((c, t_reduce, st["points"], st["hidden"]))
        print(f"| {c} | {n} | {a} | {i} | {sum(st['gadgets'].values())} | {st['hidden']} | {st['points']} | "
              f"{pred_m} / {pred_p} | {t_reduce:.3f} | {fit} | {check} |", flush=True)
    big = [r for r in rows if r[0] >= 100]
    big = big if len(big) >= 2 else rows
    print(f"\nexponents (constraints >= 100): time {slope([r[0] for r in big], [r[1] for r in big]):.2f}, "
          f"points {slope([r[0] for r in big], [r[2] for r in big]):.2f}, "
          f"hidden {slope([r[0] for r in big], [r[3] for r in big]):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
