"""Regenerate every figure in docs/figures/ (needs: pip install -e '.[plot]').

    python docs/figures/make_figures.py [--out DIR]

gadget-*.png: each gadget's 1D profile per output for the values 1/2, 1, 2
(kinks marked, free segment shaded, measuring lines dashed).
instance-*.png: the reduction's instance of a small formula with the forward
map's witness: overview, then one row per cluster in sheared coordinates
(stripes as bands, constraint points named, breaklines in orange).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from nnsolve.decision.certificate import forward_certificate
from nnsolve.decision.etr import decide_etr
from nnsolve.formula.smtlib import read_smtlib
from nnsolve.plot import GADGETS, plot_gadget, plot_reduction, save_figure
from nnsolve.reduction import reduce_formula
from nnsolve.solvers import Limits, get_solver

ROOT = Path(__file__).resolve().parents[2]
INSTANCES = ("self_inverse", "golden_ratio")


def make_figures(out: Path) -> list[Path]:
    written = []
    for name in GADGETS:
        path = out / f"gadget-{name}.png"
        save_figure(plot_gadget(name), path)
        written.append(path)
    for name in INSTANCES:
        red = reduce_formula(read_smtlib(ROOT / "instances" / "tier1" / f"{name}.smt2"))
        cert = forward_certificate(red, decide_etr(red.formula, get_solver("z3"), Limits(60, 4096)))
        if cert.network is None:
            raise SystemExit(f"{name}: no witness ({cert.reason})")
        path = out / f"instance-{name}.png"
        save_figure(plot_reduction(red, cert.network, title=f"instances/tier1/{name}.smt2 with the forward "
                                   f"witness: {len(red.instance.points)} points, {red.instance.hidden} neurons"),
                    path)
        written.append(path)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent)
    for path in make_figures(parser.parse_args().out):
        print(path)


if __name__ == "__main__":
    main()
