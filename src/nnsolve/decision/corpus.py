"""Running the cross-check over a corpus, resumably, and the certified SMT-LIB files.

Corpus layout: DIR/tierN/*.smt2, each with (set-info :status ...).  Results are
appended to a JSON-lines file as they arrive; a rerun skips every instance
already recorded with the same content hash and options, so an interrupted run
resumes where it stopped.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from nnsolve.decision.certificate import forward_certificate
from nnsolve.decision.check import DISAGREE, check_formula
from nnsolve.decision.etr import PROMISE_VIOLATED, decide_etr, etr_query
from nnsolve.encodings import to_smtlib as training_smtlib
from nnsolve.errors import InputError
from nnsolve.files import write_atomic
from nnsolve.training.instance import MAX_WORK
from nnsolve.formula.smtlib import parse_smtlib, read_smtlib
from nnsolve.reduction import reduce_formula
from nnsolve.solvers import Limits, get_solver


def tier_of(path: Path) -> int | None:
    for part in reversed(path.parts[:-1]):
        m = re.fullmatch(r"tier(\d+)", part)
        if m:
            return int(m.group(1))
    return None


def corpus_files(folder: str | Path, tiers: Iterable[int] | None = None) -> list[Path]:
    files = sorted(Path(folder).rglob("*.smt2"))
    wanted = set(tiers) if tiers else None
    return [f for f in files if wanted is None or tier_of(f) in wanted]


def _key(path: Path, options: dict) -> str:
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    return f"{path.as_posix()}|{digest}|" + json.dumps(options, sort_keys=True)


def check_one(path: str, text: str, solver: str, timeout: float, memory: int, max_work: int,
              blind: bool = False) -> dict:
    """One corpus entry (runs in a worker process or on a cluster worker).  The file's text
    travels with the task, so cluster workers need no shared file system."""
    p = Path(path)
    formula = parse_smtlib(text, path)
    report = check_formula(formula, get_solver(solver), Limits(timeout, memory), instance=path,
                           max_work=max_work, blind=blind)
    expected = formula.status
    decided = report.etr.status in ("sat", "unsat", PROMISE_VIOLATED)
    wrong = decided and expected is not None and report.etr.status != expected
    tr = report.training
    return {"file": path, "tier": tier_of(p), "expected": expected, "etr": report.etr.status,
            "training": None if tr is None else tr.status, "method": None if tr is None else tr.method,
            "verdict": report.verdict, "wrong_status": wrong, "seconds": round(report.seconds, 2),
            "reason": report.reason, "suspect": report.suspect, "blind": blind,
            "certificate": None if report.certificate is None else report.certificate.status}


@dataclass(frozen=True)
class CorpusRun:
    results: list[dict]
    resumed: int

    @property
    def failed(self) -> bool:
        return any(r["verdict"] in (DISAGREE, "error") or r["wrong_status"] for r in self.results)


def error_row(path: Path, exc: BaseException) -> dict:
    """The record of a check that did not finish: bad input, a crash, a worker that died."""
    kind = "bad input" if isinstance(exc, InputError) else f"internal error: {type(exc).__name__}"
    return {"file": str(path), "tier": tier_of(path), "expected": None, "etr": None, "training": None,
            "method": None, "verdict": "error", "wrong_status": False, "seconds": 0.0,
            "reason": f"{kind}: {exc}", "suspect": None}


def _check_record(path: Path) -> None:
    """Fail before the first check, not after it, when the record cannot be appended to."""
    allowed = "a writable file for the JSON-lines record (--results)"
    if path.is_dir():
        raise InputError(str(path), None, None, "cannot record results: it is a folder", allowed)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        existed = path.exists()
        with open(path, "a", encoding="utf-8"):
            pass
        if not existed:
            path.unlink()  # a run that records nothing leaves no file behind
    except OSError as exc:
        raise InputError(str(path), None, None, f"cannot record results ({exc.strerror or exc})", allowed) from exc


def run_corpus(files: list[Path], solver: str = "z3", timeout: float = 60.0, memory: int = 4096,
               jobs: int = 2, results_file: str | Path | None = None, max_work: int = MAX_WORK,
               progress: Callable[[int, int, dict], None] | None = None, blind: bool = False,
               executor: Executor | None = None, check: Callable[..., dict] = check_one) -> CorpusRun:
    """Check ``files``, resuming from ``results_file``.

    ``executor`` runs the checks: any ``concurrent.futures.Executor`` (a Dask cluster's,
    :func:`nnsolve.decision.cluster.cluster_executor`); by default a local process pool of
    ``jobs`` workers.  The record, the resume behaviour and the rows are the same whichever
    runs them; a check that raises (or whose worker dies) is an ``error`` row, not
    recorded, so the next run retries it.  ``check`` is the task (``check_one``; tests pass
    one that crashes).
    """
    options = {"solver": solver, "timeout": timeout, "max_work": max_work}
    if blind:
        options["blind"] = True  # absent when false: records of earlier runs stay valid
    done: dict[str, dict] = {}
    if results_file is not None:
        _check_record(Path(results_file))
    if results_file is not None and Path(results_file).exists():
        for line in Path(results_file).read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                entry = json.loads(line)
                done[entry["key"]] = entry["result"]
            except (ValueError, KeyError):
                continue  # a line cut short by an interruption
    keys = {f: _key(f, options) for f in files}
    results = {f: done[keys[f]] for f in files if keys[f] in done}
    resumed = len(results)
    todo = [f for f in files if f not in results]
    count = resumed
    pool = executor if executor is not None else ProcessPoolExecutor(max(1, jobs))
    try:
        futures = {}
        for f in todo:
            try:
                text = f.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                text = None
                results[f] = error_row(f, InputError(str(f), None, None, f"cannot read file ({exc})"))
                count += 1
                if progress is not None:
                    progress(count, len(files), results[f])
            if text is not None:
                futures[pool.submit(check, str(f), text, solver, timeout, memory, max_work, blind)] = f
        for fut in as_completed(futures):
            f = futures[fut]
            try:
                res = fut.result()
            except Exception as exc:  # a bad file, a bug in one check, a dead worker: not fatal
                res = error_row(f, exc)
            results[f] = res
            count += 1
            if results_file is not None and res["verdict"] != "error":
                with open(results_file, "a", encoding="utf-8") as fh:
                    fh.write(json.dumps({"key": keys[f], "result": res}) + "\n")
                    fh.flush()
                    os.fsync(fh.fileno())
            if progress is not None:
                progress(count, len(files), res)
    finally:
        if executor is None:
            pool.shutdown(cancel_futures=True)
    return CorpusRun([results[f] for f in files], resumed)


# -- certified SMT-LIB files (encodings/) ------------------------------------------------

LICENSE = "MIT (nnsolve)"
#: the benchmark family (``nnsolve family``) shares encodings/; these commands leave it alone
FAMILY_ROOT = "non-incremental"
TRAINING_TIERS = (1,)  # larger tiers' training queries are tens of MB and more


def _with_info(text: str, status: str, source: str) -> str:
    head = [f'(set-info :source "{source}")', f'(set-info :license "{LICENSE}")', f"(set-info :status {status})"]
    lines = [ln for ln in text.splitlines() if not ln.startswith(("(set-info :source", "(set-info :status"))]
    at = next(i for i, ln in enumerate(lines) if ln.startswith("(set-logic"))
    return "\n".join(lines[:at + 1] + head + lines[at + 1:]) + "\n"


def encoding_files(corpus: str | Path) -> dict[Path, str]:
    """Relative path -> text of every certified file for the corpus, deterministically.

    <tier>/<name>.etr.smt2: the formula with the box [1/2, 2]^n; :status sat iff the
    formula's status is sat (unsat and promise-violated formulas have no box solution).
    <tier>/<name>.training.smt2 (tier 1): the reduction's training question (symmetry
    encoding); :status sat when certified by a forward witness that exact_fit confirms,
    otherwise unknown (soundness rests on the written argument of docs/reduction.md; until
    a second reader or a solver confirms it, unsat training queries are not labelled unsat).
    """
    out: dict[Path, str] = {}
    corpus = Path(corpus)
    for f in corpus_files(corpus):
        formula = read_smtlib(f)
        if formula.status is None:
            continue
        rel = f.relative_to(corpus)
        stem = rel.with_suffix("")
        box_status = "sat" if formula.status == "sat" else "unsat"
        out[stem.with_name(stem.name + ".etr.smt2")] = _with_info(
            etr_query(formula, box=True).smtlib, box_status,
            f"nnsolve corpus {rel.as_posix()}: ETR-INV formula with the box [1/2, 2]^n")
        if tier_of(f) in TRAINING_TIERS:
            red = reduce_formula(formula)
            status = "unknown"
            if formula.status == "sat":
                etr = decide_etr(formula, get_solver("z3"), Limits(timeout=120))
                status = "sat" if forward_certificate(red, etr).status == "sat" else "unknown"
            out[stem.with_name(stem.name + ".training.smt2")] = _with_info(
                training_smtlib(red.instance, "symmetry"), status,
                f"nnsolve corpus {rel.as_posix()}: exact training of the reduction's instance "
                f"({red.instance.hidden} neurons, {len(red.instance.points)} points), symmetry encoding")
    return out


def _corpus_encodings(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*.smt2") if p.relative_to(folder).parts[0] != FAMILY_ROOT]


def stale_encodings(corpus: str | Path, folder: str | Path, want: dict[Path, str] | None = None) -> list[str]:
    """Files in ``folder`` that differ from what ``encoding_files`` makes (or are missing/extra).
    ``want``: ``encoding_files(corpus)`` when the caller has it already."""
    want = encoding_files(corpus) if want is None else want
    folder = Path(folder)
    have = {p.relative_to(folder) for p in _corpus_encodings(folder)}
    problems = [f"missing {p}" for p in sorted(set(want) - have)]
    problems += [f"extra {p}" for p in sorted(have - set(want))]
    problems += [f"stale {p}" for p in sorted(set(want) & have) if (folder / p).read_text() != want[p]]
    return problems


def write_encodings(corpus: str | Path, folder: str | Path) -> int:
    folder = Path(folder)
    want = encoding_files(corpus)
    for p in _corpus_encodings(folder):
        if p.relative_to(folder) not in want:
            p.unlink()
    for rel, text in want.items():
        write_atomic(folder / rel, text)
    return len(want)
