"""The certified benchmark family (``nnsolve family``) through z3, cvc5 and yices.

Every file x solver at a wall-clock limit (default 60 s) in a process pool; one JSON line
per run in benchmarks/results/family.jsonl, so a rerun skips what is recorded (same file
hash, solver, timeout) and resumes.  Files are taken round-robin over the subfamilies
(each in a fixed shuffled order, taken in proportion to its size), all solvers on a file
before the next, so a run cut short by --budget covers the same share of every subfamily.

Wrong answers: sat on a certified unsat file whose model fails the exact check
(exact_fit of the decoded network on the instance regenerated from the seed), unsat on a
file with a checked witness.  Each is kept under benchmarks/solver-bugs/ with the
solver's version and a reproducer minimized by delta debugging (ddmin over the
assertions while the wrong answer persists).  A sat whose model passes the exact check on
a certified unsat file would be a bug in the certificate: it is flagged "CERTIFICATE!".

    python benchmarks/family.py run --jobs 2 --timeout 60 --budget 2400
    python benchmarks/family.py report --doc docs/benchmarks.md --plot docs/figures/family_cactus.png
"""

from __future__ import annotations

import sys

# benchmarks/numbers.py would shadow the standard library's numbers module (the script's
# folder comes first on sys.path)
sys.path[:] = [p for p in sys.path if p not in ("", __file__.rsplit("/", 1)[0]) and not p.endswith("/benchmarks")]

import argparse  # noqa: E402
import hashlib
import json
import random
import re
import time
from collections import defaultdict
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from pathlib import Path

from nnsolve.decision.family import DEFAULT_DATE, SUBFAMILIES, candidates, family_dir, manifest_path
from nnsolve.encodings.relu import decode_network
from nnsolve.files import write_atomic
from nnsolve.solvers import SAT, UNSAT, Limits, Query, get_solver
from nnsolve.training.network import exact_fit

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "family.jsonl"
BUGS = ROOT / "benchmarks" / "solver-bugs"
SOLVERS = ("z3", "cvc5", "yices")
#: "fast": times include starting the child process (python, nnsolve, the solver's bindings):
#: 1.4 to 2.0 s for a trivial query on the loaded 2-core machine, so 3 s is about 1 s of solving
FAST = 3.0
WEIGHTS = re.compile(r"\(declare-fun ([wabc]_[0-9_]+) \(\) Real\)")


def solver_version(name: str) -> str:
    if name == "z3":
        import z3
        return f"z3 {z3.get_version_string()}"
    if name == "cvc5":
        import cvc5
        version = cvc5.Solver(cvc5.TermManager()).getVersion()
        return f"cvc5 {version.decode() if isinstance(version, bytes) else version}"
    import subprocess
    from nnsolve.solvers.yices_backend import yices_binary
    return subprocess.run([yices_binary(), "--version"], capture_output=True, text=True).stdout.split("\n")[0]


def ordered_files(root: Path, manifest: dict) -> list[dict]:
    """Round-robin over the subfamilies, each in a fixed shuffled order."""
    by_sub = defaultdict(list)
    subs = {i: v["subfamily"] for i, v in manifest["instances"].items()}
    for f in manifest["files"]:
        by_sub[subs[f["instance"]]].append(dict(f, subfamily=subs[f["instance"]]))
    for k, rng in ((k, random.Random(f"family-order-{k}")) for k in by_sub):
        by_sub[k].sort(key=lambda f: f["path"])
        rng.shuffle(by_sub[k])
    # proportional interleaving: next from the subfamily with the smallest share taken so far
    total = {k: len(v) for k, v in by_sub.items()}
    taken = {k: 0 for k in by_sub}
    out = []
    while any(taken[k] < total[k] for k in by_sub):
        k = min((k for k in SUBFAMILIES if k in by_sub and taken[k] < total[k]),
                key=lambda k: (taken[k] / total[k], SUBFAMILIES.index(k)))
        out.append(by_sub[k][taken[k]])
        taken[k] += 1
    return out


