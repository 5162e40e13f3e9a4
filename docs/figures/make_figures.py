"""Regenerate every figure in docs/figures/ (needs: pip install -e '.[plot]').

    python docs/figures/make_figures.py [--out DIR]

gadget-*.png: each gadget's 1D profile per output for the values 1/2, 1, 2
(kinks marked, free segment shaded, measuring lines dashed).
instance-*.png: the reduction's instance of a small formula with the forward
map's witness: overview, then one row per cluster in sheared coordinates
(stripes as bands, constraint points named, breaklines in orange).
training-methods-planted.png: the planted benchmark of docs/performance.md, from
benchmarks/results/ (rerun benchmarks/training_methods.py to change it).
"""

from __future__ import annotations

import argparse
import json
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
    path = out / "training-methods-planted.png"
    save_figure(planted_chart(json.loads((ROOT / "benchmarks/results/training_methods_planted.json").read_text())),
                path)
    written.append(path)
    return written


def planted_chart(data: dict):
    """Solved fraction per instance size: the structured method (all seeds) against the
    baseline encodings (every encoding x solver, seed 1), same timeout."""
    from nnsolve.plot.render import new_figure
    sizes = []
    for r in data["rows"]:
        if (r["hidden"], r["points"]) not in sizes:
            sizes.append((r["hidden"], r["points"]))
    fig = new_figure(7.5, 3.6)
    ax = fig.add_subplot(1, 1, 1)
    ours = [[r for r in data["rows"] if (r["hidden"], r["points"]) == s] for s in sizes]
    theirs = [[r for r in data["baselines"] if (r["hidden"], r["points"]) == s] for s in sizes]
    xs = range(len(sizes))
    ax.bar([x - 0.2 for x in xs], [sum(r["status"] == "sat" for r in g) / max(len(g), 1) for g in ours], 0.4,
           label="structured (z3), seeds 1-3", color="tab:orange")
    ax.bar([x + 0.2 for x in xs], [sum(r["status"] == "sat" for r in g) / max(len(g), 1) for g in theirs], 0.4,
           label="baselines: 4 encodings x z3/cvc5/yices, seed 1", color="tab:blue")
    ax.set_xticks(list(xs), [f"{m} x {n}" for m, n in sizes])
    ax.set_xlabel("planted instance: hidden neurons x points")
    ax.set_ylabel("fraction solved")
    ax.set_ylim(0, 1.3)
    ax.set_title(f"planted instances, timeout {data['timeout']:g} s (every sat checked exactly)", fontsize=10)
    ax.legend(fontsize=8, loc="upper right", ncol=2)
    fig.tight_layout()
    return fig


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent)
    for path in make_figures(parser.parse_args().out):
        print(path)


if __name__ == "__main__":
    main()
