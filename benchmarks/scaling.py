"""Both sides at scale: the blind cross-check on generated formulas of growing size.

Usage:
  PYTHONPATH=src python benchmarks/scaling.py [--sizes 10,30,100,300,1000,3000,10000]
      [--families sat,unsat-unique,unsat-random,promise-violated] [--timeout 120]
      [--memory 4096] [--seed 1] [--results benchmarks/results/scaling.jsonl]
      [--keep-going] [--chart docs/figures/scaling.png] [--table-only] [--log PREFIX]

docs/figures/scaling_unsat_random.png is this script's chart of one family at every size:
`--sizes 10,30,100,300,1000,3000,10000 --families unsat-random --timeout 2000 --memory 14000
--keep-going --chart docs/figures/scaling_unsat_random.png`.

Each (family, size) runs `nnsolve.decision.check.check_formula(..., blind=True)` (the
blind cross-check: the training side is decided from the training instance alone) in
a fresh child process, so that its peak memory is its own; the child reports the
neurons, points, ETR-side time, reduction time, training-side time by stage
(TrainingResult.stages, from the decision's child process), the verdict and the peak
resident memory of itself and of its largest child (solvers, the training decision);
the parent adds the peak of their sum, sampled every second from /proc (``TreePeak``:
the memory of all the processes alive at once, as a sum of resident sizes and of
proportional set sizes; the decision process keeps the PSS sum under ``--memory``,
``nnsolve.solvers.memory.TreeGuard``).
`--timeout` is the limit of each side (`--timeout` of `nnsolve check`); the run is
killed at 4 x timeout + 120 s whatever happens (recorded as such).  After the training
side gave up, the larger sizes of that family run the ETR side and the reduction only
(verdict ``etr-only``), so that the ETR side's growth is measured on every size.

Results are appended to a JSON-lines file as they come; a rerun skips the
(family, size, seed, timeout, code version) combinations already recorded (resumable;
the code version is the last commit that changed src/, so rows of older code stay in
the file and are shown with ``--code COMMIT``).  Within a
family sizes run in increasing order and, unless --keep-going, the training side runs
up to the first size at which it does not decide (the larger ones would not either,
within the same limit); the record says in which stage it gave up.

At the end: a markdown table of every recorded row of this seed and timeout, the fitted
growth exponent of each side per family (least-squares slope of log time against log
constraints over the decided rows), and a log-log chart (matplotlib) of both sides.
"""

from __future__ import annotations

import sys
from pathlib import Path

# benchmarks/numbers.py must not shadow the standard library's numbers module
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import argparse
import json
import math
import os
import resource
import subprocess
import time

ROOT = Path(__file__).resolve().parent.parent
SIZES = (10, 30, 100, 300, 1000, 3000, 10000)
FAMILIES = ("sat", "unsat-unique", "unsat-random", "promise-violated")
DECIDED = ("sat", "unsat", "promise-violated")


def run_etr_only(family: str, size: int, seed: int, timeout: float, memory: int) -> dict:
    """The ETR side alone (and the reduction's size), for sizes past the training side's
    limit (runs in the child process)."""
    from nnsolve.decision.etr import decide_etr
    from nnsolve.formula.generate import family_formula
    from nnsolve.reduction import reduce_formula
    from nnsolve.solvers import Limits, get_solver

    start = time.monotonic()
    formula = family_formula(family, size, seed)
    generated = time.monotonic() - start
    etr = decide_etr(formula, get_solver("z3"), Limits(timeout, memory))
    red, reduce_s = None, 0.0
    if etr.status != "promise-violated":
        t = time.monotonic()
        red = reduce_formula(formula)
        reduce_s = time.monotonic() - t
    row = {
        "family": family, "constraints": len(formula.constraints), "size": size, "seed": seed,
        "timeout": timeout, "memory": memory, "variables": len(formula.variables),
        "expected": formula.status, "generate_s": round(generated, 3),
        "neurons": red.instance.hidden if red is not None else None,
        "points": len(red.instance.points) if red is not None else None,
        "etr": etr.status, "etr_s": round(etr.seconds, 3), "etr_reason": etr.reason,
        "reduce_s": round(reduce_s, 3), "training": None, "training_method": None, "training_s": None,
        "stages": [], "training_reason": "not run: the training side gave up at a smaller size",
        "certificate": None, "check_s": None,
        "verdict": "etr-only" if etr.status != "promise-violated" else "promise-violated",
    }
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    row["peak_rss_mib"] = me.ru_maxrss // 1024
    row["peak_rss_children_mib"] = kids.ru_maxrss // 1024
    return row


