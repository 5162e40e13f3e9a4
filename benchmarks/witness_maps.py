"""Cost of the reduction's witness maps by size: forward certificate and backward map.

Usage:
  PYTHONPATH=src python -P benchmarks/witness_maps.py [--sizes 300,1000,3000,10000] [--seed 1]

For each size: the planted sat formula ``family_formula("sat", size, seed)``, its ETR
model (``decide_etr`` with z3), the reduction, the forward certificate (forward map and
``exact_fit``), and the backward map applied to the forward network (it reads every
variable gadget at every cross-section; the decider's networks are read the same way).
Prints one table row per size; the results are kept in docs/performance.md.
"""

from __future__ import annotations

import argparse
import sys
import time


def main(argv=None) -> int:
    from nnsolve.decision.certificate import forward_certificate
    from nnsolve.decision.etr import decide_etr
    from nnsolve.formula.generate import family_formula
    from nnsolve.reduction import backward_map, reduce_formula
    from nnsolve.solvers import Limits, get_solver

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="300,1000,3000")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    print("| constraints | neurons | points | ETR s | reduce s | certificate | certificate s | backward map | backward s |")
    print("|---|---|---|---|---|---|---|---|---|")
    for size in (int(s) for s in args.sizes.split(",")):
        formula = family_formula("sat", size, args.seed)
        t = time.monotonic()
        etr = decide_etr(formula, get_solver("z3"), Limits(600))
        etr_s = time.monotonic() - t
        t = time.monotonic()
        red = reduce_formula(formula)
        reduce_s = time.monotonic() - t
        t = time.monotonic()
        cert = forward_certificate(red, etr)
        cert_s = time.monotonic() - t
        back, back_s = "-", 0.0
        if cert.network is not None:
            t = time.monotonic()
            back = "ok" if backward_map(red, cert.network).ok else "FAILED"
            back_s = time.monotonic() - t
        print(f"| {size:,} | {red.instance.hidden:,} | {len(red.instance.points):,} | {etr_s:.1f} | {reduce_s:.1f} "
              f"| {cert.status} | {cert_s:.1f} | {back} | {back_s:.1f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