def run_one(path: str, text: str, solver: str, timeout: float, memory: int) -> dict:
    variables = tuple(WEIGHTS.findall(text))
    res = get_solver(solver).solve(Query(text, variables), Limits(timeout, memory))
    row = {"status": res.status, "seconds": round(res.seconds, 3), "reason": res.reason}
    if res.status == SAT:
        row["model"] = {k: str(v) if not hasattr(v, "poly") else repr(v) for k, v in (res.model or {}).items()}
        row["inexact"] = bool(res.inexact)
    return row


def model_check(manifest: dict, f: dict, text: str, solver: str, timeout: float, memory: int) -> str:
    """'passes' / 'fails' / 'unverifiable': the solver's model, decoded to a network, on the instance."""
    variables = tuple(WEIGHTS.findall(text))
    res = get_solver(solver).solve(Query(text, variables), Limits(timeout, memory))
    if res.status != SAT or res.inexact or not res.model or len(res.model) < len(variables):
        return "unverifiable"
    sub = manifest["instances"][f["instance"]]["subfamily"]
    inst = next(c.instance for c in candidates(manifest["seed"], [sub]) if c.name == f["instance"])
    return "passes" if exact_fit(inst, decode_network(inst, res.model)).ok else "fails"


def _asserts(text: str) -> tuple[list[str], list[str], list[str]]:
    lines = text.splitlines()
    head = [ln for ln in lines if not ln.startswith("(assert") and ln not in ("(check-sat)", "(exit)")]
    asserts = [ln for ln in lines if ln.startswith("(assert")]
    return head, asserts, ["(check-sat)", "(exit)"]