def run_one(family: str, size: int, seed: int, timeout: float, memory: int) -> dict:
    """One blind cross-check, measured (runs in the child process)."""
    from nnsolve.decision.check import check_formula
    from nnsolve.formula.generate import family_formula
    from nnsolve.reduction import reduce_formula
    from nnsolve.solvers import Limits, get_solver
    from nnsolve.training.instance import MAX_WORK

    start = time.monotonic()
    formula = family_formula(family, size, seed)
    generated = time.monotonic() - start
    timing = {}

    def timed_reduce(f):
        t = time.monotonic()
        red = reduce_formula(f)
        timing["reduce"] = time.monotonic() - t
        return red

    t = time.monotonic()
    # max_work as `nnsolve check --blind` has it by default: the dense fallback stages
    # (pattern, symmetry encoding) are skipped where points x neurons is too large for them
    report = check_formula(formula, get_solver("z3"), Limits(timeout, memory), instance=f"{family}_{size}_s{seed}",
                           reducer=timed_reduce, blind=True, max_work=MAX_WORK)
    total = time.monotonic() - t
    red = report.reduction
    training = report.training
    etr_seconds = report.etr.seconds
    row = {
        "family": family, "constraints": len(formula.constraints), "size": size, "seed": seed,
        "timeout": timeout, "memory": memory, "variables": len(formula.variables),
        "expected": formula.status, "generate_s": round(generated, 3),
        "neurons": red.instance.hidden if red is not None else None,
        "points": len(red.instance.points) if red is not None else None,
        "etr": report.etr.status, "etr_s": round(etr_seconds, 3), "etr_reason": report.etr.reason,
        "reduce_s": round(timing.get("reduce", 0.0), 3),
        "training": training.status if training is not None else None,
        "training_method": training.method if training is not None else None,
        "training_s": round(training.seconds, 3) if training is not None else None,
        "stages": [list(s) for s in training.stages] if training is not None else [],
        "training_reason": training.reason if training is not None else None,
        "certificate": report.certificate.status if report.certificate is not None else None,
        "check_s": round(total, 3),
        "verdict": report.verdict,
    }
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    row["peak_rss_mib"] = me.ru_maxrss // 1024
    row["peak_rss_children_mib"] = kids.ru_maxrss // 1024
    return row


def _child(args: argparse.Namespace) -> None:
    if args.log:
        import logging

        logging.basicConfig(filename=args.log, level=logging.INFO,
                            format="%(asctime)s %(process)d %(name)s %(levelname)s %(message)s")
    run = run_etr_only if args.etr_only else run_one
    row = run(args.family, args.size, args.seed, args.timeout, args.memory)
    print("ROW " + json.dumps(row), flush=True)


def _load(path: Path) -> list[dict]:
    rows = []
    if path.exists():
        for line in path.read_text().splitlines():
            try:
                rows.append(json.loads(line))
            except ValueError:
                continue  # a line cut short by an interruption
    return rows


def _key(row: dict) -> tuple:
    return row["family"], row["size"], row["seed"], float(row["timeout"]), row.get("code")


def code_version() -> str:
    """The last commit that changed src/ (``+dirty`` with uncommitted changes there): rows
    are kept per code version, so a rerun after a change measures again."""
    def git(*args: str) -> str:
        return subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True).stdout.strip()

    commit = git("log", "-1", "--format=%h", "--", "src") or "unknown"
    return commit + ("+dirty" if git("status", "--porcelain", "--", "src") else "")


def _gave_up(row: dict) -> bool:
    return row.get("family") != "promise-violated" and row.get("training") not in ("sat", "unsat")


