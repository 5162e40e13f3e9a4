"""The value stage alone: values fixed over time on a training instance's residual.

The structured decider (``nnsolve check --blind`` runs it) is run on an SMT-LIB file
until the lemma route calls the value lemmas (``nnsolve.decider.value_lemmas``); the
settled residual it hands them is pickled (``--case``: reused when it exists, so the
set-up, about 7 minutes at 10,000 constraints, is paid once).  Then the stage runs alone
for ``--seconds`` with ``--workers`` solver children and front steps of ``--front-step``,
and this prints the values fixed every ``--every`` seconds and the totals.  One run at a
time, on an idle machine: the figures are rates.

With ``--guesses`` the guessed values (``nnsolve.decider.guesses.guess_and_carry``, with
the exact query on what they leave) run on that case instead, and this prints one row per
guess (depth, variable = value, refuted or carried, values carried) and the answer.
With ``--oracle FILE`` as well, each guess takes the forward witness's value of its
variable (the planted network, built by the reduction's forward map from the ETR side's
model; pickled in FILE, computed when it is absent): not a blind run but the best any
order of values can do, so that what the values cost and what the cascades cost are
measured apart (docs/performance.md, "Thirteenth session").

    PYTHONPATH=src python -P benchmarks/value_stage.py instances/tier4/unsat-unique_10000_s1.smt2 \\
        --case /tmp/uu10000.pkl --seconds 600 --workers 2 [--front-step 2] [--every 60]
    PYTHONPATH=src python -P benchmarks/value_stage.py instances/tier4/planted_10000_s1.smt2 \\
        --case /tmp/p10000.pkl --seconds 3000 --workers 2 --guesses [--oracle /tmp/p10000_witness.pkl]
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import pickle
import sys
import time
from fractions import Fraction
from pathlib import Path


class _Captured(Exception):
    """The value stage was reached: its case is saved."""


def capture(path: str, case_file: Path, timeout: float) -> float:
    """Run the decider on ``path`` until the value stage; pickle its case.  Seconds."""
    from nnsolve.decider import chains
    from nnsolve.decider.structured import decide_structured
    from nnsolve.formula.smtlib import read_smtlib
    from nnsolve.reduction import reduce_formula
    from nnsolve.solvers import Limits, get_solver
    from nnsolve.training.instance import MAX_WORK

    start = time.monotonic()
    instance = reduce_formula(read_smtlib(path)).instance

    def saving(case, *args, **kwargs):
        partial = case_file.with_suffix(".part")
        partial.write_bytes(pickle.dumps(case, protocol=pickle.HIGHEST_PROTOCOL))
        partial.replace(case_file)
        raise _Captured

    chains.value_lemmas, real = saving, chains.value_lemmas
    try:
        result = decide_structured(instance, get_solver("z3"), Limits(timeout, 8000), max_work=MAX_WORK)
        sys.exit(f"the decider ended without the value stage: {result.status} ({result.reason})")
    except _Captured:
        pass
    finally:
        chains.value_lemmas = real
    return time.monotonic() - start


@contextlib.contextmanager
def _listening(handler: logging.Handler):
    """``handler`` on the progress log at INFO for the block; the log is global, so it is
    left as it was afterwards."""
    from nnsolve.decider.result import progress_log

    level = progress_log.level
    progress_log.addHandler(handler)
    progress_log.setLevel(logging.INFO)
    try:
        yield handler
    finally:
        progress_log.removeHandler(handler)
        progress_log.setLevel(level)


class _Guesses(logging.Handler):
    """(seconds, depth, guess, result, values) from the guesses' progress lines."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[tuple] = []

    def emit(self, record: logging.LogRecord) -> None:
        if str(record.msg).startswith("guesses: %s = %s (depth %d)") and len(record.args or ()) == 7:
            v, q, depth, result, values, _, seconds = record.args
            self.rows.append((float(seconds), int(depth), f"{v} = {q}", result, int(values)))


def forward_witness(path: str, witness_file: Path) -> float:
    """The forward witness in the residual's variables (``residual_guides``), pickled to
    ``witness_file``.  Seconds (the structure is analysed again: about 5 minutes at
    10,000 constraints)."""
    sys.path.append(str(Path(__file__).resolve().parent))
    from residual_guides import _structure, _witness_guide
    from nnsolve.formula.smtlib import read_smtlib
    from nnsolve.reduction import reduce_formula
    from nnsolve.solvers import get_solver

    start = time.monotonic()
    formula = read_smtlib(path)
    reduction = reduce_formula(formula)
    solver = get_solver("z3")
    analysis, (system, _, _, _) = _structure(reduction.instance, solver)
    witness = _witness_guide(formula, reduction, analysis, system.copy(), solver)
    if witness is None:
        sys.exit("the ETR side found no model: there is no forward witness")
    partial = witness_file.with_suffix(".part")
    partial.write_bytes(pickle.dumps(witness, protocol=pickle.HIGHEST_PROTOCOL))
    partial.replace(witness_file)
    return time.monotonic() - start