def ddmin(text: str, still_wrong, budget: float = 600) -> str:
    """Delta debugging (ddmin) over the assertions while ``still_wrong(text)`` holds."""
    head, asserts, tail = _asserts(text)
    build = lambda a: "\n".join(head + a + tail) + "\n"  # noqa: E731
    n, end = 2, time.monotonic() + budget
    while len(asserts) >= 2 and time.monotonic() < end:
        chunk = max(1, len(asserts) // n)
        parts = [asserts[i:i + chunk] for i in range(0, len(asserts), chunk)]
        reduced = False
        for i in range(len(parts)):
            complement = [a for j, p in enumerate(parts) if j != i for a in p]
            if complement and still_wrong(build(complement)):
                asserts, n, reduced = complement, max(n - 1, 2), True
                break
        if not reduced:
            if n >= len(asserts):
                break
            n = min(len(asserts), 2 * n)
    return build(asserts)


def keep_bug(f: dict, text: str, solver: str, row: dict, expected: str, detail: str, timeout: float,
             memory: int) -> Path:
    folder = BUGS / f"{solver}-{Path(f['path']).stem}"
    folder.mkdir(parents=True, exist_ok=True)
    write_atomic(folder / "original.smt2", text)
    wrong = row["status"]

    def still_wrong(t: str) -> bool:
        return get_solver(solver).solve(Query(t), Limits(timeout, memory)).status == wrong

    small = ddmin(text, still_wrong) if wrong == UNSAT else text  # a sat on a subset proves nothing new
    write_atomic(folder / "reproducer.smt2", small)
    write_atomic(folder / "info.json", json.dumps({
        "file": f["path"], "sha256": f["sha256"], "solver": solver_version(solver), "answer": wrong,
        "expected": expected, "certificate": f["certificate"], "detail": detail, "seconds": row["seconds"],
        "reproducer_assertions": len(_asserts(small)[1])}, indent=1) + "\n")
    return folder


def cmd_run(args) -> int:
    root = family_dir(args.root, args.date)
    manifest = json.loads(manifest_path(args.root, args.date).read_text())
    files = ordered_files(root, manifest)
    solvers = tuple(args.solvers.split(","))
    versions = {s: solver_version(s) for s in solvers}
    results = Path(args.results)
    done = set()
    if results.exists():
        for ln in results.read_text().splitlines():
            r = json.loads(ln)
            done.add((r["file"], r["sha256"], r["solver"], r["timeout"]))
    todo = [(f, s) for f in files for s in solvers if (f["path"], f["sha256"], s, args.timeout) not in done]
    if args.limit is not None:
        todo = todo[:args.limit]
    print(f"{len(files)} files x {len(solvers)} solvers; {len(done)} runs recorded, {len(todo)} to do", flush=True)
    start = time.monotonic()
    stopped = 0
    with ProcessPoolExecutor(args.jobs) as pool, results.open("a") as out:
        pending = {}
        queue = list(todo)

        def submit():
            while queue and len(pending) < args.jobs:
                if args.budget and time.monotonic() - start > args.budget:
                    return False
                f, s = queue.pop(0)
                text = (root / f["path"]).read_text()
                pending[pool.submit(run_one, f["path"], text, s, args.timeout, args.memory)] = (f, s, text)
            return True

        submit()
        while pending:
            finished, _ = wait(pending, return_when=FIRST_COMPLETED)
            for fut in finished:
                f, s, text = pending.pop(fut)
                row = fut.result()
                expected = f["status"]
                verdict = "solved" if row["status"] == expected else (
                    "unknown" if row["status"] not in (SAT, UNSAT) else "wrong")
                detail = None
                if verdict == "wrong" and row["status"] == SAT:
                    check = model_check(manifest, f, text, s, args.timeout, args.memory)
                    detail = f"model {check} exact_fit"
                    if check == "passes":
                        verdict = "CERTIFICATE!"
                    elif check == "unverifiable":
                        verdict = "wrong-unverified"
                elif verdict == "wrong":
                    detail = f"unsat on a file whose witness passes exact_fit ({f['certificate']})"
                rec = {"file": f["path"], "sha256": f["sha256"], "subfamily": f["subfamily"], "solver": s,
                       "version": versions[s], "timeout": args.timeout, "expected": expected,
                       "answer": row["status"], "seconds": row["seconds"], "verdict": verdict,
                       "reason": (row.get("reason") or "")[:200], "detail": detail, "bytes": f["bytes"]}
                if verdict in ("wrong", "CERTIFICATE!"):
                    rec["bug_folder"] = str(keep_bug(f, text, s, row, expected, detail, args.timeout,
                                                     args.memory).relative_to(ROOT))
                out.write(json.dumps(rec, sort_keys=True) + "\n")
                out.flush()
                print(f"{time.monotonic() - start:7.0f}s {s:5} {verdict:8} {row['seconds']:6.1f}s {f['path']}",
                      flush=True)
            if not submit():
                stopped = len(queue)
                queue.clear()
    print(f"stopped by --budget with {stopped} runs left" if stopped else "all runs done")
    return 0


def load_rows(path: Path, timeout: float) -> list[dict]:
    rows = {}
    for ln in path.read_text().splitlines():
        r = json.loads(ln)
        if r["timeout"] == timeout:
            rows[r["file"], r["solver"]] = r
    return list(rows.values())


def table(rows: list[dict], manifest: dict, timeout: float) -> str:
    files = {f["path"]: f for f in manifest["files"]}
    subs = {i: v["subfamily"] for i, v in manifest["instances"].items()}
    n_sub = defaultdict(int)
    for f in manifest["files"]:
        n_sub[subs[f["instance"]]] += 1
    cells = defaultdict(lambda: defaultdict(int))
    ran = defaultdict(set)
    for r in rows:
        if r["file"] not in files:
            continue
        key = (r["subfamily"], r["solver"])
        ran[r["subfamily"]].add(r["file"])
        v = r["verdict"]
        cells[key]["solved" if v == "solved" else "unknown" if v == "unknown" else "wrong"] += 1
        if v == "solved" and r["seconds"] <= FAST:
            cells[key]["fast"] += 1
    solvers = sorted({r["solver"] for r in rows})
    out = [f"| subfamily | files (run / all) | " + " | ".join(f"{s}: solved (<= {FAST:g} s) / unknown / wrong"
                                                          for s in solvers) + " |",
           "|---|---|" + "---|" * len(solvers)]
    for sub in SUBFAMILIES:
        row = [sub, f"{len(ran[sub])} / {n_sub[sub]}"]
        for s in solvers:
            c = cells[sub, s]
            row.append(f"{c['solved']} ({c['fast']}) / {c['unknown']} / {c['wrong']}")
        out.append("| " + " | ".join(row) + " |")
    out.append("")
    out.append("| status | " + " | ".join(f"{s}: solved / run" for s in solvers) + " |")
    out.append("|---|" + "---|" * len(solvers))
    for status in ("sat", "unsat"):
        cols = []
        for s in solvers:
            mine = [r for r in rows if r["file"] in files and r["solver"] == s and r["expected"] == status]
            cols.append(f"{sum(r['verdict'] == 'solved' for r in mine)} / {len(mine)}")
        out.append(f"| {status} | " + " | ".join(cols) + " |")
    by_file = defaultdict(dict)
    for r in rows:
        by_file[r["file"]][r["solver"]] = r
    complete = [d for d in by_file.values() if len(d) == len(solvers)]
    none = sum(1 for d in complete if all(r["verdict"] != "solved" for r in d.values()))
    every_fast = sum(1 for d in complete if all(r["verdict"] == "solved" and r["seconds"] <= FAST
                                                for r in d.values()))
    out.append("")
    out.append(f"Of the {len(complete)} files run with every solver: {every_fast} decided by every solver within "
               f"{FAST:g} s (child-process start-up included: 1.4 to 2.0 s for a trivial query), {none} decided by "
               f"none within {timeout:g} s.")
    return "\n".join(out)


def counts(manifest: dict) -> str:
    """Instances and files per subfamily and status, certificate kinds, sizes."""
    inst = manifest["instances"]
    out = ["| subfamily | instances sat / unsat | files sat / unsat | certificates (instances) | "
           "sizes: median / max | MB |", "|---|---|---|---|---|---|"]
    for sub in SUBFAMILIES:
        mine = {n: i for n, i in inst.items() if i["subfamily"] == sub}
        files = [f for f in manifest["files"] if f["instance"] in mine]
        kinds = defaultdict(int)
        for i in mine.values():
            kinds[i["certificate"]] += 1
        sizes = sorted(f["bytes"] for f in files)
        out.append(f"| {sub} | {sum(i['status'] == 'sat' for i in mine.values())} / "
                   f"{sum(i['status'] == 'unsat' for i in mine.values())} | "
                   f"{sum(f['status'] == 'sat' for f in files)} / {sum(f['status'] == 'unsat' for f in files)} | "
                   + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items()))
                   + f" | {sizes[len(sizes) // 2] / 1e3:.0f} KB / {sizes[-1] / 1e3:.0f} KB | {sum(sizes) / 1e6:.1f} |")
    sizes = [f["bytes"] for f in manifest["files"]]
    out.append("")
    out.append(f"{len(sizes)} files ({len(inst)} certified instances of {manifest['candidates']} candidates; the "
               f"others were left out), {sum(sizes) / 1e6:.1f} MB, {sum(b < 500_000 for b in sizes)} under 500 KB, "
               f"largest {max(sizes) / 1e6:.2f} MB.")
    return "\n".join(out)


