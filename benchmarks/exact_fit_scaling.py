"""Exact check of the forward witness: grouped evaluation (training/sweep.py) vs naive.

Usage: PYTHONPATH=src python benchmarks/exact_fit_scaling.py [--naive-max WORK] FILE.smt2 ...

For each formula: reduce, decide the ETR side (simplified), build the forward
witness, time exact_fit with the grouped evaluation and (when points x neurons
<= --naive-max) the naive one; prints a table."""

from __future__ import annotations

import argparse
import resource
import time

from nnsolve.decision.etr import decide_etr
from nnsolve.formula.smtlib import read_smtlib
from nnsolve.reduction import forward_map, reduce_formula
from nnsolve.solvers import Limits, get_solver
from nnsolve.training import exact_fit


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("files", nargs="+")
    ap.add_argument("--naive-max", type=int, default=30_000_000)
    args = ap.parse_args()
    print("| instance | points | neurons | reduce s | ETR s | grouped exact_fit s | naive exact_fit s | fits | peak RSS MiB |")
    print("|---|---|---|---|---|---|---|---|---|")
    for path in args.files:
        f = read_smtlib(path)
        t = time.monotonic()
        red = reduce_formula(f)
        t_red = time.monotonic() - t
        etr = decide_etr(f, get_solver("z3"), Limits(120))
        if etr.status != "sat":
            print(f"| {path} | - | - | {t_red:.1f} | {etr.seconds:.1f} ({etr.status}) | - | - | - | - |")
            continue
        net = forward_map(red, etr.model)
        t = time.monotonic()
        grouped = exact_fit(red.instance, net, grouped=True)
        t_grouped = time.monotonic() - t
        work = len(red.instance.points) * net.hidden
        naive = "-"
        if work <= args.naive_max:
            t = time.monotonic()
            plain = exact_fit(red.instance, net, grouped=False)
            naive = f"{time.monotonic() - t:.1f}"
            assert plain.ok == grouped.ok
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
        print(f"| {path} | {len(red.instance.points)} | {net.hidden} | {t_red:.1f} | {etr.seconds:.1f} | "
              f"{t_grouped:.1f} | {naive} | {grouped.ok} | {rss} |", flush=True)


if __name__ == "__main__":
    main()
