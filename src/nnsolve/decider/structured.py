"""The structure-aware training decider (method ``structured``), the default of
``nnsolve check`` and ``nnsolve train``.

Stages, each sound on its own (docs/solving.md):

1. line counting (:mod:`nnsolve.decider.line_count`): a data line that needs
   more kinks than there are neurons proves ``unsat``; tight lines are
   recorded as the instance's skeleton;
1b. chain decomposition (:mod:`nnsolve.decider.chains`), when three or more
   parallel tight lines split the neurons into chains: per-block kink windows by
   exact elimination, then a small QF_NRA residual; ``unsat`` from the
   solver's unsat on it (or from elimination), ``sat`` after exact_fit;
2. the pattern method (:mod:`nnsolve.decider.pattern`): float-guided
   activation patterns, each decided by an exact pattern-fixed SMT query;
   ``sat`` only after exact_fit confirms the network;
3. the baseline SMT encoding (``symmetry``) with the time that is left; its
   ``unsat`` is a solver's unsat on an equisatisfiable query
   (docs/encodings.md), its ``sat`` is checked with exact_fit.  On a small instance
   (``PROBE_MAX_WORK``) it is first asked briefly before stage 2.

``max_work`` (``--max-work``) bounds points x neurons of what stages 2 and 3 are
handed: both are dense in points x neurons (a float descent over the whole
points x neurons matrix and a pattern-fixed query of that size; the symmetry
encoding).  Above it they are skipped with that reason.  Stages 1 and 1b run at
any size, bounded only by the wall-clock and memory limits
(:func:`nnsolve.decider.bounded.decide_bounded`).

It reads nothing but the instance (no reduction metadata).  The result names
the stage that decided (``structured:line-count``, ``structured:chains``, ``structured:pattern``,
``structured:smt-symmetry``).
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from fractions import Fraction
from typing import Callable

from nnsolve.decider.chains import decide_by_chains
from nnsolve.decider.pattern import fit_by_pattern
from nnsolve.decider.line_count import analyse_lines, chains, ordered_split, padded_analyses
from nnsolve.decider.baseline import decide_training
from nnsolve.decider.inspection import decide_by_inspection
from nnsolve.decider.result import TrainingResult
from nnsolve.solvers import SAT, UNKNOWN, UNSAT, Limits, Solver
from nnsolve.training import Network, Neuron, TrainingInstance, exact_fit
from nnsolve.training.interpolate import merge_repeated

log = logging.getLogger(__name__)

METHOD = "structured"
FALLBACK_ENCODING = "symmetry"  # stage 3
#: instances of at most this many points x neurons ask stage 3 first, for at most
#: PROBE_SECONDS (a schedule: it decides nothing the full stage 3 would not)
PROBE_MAX_WORK, PROBE_SECONDS = 100, 2.0


def query_encoding(method: str) -> str:
    """The baseline encoding whose SMT-LIB text stands for ``method`` in emitted files
    (``structured`` hands its fallback stage the symmetry encoding)."""
    return FALLBACK_ENCODING if method == METHOD else method


def decide_structured(instance: TrainingInstance, solver: Solver, limits: Limits = Limits(),
                      seed: int = 0, progress: Callable[[str], None] | None = None,
                      max_work: int | None = None) -> TrainingResult:
    """Decide whether an ``instance.hidden``-neuron network fits (see the module docstring).

    ``max_work``: stages 2 and 3 are skipped when points x neurons exceeds it.

    ``progress(stage)`` is called as each stage starts; the result's ``stages`` say how
    long each one took."""
    start = time.monotonic()
    deadline = start + limits.timeout
    timings: list[list] = []

    def left(share: float = 1.0) -> Limits:
        return Limits(max(0.5, share * (deadline - time.monotonic())), limits.memory_mb)

    def stage(name: str) -> None:
        now = time.monotonic()
        if timings:
            timings[-1][1] = now - timings[-1][1]
        timings.append([name, now])
        if progress is not None:
            progress(name)

    def done(result: TrainingResult) -> TrainingResult:
        if timings:
            timings[-1][1] = time.monotonic() - timings[-1][1]
        return replace(result, stages=tuple((n, round(t, 3)) for n, t in timings))

    result = _structured_stages(instance, solver, limits, seed, start, deadline, left, stage, max_work)
    return done(result)


def _structured_stages(instance, solver, limits, seed, start, deadline, left, stage, max_work) -> TrainingResult:
    notes = []
    work = len(instance.points) * instance.hidden
    dense = max_work is None or work <= max_work  # may stages 2 and 3 (dense in points x neurons) run?
    if instance.inputs == 2 and instance.target_error == 0:
        stage("line-count")
        lines = analyse_lines(instance, solver, left(0.3))
        log.info("line counting: %d lines, %d queries, %.2f s", lines.lines, lines.queries, lines.seconds)
        if lines.violated is not None:
            return TrainingResult(UNSAT, f"{METHOD}:line-count", solver.name, time.monotonic() - start,
                                  reason=f"{lines.violated.describe()}, but the network has only "
                                         f"{instance.hidden} neurons (one kink per neuron per line)")
        split = None
        if lines.tight:
            notes.append(f"{len(lines.tight)} tight lines ({lines.tight[0].describe()}): every neuron "
                         "crosses each once")
            split = chains(lines)
            if split is not None:
                sizes = sorted({c.kinks for c in split[1]})
                notes.append(f"the neurons split into {len(split[1])} chains across {len(split[0])} parallel "
                             f"tight lines (sizes {', '.join(map(str, sizes))})")
                stage("chains:windows")
                # all the time that is left when the dense stages 2 and 3 will not run
                decomposed = decide_by_chains(instance, lines, solver, left(0.6 if dense else 1.0),
                                              progress=lambda step: stage(f"chains:{step}"), split=split)
                log.info("chain decomposition: %s in %.2f s", decomposed.status, decomposed.seconds)
                if decomposed.status in (SAT, UNSAT):
                    return TrainingResult(decomposed.status, decomposed.method, solver.name,
                                          time.monotonic() - start, network=decomposed.network,
                                          reason=decomposed.reason)
                notes.append(f"chain decomposition: {decomposed.reason}")
        elif instance.hidden > 1 and (lines.counts or lines.fewer_bends):
            narrower = _fit_narrower(instance, lines, solver, left, stage, notes)
            if narrower is not None:
                return replace(narrower, seconds=time.monotonic() - start)
        if split is None and instance.hidden > 1:
            padded = _fit_padded(instance, lines, solver, left, stage, notes)
            if padded is not None:
                return replace(padded, seconds=time.monotonic() - start)
    if not dense:
        notes.append(f"pattern method and {FALLBACK_ENCODING} encoding skipped: {len(instance.points)} points x "
                     f"{instance.hidden} neurons > max_work {max_work} (raise --max-work)")
    if dense and instance.target_error == 0 and deadline - time.monotonic() > 1 \
            and len(instance.points) * instance.hidden <= PROBE_MAX_WORK:
        # a small instance: the exact encoding first, briefly.  The pattern method can only
        # say sat and spends its whole share on an unsat instance (a 5-point, 1-neuron
        # unsat took 30 of 60 s there, where the symmetry encoding answers in 0.5 s)
        stage(f"smt-{FALLBACK_ENCODING}-probe")
        share = left(0.2)
        probe = decide_training(instance, solver, FALLBACK_ENCODING,
                                replace(share, timeout=min(PROBE_SECONDS, share.timeout)))
        if probe.status in (SAT, UNSAT):
            return TrainingResult(probe.status, f"{METHOD}:smt-{FALLBACK_ENCODING}", solver.name,
                                  time.monotonic() - start, network=probe.network, reason=probe.reason)
        notes.append(f"{probe.method} probe: {probe.reason}")
    if dense and instance.target_error == 0 and deadline - time.monotonic() > 1:
        stage("pattern")
        pattern = fit_by_pattern(instance, solver, left(0.5), seed=seed)
        if pattern.network is not None:
            return TrainingResult(SAT, f"{METHOD}:pattern", solver.name, time.monotonic() - start,
                                  network=pattern.network)
        notes.append(pattern.reason)
    if dense and deadline - time.monotonic() > 1:
        stage(f"smt-{FALLBACK_ENCODING}")
        smt = decide_training(instance, solver, FALLBACK_ENCODING, left())
        if smt.status in (SAT, UNSAT):
            return TrainingResult(smt.status, f"{METHOD}:smt-{FALLBACK_ENCODING}", solver.name, time.monotonic() - start,
                                  network=smt.network, reason=smt.reason)
        notes.append(f"{smt.method}: {smt.reason}")
    return TrainingResult(UNKNOWN, METHOD, solver.name, time.monotonic() - start, reason="; ".join(notes))


def _fit_narrower(instance, lines, solver, left, stage, notes) -> TrainingResult | None:
    """Sat with unused neurons: a tight line forces every neuron to have a nonzero jump,
    so a fit with unused neurons can exist only when no line is tight, and then the
    chain stage cannot run at width m.  Decide the same data at the largest width h
    < m that some line may need (the largest count found, or the most bends on a line
    with fewer than m bends; tight there, the chain stage applies); a sat there, padded
    with m - h zero neurons, is a fit of the instance (checked by exact_fit).  An unsat
    there says nothing about width m and is not used."""
    width = max([c.kinks for c in lines.counts] + [lines.fewer_bends])
    for _ in range(3):
        if not 0 < width < instance.hidden:
            return None
        narrow = replace(instance, hidden=width)
        stage(f"line-count-{width}")
        analysis = analyse_lines(narrow, solver, left(0.3))
        if analysis.violated is not None:  # a lower bound settled higher than before
            width = analysis.violated.kinks
            continue
        if not analysis.tight:
            needed = max([c.kinks for c in analysis.counts] + [analysis.fewer_bends])
            if needed >= width:
                return None
            width = needed
            continue
        split = chains(analysis)
        if split is None:
            return None
        stage(f"chains-{width}")
        found = decide_by_chains(narrow, analysis, solver, left(0.6), split=split)
        if found.status != SAT or found.network is None:
            notes.append(f"at width {width} (neurons unused): {found.status} {found.reason or ''}".strip())
            return None
        zero = Neuron(tuple(Fraction(0) for _ in range(instance.inputs)), Fraction(0),
                      tuple(Fraction(0) for _ in range(instance.outputs)))
        padded = Network(found.network.neurons + (zero,) * (instance.hidden - width), found.network.bias)
        if not exact_fit(instance, padded).ok:
            notes.append(f"at width {width}: the padded network failed the exact check")
            return None
        return TrainingResult(SAT, found.method, solver.name, 0.0, network=padded,
                              reason=f"fits with {width} neurons; {instance.hidden - width} unused")
    return None


#: _fit_padded runs the chain stage on at most this many guesses with chains (proven or in order),
#: within this share of the time left (a guess can only give sat): half, so that the stages
#: after it, which may prove unsat, keep the rest; but from WIDE neurons on, where those
#: stages (float descents, the symmetry encoding) decided nothing in the measurements
#: (plain encodings die at 3 neurons; no float-guided pattern on reduction outputs of
#: 17-50 neurons with points dropped, twenty-first session), the guesses take most of it
PADDED_TRIES, PADDED_SHARE, PADDED_SHARE_WIDE, WIDE = 6, 0.5, 0.85, 8


def _fit_padded(instance, lines, solver, left, stage, notes) -> TrainingResult | None:
    """Sat only, under a guess: a family of parallel lines, tight but for one to three lines
    that need m - 3 .. m - 1 kinks (points missing from a reduction output's cross-section),
    made tight by guessing where the missing kinks sit (``padded_analyses``); the chain
    stage runs on each guess, and on the blocks as counted, with the chains that
    ``chains`` proves, or else with the chains guessed in order (``ordered_split``: a
    block whose gadget lost its first samples reaches back across the gap, and then
    nothing is proven).  Only a network that passes ``exact_fit`` on the instance is
    reported; anything else under a guess, unsat included, is a note (the guess may be
    wrong, so it proves nothing)."""
    budget = left(PADDED_SHARE if instance.hidden < WIDE else PADDED_SHARE_WIDE)
    end = time.monotonic() + budget.timeout
    accepted = []
    for what, guess in [("the blocks as counted", lines), *padded_analyses(lines)]:
        if time.monotonic() > end - budget.timeout / 2:
            break
        split, proven = chains(guess), True
        if split is None:  # the chains not forced: guess them in order along the lines
            split, proven = ordered_split(guess), False
        if split is not None:
            accepted.append((what if proven else f"{what}, chains in order", guess, split, proven))
    # chains that follow from the guess first, then the finest: a guess that merges
    # gadgets into one chain fits the data worse
    accepted.sort(key=lambda item: (not item[3], -len(item[2][1])))
    windows: dict = {}  # the guesses share most blocks: each block's windows are computed once
    for what, guess, split, _ in accepted[:PADDED_TRIES]:
        if end - time.monotonic() < 1:
            break
        stage("chains-padded")
        share = Limits(max(0.5, 0.7 * (end - time.monotonic())), budget.memory_mb)
        found = decide_by_chains(instance, guess, solver, share, split=split, sat_only=True, block_cache=windows)
        if found.status == SAT and found.network is not None and exact_fit(instance, found.network).ok:
            return TrainingResult(SAT, f"{METHOD}:chains-padded", solver.name, 0.0, network=found.network,
                                  reason=f"found under the guess {what} (the network fits: checked exactly)")
        notes.append(f"under the guess {what}: {found.status} ({found.reason}), not used"
                     + (" (an unsat under a guess proves nothing)" if found.status == UNSAT else ""))
    return None


def decide_with(method: str, instance: TrainingInstance, solver: Solver, limits: Limits = Limits(),
                progress: Callable[[str], None] | None = None, max_work: int | None = None) -> TrainingResult:
    """``structured`` (the default everywhere) or one baseline encoding handed to the solver,
    after :func:`decide_by_inspection` (repeated inputs with different labels, widths at
    or above the interpolation bound) and with repeated points merged.

    ``max_work`` bounds points x neurons of what a baseline encoding is handed: above it
    a baseline ``method`` is not attempted (unknown, with the reason) and ``structured``
    runs without its dense stages (:func:`decide_structured`)."""
    trivial = decide_by_inspection(instance)
    if trivial is not None:
        return trivial
    instance = merge_repeated(instance)
    if method == METHOD:
        return decide_structured(instance, solver, limits, progress=progress, max_work=max_work)
    work = len(instance.points) * instance.hidden
    if max_work is not None and work > max_work:
        return TrainingResult(UNKNOWN, f"smt:{method}", getattr(solver, "name", "-"), 0.0,
                              reason=f"training instance too large for the encodings ({len(instance.points)} "
                                     f"points x {instance.hidden} neurons > {max_work}; raise --max-work)")
    if progress is not None:
        progress(f"smt-{method}")
    return decide_training(instance, solver, method, limits)