def coverage(rows: list[dict], manifest: dict, timeout: float, solvers: int = len(SOLVERS)) -> str:
    files = {f["path"] for f in manifest["files"]}
    mine = [r for r in rows if r["file"] in files]
    runs, total = len(mine), len(files) * solvers
    mean = sum(r["seconds"] for r in mine) / runs if runs else timeout
    left = (total - runs) * mean / 2 / 3600
    if runs >= total:
        return (f"Coverage: all {total} runs (file x solver) at {timeout:g} s, on all {len(files)} files (one or "
                f"two workers on a 2-core machine shared with other jobs, load average 2 to 7, so times are "
                f"pessimistic; {mean:.0f} s mean per run). To run again (resumes, skips what is recorded into "
                f"the results file), then redraw:\n\n"
                f"```sh\nPYTHONPATH=src python benchmarks/family.py run --jobs 2 --timeout {timeout:g}\n"
                f"PYTHONPATH=src python benchmarks/family.py report --doc docs/benchmarks.md "
                f"--plot docs/figures/family_cactus.png\n```")
    return (f"Coverage: {runs} of the {total} runs (file x solver) at {timeout:g} s, on "
            f"{len({r['file'] for r in mine})} of the {len(files)} files, taken in proportion from every "
            f"subfamily (one or two workers on a 2-core machine shared with other jobs, load average 2 to 7, so "
            f"times are pessimistic). At the {mean:.0f} s mean per run seen so far, the rest needs about "
            f"{left:.0f} hours with 2 workers. To finish (resumes, skips what is recorded), then redraw:\n\n"
            f"```sh\nPYTHONPATH=src python benchmarks/family.py run --jobs 2 --timeout {timeout:g}\n"
            f"PYTHONPATH=src python benchmarks/family.py report --doc docs/benchmarks.md "
            f"--plot docs/figures/family_cactus.png\n```")