class TreePeak:
    """The largest memory of a process tree (``nnsolve.solvers.memory.tree_mib``), as
    a sum of resident sizes (``peak``) and of proportional set sizes (``peak_pss``: a
    page the forked decision process shares with the check process counts once), sampled
    every ``every`` seconds in a thread until ``stop``: the memory of every process
    alive at once (the children's own peaks, from ``getrusage``, are per process and
    need not coincide).

    ``detail`` is who held the memory at the PSS peak: one ``[role, pid, RSS MiB, PSS MiB,
    new]`` per process, where role is ``check`` (the root), ``decision`` (a process with
    the root's command line: forked from it), ``worker`` (a solver child) or the command's
    first words, and ``new`` says the process was not there at the sample before.

    ``peak_pss_steady`` leaves out a process caught between fork and exec: new, and with
    its parent's command line.  Python starts a solver child with vfork; until the exec
    the child runs in its parent's address space, and its ``smaps_rollup`` shows all of
    the parent's memory, which the PSS sum then counts twice (planted 10,000: a 4.6 GiB
    decision process counted twice, 9,918 MiB, against 6,312 MiB without it).  A process
    forked by ``fork`` (its own copy-on-write pages, split between the two by PSS) is left
    out for at most one sample as well; the guard counts a process from its second look
    for the same reason."""

    def __init__(self, pid: int, every: float = 1.0) -> None:
        import threading

        self.pid, self.every, self.peak, self.peak_pss = pid, every, 0, 0
        self.peak_pss_steady, self.detail, self.samples = 0, [], 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        from nnsolve.solvers.memory import _identity, descendants, pss_bytes, rss_bytes

        mib = 1 << 20
        before: set = set()
        root_cmd = _cmdline(self.pid)
        while not self._done.is_set():
            rows, seen, cmds = [], set(), {}
            for p in [self.pid, *descendants(self.pid)]:
                r, identity = rss_bytes(p), _identity(p)  # identity: (parent, start time)
                if not r or identity is None:
                    continue
                seen.add((p, identity))
                cmds[p] = _cmdline(p)
                parent_cmd = cmds[identity[0]] if identity[0] in cmds else _cmdline(identity[0])
                rows.append([_role(p, self.pid, cmds[p], root_cmd), p, r // mib, pss_bytes(p) // mib,
                             (p, identity) not in before, cmds[p] == parent_cmd])
            before = seen
            self.samples += 1
            rss, pss = sum(r[2] for r in rows), sum(r[3] for r in rows)
            self.peak = max(self.peak, rss)
            self.peak_pss_steady = max(self.peak_pss_steady, sum(r[3] for r in rows if not (r[4] and r[5])))
            rows = [r[:5] for r in rows]
            if pss > self.peak_pss:
                self.peak_pss, self.detail = pss, rows
            self._done.wait(self.every)

    def stop(self) -> int:
        self._done.set()
        self._thread.join()
        return self.peak


def _cmdline(pid: int) -> list[str]:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            return fh.read().decode(errors="replace").split("\0")
    except OSError:
        return []


def _role(pid: int, root: int, cmd: list[str], root_cmd: list[str]) -> str:
    if pid == root:
        return "check"
    if cmd == root_cmd:
        return "decision"
    if "nnsolve.solvers.worker" in cmd:
        return "worker"
    return " ".join(Path(c).name for c in cmd[:3])[:60]


def measure(family: str, size: int, args: argparse.Namespace, etr_only: bool = False) -> dict:
    cmd = [sys.executable, __file__, "--child", "--family", family, "--size", str(size), "--seed", str(args.seed),
           "--timeout", str(args.timeout), "--memory", str(args.memory)] + (["--etr-only"] if etr_only else [])
    if args.log:
        cmd += ["--log", f"{args.log}.{family}.{size}.log"]
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT / "src") + os.pathsep + env.get("PYTHONPATH", "")
    limit = 4 * args.timeout + 120
    start = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    sampler = TreePeak(proc.pid)
    try:
        stdout, stderr = proc.communicate(timeout=limit)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        sampler.stop()
        return {"family": family, "size": size, "seed": args.seed, "timeout": args.timeout,
                "verdict": "killed", "error": f"the run was killed after {limit:g} s", "check_s": None}
    peak = sampler.stop()
    for line in stdout.splitlines():
        if line.startswith("ROW "):
            row = json.loads(line[4:])
            row["wall_s"] = round(time.monotonic() - start, 3)
            row["peak_tree_mib"] = peak
            row["peak_tree_pss_mib"] = sampler.peak_pss
            row["peak_tree_pss_steady_mib"] = sampler.peak_pss_steady
            row["peak_tree_detail"] = sampler.detail
            return row
    tail = (stderr or "").strip().splitlines()[-3:]
    return {"family": family, "size": size, "seed": args.seed, "timeout": args.timeout, "verdict": "error",
            "error": f"exit {proc.returncode}: {' | '.join(tail)}", "check_s": None}