@contextlib.contextmanager
def _oracle(witness: dict):
    """The guesses' local interval and candidates replaced by the witness's value."""
    from nnsolve.decider import guesses as stage

    def interval(v, hood, session, limits, cancel=None, stop=lambda: False):
        # a variable the witness lacks, or whose value is not rational (an irrational
        # model), gives no value, as a neighbourhood without an exact model does
        q = witness.get(v)
        return (q, ((q, None), (q, None))) if isinstance(q, Fraction) else None

    saved = stage.local_interval, stage._candidates
    stage.local_interval = interval
    stage._candidates = lambda m, low, below, high, above, maps: ([m], [])
    try:
        yield
    finally:
        stage.local_interval, stage._candidates = saved


def guesses(case, seconds: float, workers: int, witness: dict | None = None) -> None:
    """Run the guesses on ``case`` and print their rows and answer (with ``witness``:
    each guess takes its value)."""
    from nnsolve.decider import chains
    from nnsolve.decider.guesses import guess_and_carry
    from nnsolve.solvers import Limits, get_solver

    solver = get_solver("z3")
    with _listening(_Guesses()) as rows, (_oracle(witness) if witness is not None else contextlib.nullcontext()):
        out = guess_and_carry(case, solver, Limits(seconds, 8000),
                              lambda c, limits: chains._solve_case(c, [], solver, limits), workers=workers)
    print(f"guesses, {workers} children, {seconds:.0f} s asked"
          + (", values from the forward witness (an oracle, not blind)" if witness is not None else ""))
    print("| seconds | depth | guess | result | values |")
    print("|---:|---:|---|---|---:|")
    for at, depth, guess, result, values in rows.rows:
        print(f"| {at:.0f} | {depth} | {guess} | {result} | {values:,} |")
    print(f"{out.status} in {out.seconds:.1f} s: {out.reason}")


class _Steps(logging.Handler):
    """(seconds, values in all) from the stage's progress lines."""

    def __init__(self) -> None:
        super().__init__()
        self.points: list[tuple[float, int]] = []

    def emit(self, record: logging.LogRecord) -> None:
        if str(record.msg).startswith("value lemmas: step") and len(record.args or ()) == 5:
            self.points.append((float(record.args[4]), int(record.args[3])))


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("file", help="an ETR-INV SMT-LIB file (its reduction is decided blind)")
    ap.add_argument("--case", required=True, type=Path, help="pickled case: read if it exists, else written")
    ap.add_argument("--seconds", type=float, default=300.0)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--front-step", type=int, help="value_lemmas.FRONT_STEP (default: the module's)")
    ap.add_argument("--every", type=float, default=60.0, help="a table row every this many seconds")
    ap.add_argument("--guesses", action="store_true", help="run the guessed values on the case instead")
    ap.add_argument("--oracle", type=Path, help="with --guesses: each guess takes the forward witness's value "
                                                "(pickled here; computed when absent)")
    args = ap.parse_args(argv)
    if args.oracle is not None and not args.guesses:
        ap.error("--oracle goes with --guesses")
    if args.seconds <= 0 or args.workers < 1 or args.every <= 0 or (args.front_step is not None
                                                                   and args.front_step < 1):
        ap.error("--seconds and --every must be positive, --workers and --front-step at least 1")
    # pickling a case of 10,000 constraints recurses deeply; the limit is put back after,
    # as is FRONT_STEP (main is also called in-process, by the tests: a raised limit left
    # behind lets a later deeply nested input overflow the C stack instead of raising)
    with _recursion_limit(100_000), _front_step(args.front_step):
        _run(args)


@contextlib.contextmanager
def _recursion_limit(limit: int):
    saved = sys.getrecursionlimit()
    sys.setrecursionlimit(max(saved, limit))
    try:
        yield
    finally:
        sys.setrecursionlimit(saved)


@contextlib.contextmanager
def _front_step(step: int | None):
    from nnsolve.decider import value_lemmas as stage

    saved = stage.FRONT_STEP
    if step is not None:
        stage.FRONT_STEP = step
    try:
        yield
    finally:
        stage.FRONT_STEP = saved


def _run(args) -> None:
    from nnsolve.decider import value_lemmas as stage
    from nnsolve.solvers import Limits, get_solver

    if not args.case.exists():
        print(f"set-up (the decider until the value stage): {capture(args.file, args.case, 7200):.0f} s")
    case = pickle.loads(args.case.read_bytes())
    if args.guesses:
        witness = None
        if args.oracle is not None:
            if not args.oracle.exists():
                print(f"set-up (the forward witness): {forward_witness(args.file, args.oracle):.0f} s")
            witness = pickle.loads(args.oracle.read_bytes())
        guesses(case, args.seconds, args.workers, witness)
        return
    start = time.monotonic()
    with _listening(_Steps()) as steps:
        out = stage.value_lemmas(case, get_solver("z3"), Limits(args.seconds, 8000), workers=args.workers)
    seconds = time.monotonic() - start
    print(f"front step {stage.FRONT_STEP}, {args.workers} children, {args.seconds:.0f} s asked")
    print("| seconds | values |")
    print("|---:|---:|")
    mark = args.every
    for at, values in steps.points:
        if at >= mark:
            print(f"| {at:.0f} | {values:,} |")
            mark = (at // args.every + 1) * args.every
    closed = "closed (unsat)" if out.case is None else f"{out.pieces_before:,} -> {out.pieces_after:,} ite pieces"
    print(f"values {out.lemmas:,}, queries {out.queries:,}, steps {out.rounds:,}, {seconds:.1f} s; {closed}"
          + (f"; {out.reason}" if out.reason else ""))


if __name__ == "__main__":
    main()