def _splice(body: str, tag: str, text: str) -> str:
    start, end = f"<!-- {tag} -->", f"<!-- /{tag} -->"
    if start not in body or end not in body:
        return body
    a, rest = body.split(start, 1)
    _, b = rest.split(end, 1)
    return a + start + "\n" + text + "\n" + end + b


def cactus(rows: list[dict], path: Path, timeout: float) -> None:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6.5, 4))
    ax = fig.add_subplot()
    for s in sorted({r["solver"] for r in rows}):
        times = sorted(r["seconds"] for r in rows if r["solver"] == s and r["verdict"] == "solved")
        ax.plot(range(1, len(times) + 1), times, marker="o", ms=3, label=f"{s} ({len(times)} solved)")
    ax.set_xlabel("files solved (certified status)")
    ax.set_ylabel("seconds")
    ax.set_yscale("log")
    ax.axhline(timeout, color="grey", lw=0.5, ls="--")
    ran = len({r["file"] for r in rows})
    ax.set_title(f"nnsolve-training family: {ran} files run, {timeout:g} s limit")
    ax.legend()
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)


def cmd_report(args) -> int:
    manifest = json.loads(manifest_path(args.root, args.date).read_text())
    rows = load_rows(Path(args.results), args.timeout)
    text = table(rows, manifest, args.timeout)
    print(text)
    if args.plot:
        cactus(rows, Path(args.plot), args.timeout)
    print(counts(manifest))
    if args.doc:
        doc = Path(args.doc)
        body = _splice(doc.read_text(), "family-table", text)
        body = _splice(body, "family-coverage", coverage(rows, manifest, args.timeout))
        write_atomic(doc, _splice(body, "family-counts", counts(manifest)))
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name in ("run", "report"):
        p = sub.add_parser(name)
        p.add_argument("--root", default=str(ROOT / "encodings"))
        p.add_argument("--date", default=DEFAULT_DATE)
        p.add_argument("--timeout", type=float, default=60.0)
        p.add_argument("--results", default=str(RESULTS))
    run = sub.choices["run"]
    run.add_argument("--jobs", type=int, default=2)
    run.add_argument("--memory", type=int, default=4096)
    run.add_argument("--solvers", default=",".join(SOLVERS))
    run.add_argument("--budget", type=float, default=None, help="stop submitting runs after this many seconds")
    run.add_argument("--limit", type=int, default=None, help="at most this many runs")
    rep = sub.choices["report"]
    rep.add_argument("--doc", default=None)
    rep.add_argument("--plot", default=None)
    args = ap.parse_args(argv)
    return cmd_run(args) if args.cmd == "run" else cmd_report(args)


if __name__ == "__main__":
    sys.exit(main())