def slope(points: list[tuple[float, float]]) -> float | None:
    """Least-squares slope of log(time) against log(constraints)."""
    pts = [(math.log(n), math.log(t)) for n, t in points if n > 0 and t and t > 0]
    if len(pts) < 2:
        return None
    mx = sum(x for x, _ in pts) / len(pts)
    my = sum(y for _, y in pts) / len(pts)
    sxx = sum((x - mx) ** 2 for x, _ in pts)
    return None if sxx == 0 else sum((x - mx) * (y - my) for x, y in pts) / sxx


def _stages(row: dict) -> str:
    return ", ".join(f"{name} {seconds:.1f}" for name, seconds in row.get("stages") or []) or "-"


def table(rows: list[dict]) -> str:
    out = ["| family | constraints | neurons | points | ETR | ETR s | reduce s | training | training s "
           "| stages (s) | verdict | peak MiB (run / largest child / tree at once, RSS sum / PSS sum) |",
           "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        if r.get("verdict") in ("killed", "error"):
            out.append(f"| {r['family']} | {r['size']} | | | | | | | | | {r['verdict']}: {r.get('error', '')} | |")
            continue
        training = r["training"] or "not run"
        if training == "unknown":
            training = "**unknown**"
        out.append(f"| {r['family']} | {r['constraints']} | {r['neurons'] or '-'} | {r['points'] or '-'} "
                   f"| {r['etr']} | {r['etr_s']:.1f} | {r['reduce_s']:.1f} | {training} "
                   f"| {'-' if r['training_s'] is None else format(r['training_s'], '.1f')} "
                   f"| {_stages(r)} | {r['verdict']} | {r['peak_rss_mib']} / {r['peak_rss_children_mib']} "
                   f"/ {r.get('peak_tree_mib', '-')} / {_pss(r)} |")
    return "\n".join(out)


def _pss(row: dict) -> str:
    """The tree's PSS peak; where a process caught between fork and exec (counted with its
    parent's memory) made the raw peak larger, the peak without it, then the raw one."""
    raw, steady = row.get("peak_tree_pss_mib", "-"), row.get("peak_tree_pss_steady_mib")
    return str(raw) if steady is None or steady == raw else f"{steady} ({raw} with a pre-exec child)"


def exponents(rows: list[dict]) -> str:
    out = ["| family | ETR side: exponent (sizes) | training side: exponent (sizes) |", "|---|---|---|"]
    for family in dict.fromkeys(r["family"] for r in rows):
        mine = [r for r in rows if r["family"] == family and r.get("verdict") not in ("killed", "error")]
        etr = [(r["constraints"], r["etr_s"]) for r in mine if r["etr"] in DECIDED]
        tr = [(r["constraints"], r["training_s"]) for r in mine if r.get("training") in ("sat", "unsat")]
        cells = []
        for pts in (etr, tr):
            s = slope(pts)
            cells.append("-" if s is None else f"{s:.2f} ({min(n for n, _ in pts)}-{max(n for n, _ in pts)})")
        out.append(f"| {family} | {cells[0]} | {cells[1]} |")
    return "\n".join(out)


def chart(rows: list[dict], path: Path) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(11, 5))
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    colors = {"sat": "tab:green", "unsat-unique": "tab:red", "unsat-random": "tab:purple",
              "promise-violated": "tab:orange", "unsat": "tab:brown"}
    for family in dict.fromkeys(r["family"] for r in rows):
        mine = sorted((r for r in rows if r["family"] == family and r.get("verdict") not in ("killed", "error")),
                      key=lambda r: r["constraints"])
        c = colors.get(family, "black")
        etr = [(r["constraints"], r["etr_s"]) for r in mine if r["etr"] in DECIDED]
        if etr:
            ax.plot(*zip(*etr), "o-", color=c, label=f"{family}: ETR side")
        tr = [(r["constraints"], r["training_s"]) for r in mine if r.get("training") in ("sat", "unsat")]
        if tr:
            ax.plot(*zip(*tr), "s--", color=c, label=f"{family}: training side (blind)")
        failed = [(r["constraints"], r["training_s"]) for r in mine if r.get("training") == "unknown"]
        if failed:
            ax.plot(*zip(*failed), "x", color=c, markersize=10, label=f"{family}: training side gave up")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("constraints")
    ax.set_ylabel("seconds (wall clock)")
    ax.set_title("blind cross-check: time per side")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5))
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default=",".join(map(str, SIZES)))
    ap.add_argument("--families", default=",".join(FAMILIES))
    ap.add_argument("--timeout", type=float, default=120.0)
    ap.add_argument("--memory", type=int, default=4096)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--results", default=str(ROOT / "benchmarks" / "results" / "scaling.jsonl"))
    ap.add_argument("--chart", default=str(ROOT / "docs" / "figures" / "scaling.png"))
    ap.add_argument("--keep-going", action="store_true", help="run larger sizes after the training side gave up")
    ap.add_argument("--table-only", action="store_true", help="print the recorded results, run nothing")
    ap.add_argument("--no-etr-after", action="store_true",
                    help="after the training side gave up, stop the family (default: the larger sizes run "
                         "the ETR side and the reduction only, for the ETR side's growth)")
    ap.add_argument("--log", help="write each run's log (INFO: stages, memory guard stops) to LOG.FAMILY.SIZE.log")
    ap.add_argument("--code", help="the code version whose rows to use (default: the last commit changing src/)")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--etr-only", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--family", help=argparse.SUPPRESS)
    ap.add_argument("--size", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        _child(args)
        return
    results = Path(args.results)
    results.parent.mkdir(parents=True, exist_ok=True)
    sizes = sorted(int(s) for s in args.sizes.split(",") if s)
    families = [f for f in args.families.split(",") if f]
    code = args.code or code_version()
    if not args.table_only:
        print(f"load average at start: {os.getloadavg()}; code {code}", flush=True)
        for family in families:
            etr_only = False
            for size in sizes:
                done = {_key(r): r for r in _load(results) if r.get("verdict") != "error"}  # errors: retried
                key = (family, size, args.seed, float(args.timeout), code)
                if key in done:
                    row = done[key]
                    print(f"{family} {size}: recorded ({row.get('verdict')})", flush=True)
                else:
                    row = measure(family, size, args, etr_only)
                    row["load"] = [round(v, 2) for v in os.getloadavg()]
                    row["code"] = code
                    with open(results, "a", encoding="utf-8") as fh:
                        fh.write(json.dumps(row) + "\n")
                    print(f"{family} {size}: {row.get('verdict')} (ETR {row.get('etr')} {row.get('etr_s')} s, "
                          f"training {row.get('training')} {_stages(row)}) in {row.get('wall_s')} s", flush=True)
                if row.get("verdict") in ("killed", "error"):
                    break
                if _gave_up(row) and row.get("verdict") != "etr-only" and not args.keep_going:
                    if args.no_etr_after:
                        break
                    etr_only = True
        print(f"load average at end: {os.getloadavg()}", flush=True)
    latest = {_key(r): r for r in _load(results)}  # the last record of each run
    rows = [r for r in latest.values() if r.get("seed") == args.seed and float(r.get("timeout", 0)) == args.timeout
            and r.get("family") in families and r.get("code") == code and r.get("size") in sizes]
    print(f"\nrecorded rows of code {code}, --timeout {args.timeout:g}, seed {args.seed}:")
    rows.sort(key=lambda r: (families.index(r["family"]), r["size"]))
    print()
    print(table(rows))
    print()
    print(exponents(rows))
    if rows and args.chart:
        chart(rows, Path(args.chart))
        print(f"\nchart: {args.chart}")


if __name__ == "__main__":
    main()
