"""Which planted formulas force their values: exact propagation without guesses.

The value lemmas (``nnsolve.decider.value_lemmas``) carry exact values through the
training residual only where the formula forces values from a local seed: x * x = 1
(so x = 1), then the sums and inverses defined from it.  Exact propagation on the ETR
side (``nnsolve.formula.simplify.Propagation``, rules 1-4, no guessed value) fixes the
same values.  This script prints, per size and seed of the planted family
(``nnsolve gen``, ``planted_formula``): the variables, how many propagation fixes, the
self-inversions x * x = 1 and the variables whose planted value is 1.  A formula is
*rigid* when propagation fixes every variable, *floating* when it fixes none (no seed:
the planted point is found on the ETR side only by guessing values,
``nnsolve.decision.etr._search``).  The value lemmas fix nothing on a floating formula
(sat 10,000, seed 1: 75,888 queries, no value; docs/performance.md).

    PYTHONPATH=src python -P benchmarks/planted_rigidity.py [--sizes 100,300,1000,3000,10000] [--seeds 1-6]
"""

from __future__ import annotations

import argparse
import time

from nnsolve.formula.generate import planted_formula
from nnsolve.formula.model import Inv
from nnsolve.formula.simplify import Contradiction, Propagation


def rigidity(size: int, seed: int) -> dict:
    """One planted formula's row: variables, fixed by propagation, seeds, seconds."""
    start = time.monotonic()
    formula, planted = planted_formula(size, seed)
    prop = Propagation(formula, box=False)
    try:
        prop.propagate()
    except Contradiction as exc:  # a planted formula has a solution: this is a bug
        raise AssertionError(f"planted formula {size}/{seed} refuted: {exc.reason}") from None
    fixed = sum(prop.value(v) is not None for v in formula.variables)
    return {"size": size, "seed": seed, "variables": len(formula.variables), "fixed": fixed,
            "self_inversions": sum(isinstance(c, Inv) and c.x == c.y for c in formula.constraints),
            "ones": sum(q == 1 for q in planted.values()), "seconds": time.monotonic() - start}


def _seeds(text: str) -> list[int]:
    """``lo-hi`` or ``a,b,c`` (argparse type: a bad value is one line and exit 2)."""
    try:
        if "-" in text:
            lo, hi = map(int, text.split("-"))
            seeds = list(range(lo, hi + 1))
        else:
            seeds = [int(s) for s in text.split(",")]
    except ValueError:
        seeds = []
    if not seeds:
        raise argparse.ArgumentTypeError(f"{text!r}: expected a range lo-hi (e.g. 1-6) or a comma list (e.g. 1,4)")
    return seeds


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(s) for s in text.split(",")]
    except ValueError:
        sizes = []
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: expected positive constraint counts, e.g. 100,1000")
    return sizes


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=_sizes, default="100,300,1000,3000,10000")
    parser.add_argument("--seeds", type=_seeds, default="1-6", help="a range lo-hi or a comma list")
    args = parser.parse_args(argv)
    print("| constraints | seed | variables | fixed by propagation | x * x = 1 | value 1 | kind | s |")
    print("|---:|---:|---:|---:|---:|---:|---|---:|")
    for size in args.sizes:
        for seed in args.seeds:
            r = rigidity(size, seed)
            kind = "rigid" if r["fixed"] == r["variables"] else "floating" if r["fixed"] == 0 else "partial"
            print(f"| {size:,} | {seed} | {r['variables']:,} | {r['fixed']:,} | {r['self_inversions']} | "
                  f"{r['ones']} | {kind} | {r['seconds']:.1f} |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
