"""Decide a training instance along its chains (stage 2 of the structured method).

Premises, all proven before this runs and none read from reduction metadata
(docs/solving.md, "Chain decomposition"):

* a family of >= 3 parallel tight lines (line counting): every neuron's
  breakline crosses each of them once, inside one block's open span, and block
  b holds exactly its count of kinks;
* chains (``nnsolve.decider.line_count.chains``): the same neurons serve the
  blocks of one chain on every line of the family, and the chains cover all m
  neurons.

Then, with t the coordinate along the lines and u across them:

1. every network is f(z) = A(z) + sum_j K_j relu(t(z) - k_j(u(z))), A affine,
   K_j in R^2 the jump of neuron j along the lines (the same on every line),
   k_j(u) = p_j + (u - u_1) / (u_L - u_1) (q_j - p_j) its breakline (p_j, q_j its
   crossings of the first and last line); flipped neurons only change A, so
   with A free this is a relaxation, exact where the model's A is what a set of
   flipped neurons leaves (A constant: none; see ``_orientation_equations``);
2. per block, ``kink_windows`` bounds the sorted kinks (exact elimination over
   all cell assignments); a block's neurons are numbered by their order on the
   first line, and they keep that order on every line when no two positions
   can carry the same jump (exact elimination of every case, then one small
   solver query for what is left, run beside the residual query);
3. at every data point each relu is decided by the windows (interval
   arithmetic) or kept as an ite; with U_j = K_j p_j, V_j = K_j q_j every
   equation is linear apart from those ites, and exact elimination with
   bilinear propagation (``nnsolve.elimination``, with its common-factor rule)
   leaves a small QF_NRA residual;
4. the residual's ites are decided by exact case splits
   (``nnsolve.decider.branching``), ordered by a model of the relaxation
   |U - K k| <= SLACK (whose unsat is the residual's), with a solver only on
   the ite-free leaves; the solver on the whole residual is the fallback.

``unsat`` needs premises 1-3 and the solver's unsat on the residual (or on its
relaxation, or on every leaf of the case split, or an inconsistency found by
elimination); ``sat`` needs only the decoded network to
pass ``exact_fit``.
"""

from __future__ import annotations

import logging
import math
import threading
from bisect import bisect_left, bisect_right
import time
from collections import Counter
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Callable

from nnsolve import numbers
from nnsolve.decider.line_count import Chain, LineAnalysis, LineCount, chains
from nnsolve.decider.result import TrainingResult, progress_log
from nnsolve.elimination import Inconsistent, LinearSystem, fraction
from nnsolve.decider.field_values import POWER, TOP
from nnsolve.decider.branching import _extend, _used as case_variables, branch_and_eliminate, root_case
from nnsolve.decider.local_lemmas import RADII, LemmaMemory, local_lemmas, pieces as ite_pieces
from nnsolve.decider.guesses import guess_and_carry
from nnsolve.decider.value_lemmas import VALUE_RADII, value_lemmas, with_values
from nnsolve.decider import residual_parts
from nnsolve.decider.recentre import recentre
from nnsolve.decider.residual_query import (Bound, NonZero, PiecewiseEquation, component_items, component_script,
                                           disjunction_query, name, residual_components, residual_query)
from nnsolve.solvers import SAT, UNKNOWN, UNSAT, Limits, Query, Solver, SolverResult
from nnsolve.training import Network, Neuron, TrainingInstance, exact_fit
from nnsolve.decider.lines import normalized
from nnsolve.decider.windows import BlockWindows, block_system, hull, jump_coincidences, kink_windows

log = logging.getLogger(__name__)

METHOD = "structured:chains"
#: with ``sat_only`` a block's assignments are refined by the solver only up to this many
SAT_ONLY_REFINED = 24


@dataclass(frozen=True)
class BlockData:
    samples: tuple               # the block's samples with kink-free neighbours
    span: tuple[int, int]        # the block's first and last sample within ``samples``
    windows: BlockWindows        # a merged block: its parts' windows in order, no assignments
    normalized: tuple            # ``normalized(samples)``: the cache key, same jumps and cells
    #                              (a merged block: its parts' keys and spans)
    #: a merged block (``BlockCount.parts``): the data of the tight blocks it joins
    parts: tuple["BlockData", ...] = ()

    def pieces(self) -> tuple["BlockData", ...]:
        """The tight blocks whose windows and orders are computed: the parts, or itself."""
        return self.parts or (self,)


def _block_data(count: LineCount, index: int, instance: TrainingInstance, cache: dict,
                solver: Solver | None = None, limits: Limits = Limits(5),
                max_refined: int | None = None) -> BlockData:
    """The samples and kink windows of block ``index`` of a tight line.  A merged block
    (``chains``) is taken part by part: on a tight line each part holds exactly its own
    count in every fit and the gaps between parts hold no kink, so the merged block's
    sorted kinks are its parts' sorted kinks in order, and each part's windows are those
    of a tight block of its own (listing the merged block's cell assignments instead
    grows with the product of the parts', and never ends on three merged gadgets)."""
    block = count.blocks[index]
    before = count.blocks[index - 1].last if index > 0 else None
    after = count.blocks[index + 1].first if index < len(count.blocks) - 1 else None
    if not block.parts:
        return _tight_block_data(count.line, block, before, after, instance, cache, solver, limits, max_refined)
    parts = []
    for i, part in enumerate(block.parts):
        parts.append(_tight_block_data(count.line, part, block.parts[i - 1].last if i else before,
                                       block.parts[i + 1].first if i + 1 < len(block.parts) else after,
                                       instance, cache, solver, limits, max_refined))
    windows = BlockWindows(block.kinks, (), tuple(w for p in parts for w in p.windows.windows),
                           sum(p.windows.candidates for p in parts))
    samples = tuple(sorted({t: y for p in parts for t, y in p.samples}.items()))
    ts = [t for t, _ in samples]
    span = (ts.index(parts[0].samples[parts[0].span[0]][0]), ts.index(parts[-1].samples[parts[-1].span[1]][0]))
    return BlockData(samples, span, windows, tuple((p.normalized, p.span) for p in parts), tuple(parts))


def _tight_block_data(line, block, before, after, instance: TrainingInstance, cache: dict,
                      solver: Solver | None, limits: Limits, max_refined: int | None = None) -> BlockData:
    """One tight block (positions block.first..block.last of the line); ``before`` and
    ``after``: where the neighbouring blocks end and start (None: there is none)."""
    lo, hi = block.first, block.last
    # a neighbour gap outside every block's open span holds no kink (the line is tight)
    if lo > 0 and (before is None or before < lo):
        lo -= 1
    if hi < len(line.points) - 1 and (after is None or after > hi):
        hi += 1
    # line_data(instance, line)[lo:hi + 1], without building the whole line for each block
    part = tuple((line.t[i], instance.points[line.points[i]].y) for i in range(lo, hi + 1))
    span = (block.first - lo, block.last - lo)
    key = (normalized(part), span, block.kinks)
    if key not in cache:
        found = kink_windows(list(key[0]), block.kinks, span)
        if solver is not None and (max_refined is None or len(found.assignments) <= max_refined):
            found = _refined(list(key[0]), found, solver, limits)
        cache[key] = found
    shift = part[0][0]
    w = cache[key]
    windows = tuple((a + shift, b + shift) for a, b in w.windows)
    return BlockData(part, span, BlockWindows(w.kinks, w.assignments, windows, w.candidates), key[0])


def _refined(samples: list, found: BlockWindows, solver: Solver, limits: Limits) -> BlockWindows:
    """Drop assignments that the solver shows infeasible (with every jump nonzero: the
    block is tight), when some window holds a sample strictly inside (an ite later).
    Unknown keeps the assignment, so the windows stay sound."""
    ts = [t for t, _ in samples]
    if not any(lo < t < hi for lo, hi in found.windows for t in ts):
        return found
    outputs = len(samples[0][1])

    def feasible(assignment) -> bool:
        system = block_system(samples, assignment, "b")
        if system is None:
            return False
        nonzero = [NonZero(tuple({("b", "K", j, o): 1} for o in range(outputs))) for j in range(found.kinks)]
        query = residual_query(system, _cell_bounds(samples, assignment, "b"), (),
                               "nnsolve: is this kink cell assignment feasible?", nonzero)
        return solver.solve(Query(query), limits).status != UNSAT

    with ThreadPoolExecutor(2) as pool:
        keep = tuple(a for a, ok in zip(found.assignments, pool.map(feasible, found.assignments)) if ok)
    log.info("window refinement: %d of %d assignments kept", len(keep), len(found.assignments))
    return BlockWindows(found.kinks, keep, hull(samples, keep, found.kinks), found.candidates)


def _order_parts(first: BlockData, other: BlockData, tag: int, cache: dict | None = None) -> list:
    """What elimination leaves of "some position r != s carries the same jump in both
    blocks": (system, bounds) parts, each satisfiable iff that case is possible.  An
    empty list proves that every neuron has the same position in both blocks.

    A merged block is taken part by part: sorted kink r of the merged block is kink r'
    of one part (``BlockData.pieces``), and "kink r of X and kink s of Y can share a
    jump" is asked of those two parts alone, each with its own affine part (dropping
    what links the parts of a merged block only allows more coincidences: an empty
    list still proves the order).  ``cache`` keeps each pair of parts' coincidences, by
    their keys, for the other pairs of blocks of the instance."""
    cache = {} if cache is None else cache
    parts, asked = [], set()
    r0 = 0
    for x in first.pieces():
        s0 = 0
        for y in other.pieces():
            for r in range(x.windows.kinks):
                for s in range(y.windows.kinks):
                    if r0 + r != s0 + s:
                        key = (x.normalized, x.span, x.windows.kinks, y.normalized, y.span, y.windows.kinks, r, s)
                        if key not in cache:
                            cache[key] = _coincidences(x, y, r, s, (tag, len(cache)))
                        if key not in asked:  # twin parts ask the same case once
                            asked.add(key)
                            parts += cache[key]
            s0 += y.windows.kinks
        r0 += x.windows.kinks
    return parts


def _coincidences(x: BlockData, y: BlockData, r: int, s: int, tag: object) -> list:
    """(system, bounds) for every way kink r of tight block x and kink s of tight block y
    could carry the same jump (``jump_coincidences``)."""
    # jumps do not change when t is shifted or an affine function is subtracted: use the keys
    xs, ys = list(x.normalized), list(y.normalized)
    return [(joint, _cell_bounds(xs, a, px) + _cell_bounds(ys, b, py))
            for joint, a, b, px, py in jump_coincidences((xs, x.windows), (ys, y.windows), r, s, tag)]


def _cell_bounds(samples, assignment, prefix) -> list[Bound]:
    """Each kink in its cell: strictly inside a gap, equal to a sample (fixed by the
    system already; the bound repeats it)."""
    ts = [t for t, _ in samples]
    out = []
    for j, cell in enumerate(assignment):
        lo, hi = cell.closure(ts)
        out.append(Bound({(prefix, "k", j): 1}, lo, hi, strict=cell.gap))
    return out


def _interval(coeffs: list[tuple[Fraction, tuple[Fraction, Fraction]]]) -> tuple[Fraction, Fraction]:
    lo = hi = Fraction(0)
    for c, (a, b) in coeffs:
        lo += min(c * a, c * b)
        hi += max(c * a, c * b)
    return lo, hi


def decide_by_chains(instance: TrainingInstance, analysis: LineAnalysis, solver: Solver,
                     limits: Limits = Limits(), progress: Callable[[str], None] | None = None,
                     split: tuple | None = None, sat_only: bool = False,
                     block_cache: dict | None = None) -> TrainingResult:
    """Decide along the chains of ``analysis`` (see the module docstring); ``unknown``
    with the reason when a premise is missing or the solver gives up.  ``progress(step)``
    is called as the steps start: ``elimination`` (the global system), ``residual`` (the
    solver on what is left), ``exact-fit`` (checking a decoded network).  ``split``: the
    value of ``chains(analysis)`` when the caller has it already (it is not recomputed).

    ``sat_only``: the caller uses a sat answer only (``analysis`` is a guess): the order
    across lines, which only an unsat needs, is not asked (so no unsat comes back), and
    a block's assignments are refined by the solver only up to :data:`SAT_ONLY_REFINED`
    of them (refining only narrows sound windows).

    ``block_cache``: the blocks' windows by their normalized data, shared by calls on the
    same instance (guesses that differ in a few blocks): an entry is a function of its key
    (the block's normalized samples, span and count) and, where the solver refined it,
    still sound windows whatever that refinement's time limit was."""
    progress = progress or (lambda step: None)
    start = time.monotonic()
    deadline = start + limits.timeout

    def unknown(reason: str) -> TrainingResult:
        return _unknown(solver, start, reason)

    if split is None:
        split = chains(analysis)
    if split is None:
        return unknown("no family of three parallel tight lines with forced chains")
    family, found = split
    if sum(c.kinks for c in found) != instance.hidden or instance.outputs < 1:
        return unknown("the chains do not cover every neuron")
    cache: dict = {} if block_cache is None else block_cache
    blocks: dict[tuple[int, int], BlockData] = {}
    for chain in found:
        for li, bi in chain.blocks:
            blocks[li, bi] = _block_data(family[li], bi, instance, cache, solver,
                                         Limits(min(5.0, max(0.5, deadline - time.monotonic())), limits.memory_mb),
                                         SAT_ONLY_REFINED if sat_only else None)
            if not all(p.windows.assignments for p in blocks[li, bi].pieces()):
                return unknown(f"no kink windows for a block on line {li} (too many partial cell assignments to search, or none survives; not claimed as unsat)")
    # the order across lines: one small query per distinct pair of blocks
    pairs: dict = {}
    coincidences: dict = {}
    for chain in found if not sat_only else ():
        first = blocks[chain.blocks[0]]
        for li, bi in chain.blocks[1:]:
            other = blocks[li, bi]
            key = (first.normalized, first.span, other.normalized, other.span)
            if key not in pairs:
                pairs[key] = _order_parts(first, other, len(pairs), coincidences)
    progress("elimination")
    system, bounds, equations, keys = _global_system(instance, family, found, blocks)
    progress("residual")
    # the order queries run beside the residual query (each in its own child process);
    # they matter only for unsat, so a sat answer cancels them
    stop = threading.Event()
    pool = ThreadPoolExecutor(1)
    if sat_only:  # not asked: never proven, so no unsat comes back
        order = pool.submit(lambda: False)
    else:
        order = pool.submit(_order_queries, list(pairs.values()), solver,
                            Limits(max(0.5, deadline - time.monotonic()), limits.memory_mb), stop)
    try:
        return _residual(instance, family, found, system, bounds, equations, keys, order, solver, limits,
                         start, deadline, progress)
    finally:
        stop.set()
        pool.shutdown(wait=True)


def _order_queries(cases: list[list], solver: Solver, limits: Limits, stop: threading.Event) -> bool:
    """True when no neuron can change its position between the lines (see _order_parts)."""
    for parts in cases:
        if not parts:
            continue
        answer = solver.solve(Query(disjunction_query(parts, "nnsolve: can two kink positions share a jump?")),
                              limits, stop)
        log.info("order query: %d parts, %s in %.2f s", len(parts), answer.status, answer.seconds)
        if answer.status != UNSAT:
            return False
    return True


def _unknown(solver: Solver, start: float, reason: str) -> TrainingResult:
    return TrainingResult(UNKNOWN, METHOD, solver.name, time.monotonic() - start, reason=reason)


def _residual(instance, family, found, system, bounds, equations, keys, order, solver, limits, start, deadline,
              progress=lambda step: None):
    def unknown(reason: str) -> TrainingResult:
        return _unknown(solver, start, reason)

    if system is None:
        if order.result():
            return TrainingResult(UNSAT, METHOD, solver.name, time.monotonic() - start,
                                  reason="exact elimination along the chains is inconsistent")
        return unknown("elimination inconsistent, but the neuron order across lines is not proven")
    relaxed = system.copy()
    for attempt in ("relaxed", "constant", "oriented"):
        extra: list = []
        if attempt == "constant":
            try:
                for o in range(instance.outputs):
                    system.equate({("A", o, "t"): 1})
                    system.equate({("A", o, "u"): 1})
                system.propagate()
            except Inconsistent:
                continue  # no network without flipped neurons: try orientations
        elif attempt == "oriented":
            system = relaxed
            extra = _orientation_equations(instance.outputs, found, family)
        groups = component_items(system, bounds, list(equations) + extra)
        parts = [component_script(g, "nnsolve chain decomposition residual") for g in groups]
        free = [v for q in parts for v in _free_variables(q)]
        left = deadline - time.monotonic()
        if left <= 0.5:
            return unknown(f"out of time before the residual query ({attempt})")
        answer = _solve_residual(system, bounds, list(equations) + extra, parts, free, keys, solver,
                                 Limits(left, limits.memory_mb), groups)
        log.info("chain residual (%s): %d free variables in %d components, %s in %.2f s", attempt, len(free),
                 len(parts), answer.status, answer.seconds)
        if answer.status == UNSAT:
            order_proven = order.result()
            if attempt == "relaxed" and order_proven:
                return TrainingResult(UNSAT, METHOD, solver.name, time.monotonic() - start,
                                      reason=f"the residual of the chain decomposition ({len(free)} variables) "
                                             f"is unsat" + (f": {answer.reason}" if answer.reason else ""))
            if attempt == "relaxed":
                return unknown("residual unsat, but the order is not proven")
            continue
        if answer.status != SAT or answer.inexact:
            return unknown(f"residual query ({attempt}): {answer.status} {answer.reason or ''}".strip())
        model = answer.model or {}
        values = {keys[n]: model[n] for n in free if n in model and n in keys}
        flipped = frozenset()
        if attempt == "oriented":
            flipped = frozenset(key for key in _neuron_keys(found) if numbers.sign(values.get(("s",) + key, 0)) <= 0)
        else:
            affine = [_value(system, ("A", o, k), values) for o in range(instance.outputs) for k in "tu"]
            if any(numbers.sign(a) != 0 for a in affine):
                if attempt == "relaxed":  # first: flip neurons of the relaxation's own model
                    flipped = _orientation_of_model(instance.outputs, found, family, relaxed, values, solver,
                                                    Limits(max(0.5, (deadline - time.monotonic()) / 3),
                                                           limits.memory_mb))
                    if flipped is not None:
                        network = _network(instance, family, found, relaxed, values, flipped)
                        if exact_fit(instance, network).ok:
                            return TrainingResult(SAT, METHOD, solver.name, time.monotonic() - start,
                                                  network=network, reason=f"{len(flipped)} flipped neurons")
                continue  # the relaxation's affine part is not a network's: ask again
        progress("exact-fit")
        network = _network(instance, family, found, system, values, flipped)
        report = exact_fit(instance, network)
        if report.ok:
            # which route of the residual found the model (a sat answer is checked, not
            # argued, so the route is a report, not part of the verdict)
            route = answer.stats.get("route")
            said = [f"{len(flipped)} flipped neurons"] if flipped else []
            said += [f"residual by the {route} route" + (f" ({answer.reason})" if answer.reason else "")] if route else []
            return TrainingResult(SAT, METHOD, solver.name, time.monotonic() - start, network=network,
                                  reason="; ".join(said) or None)
        return unknown(f"the residual's model ({attempt}) failed the exact check")
    return unknown("the relaxation is satisfiable, but no orientation of the neurons makes it a network")


SLACK = Fraction(1, 10**6)  # the relaxation that guides branching: |U - K k| <= SLACK
#: the guided route runs beside the exact one only up to this many free variables: its
#: relaxation query is then no easier than the residual itself (sat 300: 2,407 variables,
#: the relaxation unknown at 400 s) and only takes the exact route's core (docs/solving.md)
GUIDED_MAX_VARIABLES = 1000


def _solve_residual(system, bounds, equations, parts, free, keys, solver: Solver, limits: Limits,
                    groups=None) -> SolverResult:
    """The residual decided (model by name).  Without ites: the solver on the components.
    With ites, two routes side by side (threads, each waiting on its solver children), the
    first decisive answer wins and cancels the other:

    * the solver on the components as they are (rational solutions: often fast; unsat
      parts of large components, ``residual_parts``);
    * up to GUIDED_MAX_VARIABLES free variables, branch and eliminate
      (``nnsolve.decider.branching``), its cases ordered by a model of the relaxation
      |U - K k| <= SLACK of every bilinear definition (a relaxation has every solution,
      so its unsat is the residual's).  Irrational solutions of high degree: the exact
      query stalls, the relaxation has rational models;
    * beyond, where the relaxation is no easier than the residual: local lemmas
      (``nnsolve.decider.local_lemmas``), then branch and eliminate on what they leave.

    Which route runs beside the exact one, and for how long, is a schedule: leaving a
    route out or stopping it early can only turn an answer into unknown.  Beside the
    lemma route the exact route has :data:`EXACT_SHARE` of the time (at those sizes it
    decides early or not at all: unsat parts in seconds at 10,000 constraints; sat
    1,000 and 3,000 with no answer in 600 s and 4,000 s), but at least
    :data:`EXACT_MIN_SECONDS` (or all of the residual's time when less) unless the lemma
    route's value stage fixes a value (``forced``): then it is stopped once its share has
    passed (at once when the value comes later).  Its inner budgets (a third for the
    unsat parts of a large component) are sized by the longer limit, so a stop at the
    share may cut them.  Once it has ended the lemma queries use its core as well."""
    if not any(eq.pieces for eq in equations):
        return _solve_components(parts, solver, limits, groups=groups)
    second = _guided if len(free) <= GUIDED_MAX_VARIABLES else _lemma_route
    route = "guided" if second is _guided else "lemma"
    start = time.monotonic()
    decided = threading.Event()  # the exact route has a decisive answer
    stop = threading.Event()     # the guided route has one: cancel the exact route
    finished = threading.Event()  # the exact route has ended: its core is free
    release = threading.Event()   # the lemma route's guesses want the exact route's core
    forced = threading.Event()    # the lemma route's value stage has fixed a value
    exact_limits, exact_stop, extra, after = limits, stop, {}, None
    if second is _lemma_route:
        # beside the lemma route the exact route has EXACT_SHARE of the time, at least
        # EXACT_MIN_SECONDS unless the value stage fixes a value; then the lemma queries
        # take its core too
        share = EXACT_SHARE * limits.timeout
        exact_limits = Limits(max(share, min(EXACT_MIN_SECONDS, limits.timeout)), limits.memory_mb)
        after = _After(forced, start + share)
        exact_stop = _Either(stop, after)
        extra = {"spare_core": finished, "release_exact": release, "forced": forced}

    def exact() -> SolverResult:
        try:
            answer = _solve_components(parts, solver, exact_limits, exact_stop, groups, release=release)
        finally:
            finished.set()
        if answer.status not in (SAT, UNSAT) and after is not None and after.fired and not stop.is_set():
            answer = replace(answer, reason=f"{answer.reason or answer.status} (stopped once the value lemmas "
                                            f"fixed a value, past its share of the time: their cascade took its core)")
        progress_log.info("exact residual route: %s in %.0f s%s", answer.status, answer.seconds,
                          f" ({answer.reason})" if answer.reason else "")
        if answer.status in (SAT, UNSAT):
            decided.set()
        return answer

    pool = ThreadPoolExecutor(1)
    try:
        future = pool.submit(exact)
        guided = second(system, bounds, equations, free, keys, solver, limits, decided, **extra)
        if guided.status in (SAT, UNSAT) and not decided.is_set():
            stop.set()
            return replace(guided, solver=solver.name, seconds=time.monotonic() - start,
                           stats={**guided.stats, "route": route})
        answer = future.result()
        log.info("exact residual: %s in %.2f s", answer.status, answer.seconds)
        reason = answer.reason
        if answer.status not in (SAT, UNSAT):  # neither route decided: say what each did
            reason = f"exact route: {answer.reason or answer.status}; {route} route: {guided.reason or guided.status}"
        return replace(answer, seconds=time.monotonic() - start, reason=reason,
                       stats={**answer.stats, "route": "exact"})
    finally:
        stop.set()
        pool.shutdown(wait=True)


def _race(tasks: list, cancel: threading.Event, decisive: Callable[[object], bool]) -> tuple[list, object]:
    """Run each ``task(stop)`` in its own thread; the first result that is ``decisive``
    sets ``stop`` for the others, and so does ``cancel``.  Returns every task's result
    (in task order) and the first decisive one (None if none was).  Which task wins is a
    schedule: each must be right on its own."""
    stop = threading.Event()
    pool = ThreadPoolExecutor(len(tasks))
    try:
        futures = {pool.submit(task, stop): i for i, task in enumerate(tasks)}
        results, pending, first = [None] * len(tasks), set(futures), None
        while pending:
            done, pending = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
            if cancel is not None and cancel.is_set():
                stop.set()
            for future in done:
                results[futures[future]] = result = future.result()
                if first is None and decisive(result):
                    first = result
                    stop.set()
    finally:
        stop.set()
        pool.shutdown(wait=True)
    return results, first


def _decisive(answer) -> bool:
    return answer is not None and answer.status in (SAT, UNSAT)


def _guided(system, bounds, equations, free, keys, solver: Solver, limits: Limits,
            cancel: threading.Event) -> SolverResult:
    """The guided route of :func:`_solve_residual` (unknown as soon as ``cancel`` is set):
    the relaxation-guided search, and beside it (threads) the value lemmas with the exact
    query on what they leave, or guessed values where they fix none
    (:func:`_values_then_exact`); the first decisive answer ends both.  Where the residual
    forces values (the unsat-unique family) the search alone took 1,086 s at 100
    constraints and the value stage closes the same residual in about 30 s."""
    start = time.monotonic()
    results, first = _race([lambda stop: _guided_search(system, bounds, equations, free, keys, solver, limits, stop),
                            lambda stop: _values_then_exact(system, bounds, equations, free, keys, solver, limits,
                                                            stop)],
                           cancel, _decisive)
    answer = first or results[0]
    return replace(answer, seconds=time.monotonic() - start)


def _settled_residual(system, bounds, equations, free, keys):
    """The residual's free variables by key, and its settled case (None: inconsistent)."""
    wanted = [keys[n] for n in free if n in keys]
    return wanted, root_case(system, bounds, equations, wanted)


def _inconsistent(solver: Solver, start: float) -> SolverResult:
    return SolverResult(UNSAT, solver.name, time.monotonic() - start,
                        reason="exact elimination of the residual is inconsistent")


def _values_then_exact(system, bounds, equations, free, keys, solver: Solver, limits: Limits,
                       cancel: threading.Event) -> SolverResult:
    """The value lemmas on the settled residual (at most VALUE_SHARE of the time), then
    ``after_lemmas`` on what they leave.  Where they fix no value (a formula with free
    values), guessed values on the residual instead (``_guesses``: sat only, so this side
    then answers sat or unknown; the relaxation-guided search and the exact route beside
    it still decide unsat)."""
    start = time.monotonic()
    deadline = start + limits.timeout
    wanted, case = _settled_residual(system, bounds, equations, free, keys)
    if case is None:
        return _inconsistent(solver, start)
    out = value_lemmas(case, solver, Limits(VALUE_SHARE * limits.timeout, limits.memory_mb), cancel=cancel)
    summary = f"value lemmas: {out.pieces_before} -> {out.pieces_after} ite pieces, {out.lemmas} values, " \
              f"{out.queries} queries"
    if out.case is None:
        return SolverResult(UNSAT, solver.name, time.monotonic() - start, reason=f"{summary}; {out.reason}")
    if cancel.is_set() or deadline - time.monotonic() <= 1:
        return SolverResult(UNKNOWN, solver.name, time.monotonic() - start,
                            reason=f"{summary}; {'cancelled' if cancel.is_set() else 'no time left'}")
    if not out.lemmas:
        # nothing forced (a formula with free values): guessed values, as the lemma route
        # does (sat only; a guess's unsat is never reported)
        guessed = _guesses(out.case, wanted, solver, Limits(deadline - time.monotonic(), limits.memory_mb), 1,
                           cancel)
        if guessed.status == SAT:
            return replace(guessed, seconds=time.monotonic() - start, reason=f"{summary}; {guessed.reason}")
        return SolverResult(UNKNOWN, solver.name, time.monotonic() - start,
                            reason=f"{summary}; nothing to carry; {guessed.reason or guessed.status}")
    return after_lemmas(out.case, wanted, solver, Limits(deadline - time.monotonic(), limits.memory_mb), cancel,
                        summary)


def _guided_search(system, bounds, equations, free, keys, solver: Solver, limits: Limits,
                   cancel: threading.Event) -> SolverResult:
    """Branch and eliminate, its cases ordered by a model of the relaxation (unknown as
    soon as ``cancel`` is set)."""
    start = time.monotonic()
    deadline = start + limits.timeout
    relaxed = residual_components(system, bounds, equations, "nnsolve: relaxed residual (guide)", slack=SLACK)
    guide = _solve_components(relaxed, solver, Limits(limits.timeout / 3, limits.memory_mb), cancel)
    log.info("relaxed residual (slack %s): %s in %.2f s %s", SLACK, guide.status, guide.seconds, guide.reason or "")
    if guide.status == UNSAT:
        return replace(guide, seconds=time.monotonic() - start,
                       reason=f"the relaxation |U - K k| <= {SLACK} is unsat")
    if cancel.is_set():
        return SolverResult(UNKNOWN, solver.name, time.monotonic() - start, reason="cancelled")
    wanted = [keys[n] for n in free if n in keys]
    model = {keys[n]: v for n, v in (guide.model or {}).items() if n in keys} if guide.status == SAT else None
    answer = branch_and_eliminate(system, bounds, equations, _leaf_solver(solver, deadline, limits, cancel), wanted,
                                  deadline=deadline, guide=model, cancel=cancel)
    log.info("branch and eliminate: %s in %.2f s %s", answer.status, answer.seconds, answer.reason or "")
    return answer


#: the exact route's share of the time when the lemma route runs beside it (_solve_residual)
EXACT_SHARE = 0.25
#: ... but at least this many seconds (or all of the residual's time when less) unless the value
#: stage fixes a value: just past the lemma route's threshold (GUIDED_MAX_VARIABLES),
#: random planted formulas of 120-200 constraints with free values are decided by the
#: exact query in 11-20 s, which a quarter of the default --timeout 60 does not give;
#: where values are forced, their cascade needs both cores (unsat-unique 200: unsat in
#: 50 s with a quarter, unknown with 60 s) (docs/performance.md, "Twenty-fourth session")
EXACT_MIN_SECONDS = 60.0
#: a residual component with more variables is only searched for unsat parts, never
#: asked whole: there the whole query has not answered in any run (sat 3,000, 22,600
#: variables: none in 4,000 s; sat and unsat-unique 10,000, 80,300: none in 600-1,200 s),
#: and at 10,000 its z3 child grew to 3.4 GiB beside the 4.7 GiB decision process, 8.6
#: GiB at once (docs/performance.md, "Fourteenth session").  Sat 500 (4,036 variables)
#: is decided whole in about two minutes, sat 1,000 (about 7,300) was not in 600 s
WHOLE_MAX_VARIABLES = 20_000
#: solver children of a lemma round once the exact route has ended
SPARE_WORKERS = 2


#: the share of the lemma route's time that the lemmas may take (branching has the rest)
LEMMA_SHARE = 0.7


#: the lemma route's looks before its last stage: one pass of lemmas at each of these
#: radii in turn, each followed by this share of the time left for the exact query on
#: what they leave (and a guided search if its relaxation has a model).  Small radii
#: first: a pass at radius 2 costs a seventh of one at radius 4 and is often enough for
#: the exact query (sat 1,000: radius 2, 125 s, 7,874 -> 6,136 ite pieces, then sat in
#: 51 s; radius 4, 877 s, -> 2,478 pieces, then sat in 24 s; docs/performance.md)
LOOK_RADII = (2, 3)
FIRST_LOOK = 0.3
#: the share of the time left that the value lemmas may take.  They run side by side
#: with the first look (radius 2), one solver child each: where values are forced the
#: exact query after the radius-2 look only spends its share of the time (unsat-unique
#: 100, 1,086 s with the values second), and where the radius-2 look is enough the values
#: are the slower way (sat 1,000: 148 s with the look first, 386 s with the values first)
VALUE_SHARE = 0.5
#: while its cascade still fixes values the value stage may go on to this share of the
#: time left (``value_lemmas``' overtime), at every size the lemma route runs at: at
#: 10,000 constraints the unsat-unique spine needs tens of thousands of values at 10-30
#: a second, and what follows the stage (exact queries on a case of 60,000 ite pieces)
#: decides nothing at that size; at 1,000 the cascade ends by itself well within its share
VALUE_MAX_SHARE = 0.85
#: neighbourhoods the value look's first pass asks without a value before it stops and
#: the guesses go first (``value_lemmas``' ``barren``); the rest of the pass comes after
#: them.  Planted 10,000 (seed 1): the pass over 37,944 condition variables fixes nothing
#: in about 1,900 s, before any guess; unsat-unique fixes its first values in the pass's
#: first step (100 neighbourhoods) at every size.  Below this many condition variables
#: (about 1,300 constraints) the pass is never cut
PASS_BARREN = 5000
#: the guesses' share of the time left when they go before the rest of the pass (the
#: rest keeps what they leave: a value forced late in the pass still decides, later)
GUESS_FIRST_SHARE = 0.7


def _lemma_route(system, bounds, equations, free, keys, solver: Solver, limits: Limits,
                 cancel: threading.Event, spare_core: threading.Event | None = None,
                 release_exact: threading.Event | None = None, forced: threading.Event | None = None) -> SolverResult:
    """Local lemmas on the settled residual (``nnsolve.decider.local_lemmas``: each lemma
    is implied by the residual, so the case they leave has its solutions), then
    ``after_lemmas`` on that case: first two looks side by side (threads), the value
    lemmas (``nnsolve.decider.value_lemmas``: exact values the residual forces, carried
    along it; implied too) and one pass at the first of :data:`LOOK_RADII`, each with the
    exact query on what it leaves; the first decisive answer ends both.  Otherwise the
    values go into the case the pass left (each is implied by the residual, and that case
    has the residual's solutions, so adding them as equations keeps its solutions; a
    contradiction means it has none), then one pass at each other look radius, then
    every pass at the stage's radii, each with ``after_lemmas`` (unknown as soon as
    ``cancel`` is set).  A look that fixed nothing leaves the case as it was: its exact
    query is not asked (the last pass still runs ``after_lemmas`` on that case; for the
    first looks the exact route asks it too).  Once ``spare_core`` is set, the
    sequential looks' queries go to :data:`SPARE_WORKERS` children, and so do the value
    lemmas' once the first look has ended too; the value lemmas have VALUE_SHARE of the
    time left, and up to VALUE_MAX_SHARE while their cascade goes on (``value_lemmas``'
    overtime).  Where the value look's pass found nothing forced, guessed values on the
    residual in its thread (``nnsolve.decider.guesses``: sat only; up to VALUE_MAX_SHARE
    of the time left).  Where its first :data:`PASS_BARREN` neighbourhoods fixed nothing
    the pass stops there, the radius-first look stops too (its lemmas so far are kept),
    ``release_exact`` is set (the exact route skips or stops its whole-component query
    once its unsat parts are searched), the guesses go first (up to GUESS_FIRST_SHARE of
    the time left, with the cores freed), and then the whole value stage runs again with
    what they left.  The value stage sets ``forced`` at its first value (the exact
    route's schedule reads it: ``_solve_residual``)."""
    start = time.monotonic()
    deadline = start + limits.timeout
    wanted, case = _settled_residual(system, bounds, equations, free, keys)
    if case is None:
        return _inconsistent(solver, start)
    memory, before, tally, lock = LemmaMemory(), ite_pieces(case), Counter(), threading.Lock()
    first, *rest = LOOK_RADII

    def summary(after: int) -> str:
        return f"local lemmas: {before} -> {after} ite pieces, {tally['lemmas']} lemmas, " + \
            (f"{tally['values']} values, " if tally["values"] else "") + f"{tally['queries']} queries"

    def workers() -> int:
        return SPARE_WORKERS if spare_core is not None and spare_core.is_set() else 1

    def look(kind, radii, passes, share, case, stop, children, barren=None):
        """One stage on ``case``, then the exact query on what it leaves: (its outcome,
        the query's answer or None when nothing was asked)."""
        left = deadline - time.monotonic()
        if left <= 1 or stop.is_set():
            return None, None
        if kind == "values":
            out = value_lemmas(case, solver, Limits(VALUE_SHARE * left, limits.memory_mb), radii=radii,
                               workers=children, cancel=stop, overtime=(VALUE_MAX_SHARE - VALUE_SHARE) * left,
                               barren=barren, forced=forced)
        else:
            out = local_lemmas(case, solver, Limits(LEMMA_SHARE * left, limits.memory_mb), radii=radii,
                               cancel=stop, passes=passes, memory=memory, workers=children)
        with lock:
            tally.update({"values" if kind == "values" else "lemmas": out.lemmas, "queries": out.queries})
        if out.case is None:
            return out, SolverResult(UNSAT, solver.name, time.monotonic() - start,
                                     reason=f"{summary(0)}; {out.reason}")
        if stop.is_set() or (not out.lemmas and (kind == "values" or passes is not None)):
            # a look that fixed nothing: the case is unchanged, and the last pass (passes
            # None) still runs after_lemmas' whole search on it (for the first looks the
            # exact route asks about it too); at 10,000 constraints this query held a core
            # beside the values for nothing (unsat-unique: 87,114 ite pieces, unknown)
            return out, None
        answer = after_lemmas(out.case, wanted, solver, Limits(share * (deadline - time.monotonic()),
                                                                   limits.memory_mb),
                              stop, summary(out.pieces_after), need_guide=passes is not None or kind == "values")
        progress_log.info("after the %s at radii %s: %s in %.0f s (%s)", "value lemmas" if kind == "values"
                          else "lemmas", ",".join(map(str, radii)), answer.status, answer.seconds,
                          answer.reason or "-")
        return out, answer

    looked_first = threading.Event()  # the radius-first look has ended: its core is free
    first_stop = threading.Event()    # the radius-first look stops: the race's end, or a cut pass

    def first_look(stop):
        # the race's stop also stops this look (the link thread ends when the race does:
        # _race sets its stop at the end whatever happens)
        threading.Thread(target=lambda: (stop.wait(), first_stop.set()), daemon=True).start()
        try:
            return look("lemmas", (first,), 1, FIRST_LOOK, case, first_stop, 1)
        finally:
            looked_first.set()

    def values_look(stop):
        out, answer = look("values", VALUE_RADII, None, FIRST_LOOK, case, stop, value_workers, PASS_BARREN)
        if out is None or out.case is None or out.lemmas or _decisive(answer) or stop.is_set() or \
                deadline - time.monotonic() <= 1:
            return out, answer
        # the pass found nothing forced (a floating formula), or nothing in its first
        # PASS_BARREN neighbourhoods: guesses, on this look's core (two children once the
        # exact route and the radius-2 look have ended)
        share = GUESS_FIRST_SHARE if out.barren else VALUE_MAX_SHARE
        if out.barren:
            # a formula this large: the radius-2 look's pass and exact query have decided
            # nothing there (planted 10,000: 14,449 lemmas in the pass, then the exact
            # query out of time), and they would hold a core the guesses need for about
            # 2,000 s; its lemmas so far stay in the case, the later looks go further
            progress_log.info("lemmas: the radius-%d look stops, the guesses take its core", first)
            first_stop.set()
            if release_exact is not None:  # and the exact route's, once its unsat parts are searched
                release_exact.set()
        guessed = _guesses(case, wanted, solver, Limits(share * (deadline - time.monotonic()), limits.memory_mb),
                           value_workers, stop)
        if guessed.status == SAT or not out.barren:
            return out, guessed if guessed.status == SAT else answer
        # the pass was cut: the whole stage again, with what the guesses left (its first
        # PASS_BARREN neighbourhoods are asked again: the stage keeps no state between calls)
        progress_log.info("value lemmas: the pass again after the guesses")
        again = look("values", VALUE_RADII, None, FIRST_LOOK, case, stop, value_workers)
        return again if again[0] is not None else (out, answer)

    def value_workers() -> int:
        # a second child once the exact route and the first look have both left their cores
        return workers() if looked_first.is_set() else 1

    # the first looks side by side; the first decisive answer stops the other
    looked, decided = _race([values_look, first_look], cancel, lambda result: _decisive(result[1]))
    if decided is not None:
        return replace(decided[1], seconds=time.monotonic() - start)
    (by_value_look, by_values), (lemma_out, by_lemmas) = looked
    answer = by_lemmas or by_values or \
        SolverResult(UNKNOWN, solver.name, time.monotonic() - start,
                     reason="cancelled" if cancel.is_set() else
                     "no time for the lemmas" if lemma_out is None and by_value_look is None else
                     f"{summary(ite_pieces(case))}; the residual unchanged, its exact query is the exact route's")
    if cancel.is_set():
        return replace(answer, seconds=time.monotonic() - start)
    case = lemma_out.case if lemma_out is not None else case
    if by_value_look is not None and by_value_look.values:
        try:
            case = with_values(case, by_value_look.values)
        except Inconsistent:
            case = None
        if case is None:
            return SolverResult(UNSAT, solver.name, time.monotonic() - start,
                                reason=f"{summary(0)}; the values fixed contradict " +
                                       (f"the case the radius-{first} look left" if lemma_out is not None
                                        else "the residual"))

    for radii, passes, share in [((r,), 1, FIRST_LOOK) for r in rest] + [(RADII, None, 1.0)]:
        if deadline - time.monotonic() <= 1 or cancel.is_set():
            break
        out, asked = look("lemmas", radii, passes, share, case, cancel, workers)
        if out is None or cancel.is_set():  # no time left, or cancelled
            break
        if asked is None:  # no lemma at these radii: the case is unchanged, look further
            continue
        answer = asked
        if out.case is None or answer.status in (SAT, UNSAT):
            return replace(answer, seconds=time.monotonic() - start)
        case = out.case
    return replace(answer, seconds=time.monotonic() - start)


def _guesses(case, wanted, solver: Solver, limits: Limits, workers, cancel) -> SolverResult:
    """``guess_and_carry`` on ``case`` (``nnsolve.decider.guesses``: sat only, with a
    model of ``case`` for ``wanted`` by name; a guess's unsat is never reported)."""
    start = time.monotonic()
    try:
        answer = guess_and_carry(case, solver, limits, lambda c, lim: _solve_case(c, wanted, solver, lim, cancel),
                                 workers=workers, cancel=cancel)
    except Exception as error:  # the guesses only ever add a sat: a fault there costs that, not the route
        log.exception("guesses failed")
        answer = SolverResult(UNKNOWN, solver.name, time.monotonic() - start, reason=f"guesses failed: {error!r}")
    progress_log.info("guesses: %s in %.0f s (%s)", answer.status, answer.seconds, answer.reason or "-")
    return answer


def after_lemmas(case, wanted, solver: Solver, limits: Limits, cancel: threading.Event | None = None,
                 summary: str = "local lemmas", need_guide: bool = False) -> SolverResult:
    """Decide the case the local lemmas leave: first the solver on it as it is (its
    components, a third of the time), then a model of its relaxation (if the solver
    finds one in a third of what is left) orders branch and eliminate's cases.  With
    ``need_guide``, unknown when there is no such model (a look: the search without a
    guide is left for later), and unknown without asking the relaxation when the case
    has more than GUIDED_MAX_VARIABLES variables.  A sat model is given for ``wanted``
    by name."""
    start = time.monotonic()
    deadline = start + limits.timeout
    guide = None
    if case.equations:
        # the lemmas decided most ites (linear equations now, eliminated): the exact query
        # on what is left can be easy where the residual's was not (sat 1,000: 7,874 ite
        # pieces, no answer in 600 s; after one pass at radius 4, 2,478 pieces, sat in 24 s)
        answer = _solve_case(case, wanted, solver, Limits(max(0.5, (deadline - time.monotonic()) / 3),
                                                          limits.memory_mb), cancel)
        log.info("exact query after %s: %s in %.2f s", summary, answer.status, answer.seconds)
        if answer.status == UNSAT:
            return replace(answer, seconds=time.monotonic() - start,
                           reason=f"{summary}; what they leave is unsat")
        if answer.status == SAT:
            return replace(answer, seconds=time.monotonic() - start,
                           reason=f"{summary}; what they leave is sat")
        if cancel is not None and cancel.is_set():
            return SolverResult(UNKNOWN, solver.name, time.monotonic() - start, reason="cancelled")
        if need_guide and len(case_variables(case)) > GUIDED_MAX_VARIABLES:
            # a look: beyond GUIDED_MAX_VARIABLES the relaxation has not been found where
            # the exact query was not (sat 300 after lemmas: unknown at 300 s and 400 s)
            return SolverResult(UNKNOWN, solver.name, time.monotonic() - start,
                                reason=f"{summary}; what they leave: {answer.status} ({answer.reason})")
        # what the lemmas leave is smaller than the residual: its relaxation may now have a
        # model to order the cases by (the case has the residual's solutions, so the
        # relaxation's unsat is the residual's)
        relaxed = residual_components(case.system, case.bounds, list(case.equations),
                                      "nnsolve: relaxed residual after local lemmas", slack=SLACK)
        found = _solve_components(relaxed, solver, Limits(max(0.5, (deadline - time.monotonic()) / 3),
                                                          limits.memory_mb), cancel)
        log.info("relaxation after %s: %s in %.2f s", summary, found.status, found.seconds)
        if found.status == UNSAT:
            return SolverResult(UNSAT, solver.name, time.monotonic() - start,
                                reason=f"{summary}; the relaxation |U - K k| <= {SLACK} of what they leave is unsat")
        if found.status == SAT:
            guide = _by_key(case, found.model)
        elif need_guide:
            return SolverResult(UNKNOWN, solver.name, time.monotonic() - start,
                                reason=f"{summary}; no model of the relaxation of what they leave "
                                       f"({found.status})")

    answer = branch_and_eliminate(case.system, case.bounds, case.equations,
                                  _leaf_solver(solver, deadline, limits, cancel), wanted,
                                  deadline=deadline, guide=guide, cancel=cancel)
    log.info("branch and eliminate after %s: %s in %.2f s %s", summary, answer.status, answer.seconds,
             answer.reason or "")
    return replace(answer, reason=f"{summary}; branching: {answer.reason}" if answer.reason else summary)


def _solve_case(case, wanted, solver: Solver, limits: Limits, cancel: threading.Event | None = None) -> SolverResult:
    """A case of the residual (its ites as they are) decided by the solver on its
    components; a sat model (exact values only) read through the case's system for
    ``wanted``, by name (free variables that no assertion uses are 0)."""
    parts = residual_components(case.system, case.bounds, list(case.equations), "nnsolve: residual case")
    answer = _solve_components(parts, solver, limits, cancel)
    if answer.status != SAT:
        return answer
    if answer.inexact:
        return replace(answer, status=UNKNOWN, model=None,
                       reason=f"values not exact: {', '.join(answer.inexact[:3])}")
    values = _by_key(case, answer.model)
    return replace(answer, model={name(v): x for v, x in _extend(case.system, values, wanted).items()})


def _by_key(case, model) -> dict:
    """A solver's model of a case's query (values by name) by the case's variable keys."""
    names = {name(k): k for k in case_variables(case)}
    return {names[n]: v for n, v in (model or {}).items() if n in names}


def _leaf_solver(solver: Solver, deadline: float, limits: Limits, cancel):
    """Branch and eliminate's leaf: the solver on the case's components, for at most 30 s
    and what is left before ``deadline``."""
    def leaf(case):
        return _solve_components(residual_components(case.system, case.bounds, list(case.equations),
                                                     "nnsolve: branch leaf"),
                                 solver, Limits(max(0.5, min(30.0, deadline - time.monotonic())), limits.memory_mb),
                                 cancel)
    return leaf


class _After:
    """Set once ``event`` is set and the clock has passed ``at`` (read with ``is_set``);
    ``fired`` records that a reader saw it set."""

    def __init__(self, event: threading.Event, at: float) -> None:
        self.event, self.at, self.fired = event, at, False

    def is_set(self) -> bool:
        if not self.fired and self.event.is_set() and time.monotonic() >= self.at:
            self.fired = True
        return self.fired


class _Either:
    """Set when either of two events is (read with ``is_set``, as the solvers read their
    ``cancel``)."""

    def __init__(self, first, second) -> None:
        self.events = [e for e in (first, second) if e is not None]

    def is_set(self) -> bool:
        return any(e.is_set() for e in self.events)


def _solve_components(parts: list[str], solver: Solver, limits: Limits,
                      cancel: threading.Event | None = None, groups=None,
                      release: threading.Event | None = None) -> SolverResult:
    """Sat iff every component is sat (disjoint variables: the union of the models is a
    model); unsat as soon as one component is.  Smallest first, so a small unsat component
    is found before a large one uses the time.  The first answer other than sat ends the
    search: an unknown component gives unknown even when a later one would be unsat (sound,
    not complete; tests/test_residual_components.py).  With ``groups`` (the components'
    items, as ``component_items`` gives them), a component of at least
    ``residual_parts.MIN_COMPONENT`` variables is first searched for an unsat part
    (``residual_parts.unsat_part``) for a third of the time left, and one of more than
    :data:`WHOLE_MAX_VARIABLES` only that way (unknown at the end).  Once ``release`` is
    set the search for unsat parts still runs (in every component), but the whole query
    of a component with such a search is skipped or stopped (unknown at the end): at the sizes where the lemma route's
    guesses ask for this (a value pass with nothing in its first ``PASS_BARREN``
    neighbourhoods) it has never answered (sat 1,000, 3,000 and 10,000: no answer in
    600-4,000 s), and the guesses need its core."""
    start = time.monotonic()
    deadline = start + limits.timeout
    model: dict = {}
    inexact: list = []
    skipped = 0  # components whose whole query a release skipped (their unsat parts were searched)
    for k, query in enumerate(parts):
        left = deadline - time.monotonic()
        if left <= 0.5:
            return SolverResult(UNKNOWN, solver.name, time.monotonic() - start, reason="timeout (components)")
        if cancel is not None and cancel.is_set():
            return SolverResult(UNKNOWN, solver.name, time.monotonic() - start, reason="cancelled")
        variables = tuple(_free_variables(query))
        if groups is not None and len(variables) >= residual_parts.MIN_COMPONENT:
            found = residual_parts.unsat_part(groups[k], solver, Limits(left / 3, limits.memory_mb), cancel)
            if found is not None:
                return replace(found, seconds=time.monotonic() - start)
            left = deadline - time.monotonic()
            if len(variables) > WHOLE_MAX_VARIABLES or (release is not None and release.is_set()):
                skipped += 1  # the next components' unsat parts are still searched
                continue
        # a few fixed variable orderings first: on these residuals one of them decides in
        # seconds what the solver's own schedule may not reach under load (docs/solving.md)
        stopping = _Either(cancel, release) if groups is not None and len(variables) >= \
            residual_parts.MIN_COMPONENT else cancel
        answer = solver.solve(Query(query, variables, strategy="orderings"), Limits(left, limits.memory_mb), stopping)
        if answer.status != SAT:
            return replace(answer, seconds=time.monotonic() - start)
        model.update(answer.model or {})
        inexact += answer.inexact
    if skipped:
        return SolverResult(UNKNOWN, solver.name, time.monotonic() - start,
                            reason=f"no unsat part; the whole query of {skipped} component(s) not asked "
                                   f"(over {WHOLE_MAX_VARIABLES:,} variables, or the guesses took its core)")
    return SolverResult(SAT, solver.name, time.monotonic() - start, model, inexact=tuple(inexact))


def _neuron_keys(found) -> list[tuple[int, int]]:
    return [(g, r) for g, chain in enumerate(found) for r in range(chain.kinks)]


def _orientation_of_model(outputs: int, found, family, system: LinearSystem, values: dict, solver: Solver,
                          limits: Limits) -> frozenset | None:
    """A set S of neurons to flip that turns this model of the relaxation into a network
    (the equations of :func:`_orientation_equations` with every value but the signs fixed:
    a subset-sum over constants, easy for a solver), or None.  Only for rational models;
    the caller checks the network with exact_fit."""
    D = family[-1].line.c - family[0].line.c
    keys = _neuron_keys(found)
    eqs = []
    for o in range(outputs):
        rows = [(("A", o, "t"), Fraction(1), lambda k: [(("K",) + k + (o,), 1)]),
                (("A", o, "u"), D, lambda k: [(("V",) + k + (o,), -1), (("U",) + k + (o,), 1)])]
        for target, scale, parts in rows:
            base = numbers.mul(scale, _value(system, target, values))
            pieces = []
            for k in keys:
                c = Fraction(0)
                for var, sign in parts(k):
                    c = numbers.add(c, numbers.mul(Fraction(sign), _value(system, var, values)))
                if not isinstance(c, Fraction) or not isinstance(base, Fraction):
                    return None
                if c:
                    pieces.append(({("s",) + k: 1}, Fraction(0), {None: c}))
            if not pieces:  # no flip changes this row: it holds or nothing helps
                if base:
                    return None
                continue
            eqs.append(PiecewiseEquation({None: base}, tuple(pieces)))
    query = residual_query(LinearSystem(), (), eqs, "nnsolve: which neurons to flip?")
    free = _free_variables(query)
    answer = solver.solve(Query(query, tuple(free)), limits)
    log.info("orientation of the relaxed model: %s in %.2f s", answer.status, answer.seconds)
    if answer.status != SAT or answer.inexact:
        return None
    model = answer.model or {}
    return frozenset(k for k in keys if name(("s",) + k) in model and numbers.sign(model[name(("s",) + k)]) <= 0)


def _orientation_equations(outputs: int, found, family) -> list[PiecewiseEquation]:
    """The affine part that flipped neurons leave, as equations with one free sign s_j
    per neuron (flipped iff s_j <= 0).

    K relu(k(u) - t) = K relu(t - k(u)) - K (t - k(u)), and K k(u) = U + (u - u_1)(V - U)/D
    with D = u_L - u_1.  So the networks are exactly the relaxation's models with
    A_t = -sum_S K_j and D A_u = sum_S (V_j - U_j) for some set S of flipped neurons, and
    the constant part free (the output bias absorbs it).  See docs/solving.md."""
    D = family[-1].line.c - family[0].line.c
    keys = _neuron_keys(found)
    out = []
    for o in range(outputs):
        out.append(PiecewiseEquation({("A", o, "t"): 1},
                                     tuple(({("s",) + k: 1}, Fraction(0), {("K",) + k + (o,): 1}) for k in keys)))
        out.append(PiecewiseEquation({("A", o, "u"): D},
                                     tuple(({("s",) + k: 1}, Fraction(0),
                                            {("V",) + k + (o,): -1, ("U",) + k + (o,): 1}) for k in keys)))
    return out


def _free_variables(query: str) -> list[str]:
    return [line.split()[1] for line in query.splitlines() if line.startswith("(declare-fun ")]


#: which variables elimination removes first (lower first); a module-level table, so a
#: case can be pickled (sent to another process or saved for a replay).  The powers of an
#: algebraic anchor (field_values): P_1 .. P_(d-1) last, so that forms are written in them
#: (their value is known exactly), P_d first
_PRIORITY = {"U": 0, "V": 0, TOP: 0, "A": 1, "K": 2, "p": 3, "q": 3, "s": 4, "P": 5, "c": 6, POWER: 7}


def _elimination_priority(variable: tuple) -> int:
    return _PRIORITY[variable[0]]


def _global_system(instance, family, found, blocks):
    a, b = family[0].line.a, family[0].line.b
    u1, uL = family[0].line.c, family[-1].line.c
    lines_u = [c.line.c for c in family]
    on_line: dict[int, int] = {}
    for li, count in enumerate(family):
        for idx in count.line.points:
            on_line[idx] = li
    neurons = []  # (key, windows per family line)
    for g, chain in enumerate(found):
        for r in range(chain.kinks):
            neurons.append(((g, r), [blocks[li, bi].windows.windows[r] for li, bi in chain.blocks]))
    # recentred positions ("c") stay free, the positions they replace are eliminated
    system = LinearSystem(_elimination_priority)
    bounds, equations = [], []
    outputs = instance.outputs
    try:
        for key, wins in neurons:
            for o in range(outputs):
                system.define(("U",) + key + (o,), ("K",) + key + (o,), ("p",) + key)
                system.define(("V",) + key + (o,), ("K",) + key + (o,), ("q",) + key)
            for li, (lo, hi) in enumerate(wins):
                lam = (lines_u[li] - u1) / (uL - u1)
                bounds.append(Bound({("p",) + key: 1 - lam, ("q",) + key: lam}, lo, hi))
        # on-line points first (their relus are decided by the windows), then what they imply
        # about each breakline, then the off-line points with the sharper intervals
        pending = [idx for idx in range(len(instance.points)) if idx not in on_line]
        for li, count in enumerate(family):
            _line_equations(instance, li, count.line, neurons, a, b, u1, uL, system, equations)
        system.propagate()
        shifts = _parallel_shifts(system, neurons, outputs)
        prefixes = _off_line_equations(instance, pending, neurons, a, b, u1, uL, system, equations, shifts)
        system.propagate()
        equations = _resolve_pieces(system, equations)
    except Inconsistent:
        return None, None, None, None
    reduced = [system.reduce(bound.expr) for bound in bounds]  # once, for the check and recentre
    for bound, e in zip(bounds, reduced):  # a bound on a fixed position can be checked here
        if all(k is None for k in e):
            v = e.get(None, Fraction(0))
            if (bound.lo is not None and v < bound.lo) or (bound.hi is not None and v > bound.hi):
                return None, None, None, None
    keys = [("A", o, k) for o in range(outputs) for k in "ctu"] + prefixes
    keys += recentre(system, bounds, reduced=reduced)  # windows far from 0 moved next to it (docs/solving.md)
    for key, _ in neurons:
        keys += [("p",) + key, ("q",) + key, ("s",) + key]
        keys += [(v,) + key + (o,) for v in "KUV" for o in range(outputs)]
    return system, bounds, equations, {name(k): k for k in keys}


def _line_equations(instance, li, line, neurons, a, b, u1, uL, system, equations) -> None:
    """The label equations of the points on family line ``li``, in a sparse but
    equivalent form: the first two points' equations as they are, then for every interior
    point i the change of slope, d_i = e_{i-1}/(t_i - t_{i-1}) - (1/(t_i - t_{i-1}) +
    1/(t_{i+1} - t_i)) e_i + e_{i+1}/(t_{i+1} - t_i).  Since e_{i+1} has a nonzero
    coefficient in d_i, {e_0, e_1, d_1, ..., d_{n-2}} and {e_0, ..., e_{n-1}} have the same
    solutions.  In d_i the affine part cancels (u is constant on the line, and the
    coefficients sum to 0 and to 0 against t), and so does every neuron whose relu the
    windows decide as linear at all three points (K t - K k: the same cancellation) or as 0
    at all three: only neurons whose window meets (t_{i-1}, t_{i+1}) remain.  So the
    equations cost the points plus the kinks near them, not points x neurons."""
    # the arithmetic in the system's fast rational type (exact); pieces stay Fractions
    R = system.rational
    lam = (line.c - u1) / (uL - u1)
    aq, bq = R(a), R(b)
    pts = sorted((-bq * R(instance.points[i].x[0]) + aq * R(instance.points[i].x[1]), i) for i in line.points)
    ys = {i: [R(y) for y in instance.points[i].y] for _, i in pts}
    wins = [(key, wins_[li]) for key, wins_ in neurons]
    winq = [(R(lo), R(hi)) for _, (lo, hi) in wins]
    order = sorted(range(len(wins)), key=lambda j: winq[j][0])
    los = [winq[j][0] for j in order]
    widest = max((hi - lo for lo, hi in winq), default=R(0))

    def near(t_lo, t_hi) -> list[int]:
        """Neurons whose window meets the open interval (t_lo, t_hi)."""
        start = bisect_left(los, t_lo - widest)
        stop = bisect_left(los, t_hi)
        return [order[r] for r in range(start, stop) if winq[order[r]][1] > t_lo]

    lamq, cq_line = R(lam), R(line.c)

    def emit(combo: list, involved, affine: bool) -> None:
        """``combo``: (coefficient, t, point) triples in the rational type."""
        combo_q = [(_coefficients(t, lamq, c), c, t, i) for c, t, i in combo]
        for o in range(instance.outputs):
            base: dict = {None: -sum((c * ys[i][o] for _, c, _, i in combo_q), R(0))}
            if affine:
                (c, t, i), = combo
                base.update({("A", o, "c"): R(1), ("A", o, "t"): t, ("A", o, "u"): cq_line})
            pieces = []
            for j in involved:
                key = wins[j][0]
                lo, hi = winq[j]
                for coefficients, c, t, _ in combo_q:
                    if t >= hi:
                        kc, uc, vc = coefficients  # _terms inlined: the hot loop of this stage
                        for k, v in ((("K",) + key + (o,), kc), (("U",) + key + (o,), uc), (("V",) + key + (o,), vc)):
                            base[k] = base.get(k, 0) + v
                    elif t > lo:
                        tf = fraction(t)
                        pieces.append(({("p",) + key: 1 - lam, ("q",) + key: lam}, tf,
                                       _linear_part(key, o, tf, lam, fraction(c))))
            if pieces:
                equations.append(PiecewiseEquation(system.reduce(base), tuple(pieces)))
            else:
                system.equate(base)

    everyone = range(len(wins))
    for t, i in pts[:2]:
        emit([(R(1), t, i)], everyone, True)
    for r in range(1, len(pts) - 1):
        (t0, i0), (t1, i1), (t2, i2) = pts[r - 1], pts[r], pts[r + 1]
        left, right = 1 / (t1 - t0), 1 / (t2 - t1)
        emit([(left, t0, i0), (-(left + right), t1, i1), (right, t2, i2)], near(t0, t2), False)


def _linear_part(key, o, t, lam, scale=1) -> dict:
    """scale times neuron ``key``'s relu at (t, lam) where it is linear (t at or above its
    window): scale (K t - (1 - lam) U - lam V) in output o (U = K p, V = K q)."""
    return _terms(key, o, _coefficients(t, lam, scale))


def _coefficients(t, lam, scale=1) -> tuple:
    """The coefficients of K, U and V in :func:`_linear_part` (computed once where many
    neurons share them)."""
    return scale * t, -scale * (1 - lam), -scale * lam


def _terms(key, o, coefficients) -> dict:
    """{K: k, U: u, V: v} of neuron ``key`` in output o, for coefficients (k, u, v)."""
    k, u, v = coefficients
    return {("K",) + key + (o,): k, ("U",) + key + (o,): u, ("V",) + key + (o,): v}


PREFIX_MIN = 256  # prefix sums pay when this many neurons of a group are linear at a point


def _window_at(key, wins, lam, shifts) -> tuple[Fraction, Fraction]:
    """Bounds on neuron ``key``'s breakline crossing at the family parameter ``lam``."""
    if key in shifts:  # k(u) = p + lam c = q - (1 - lam) c: both windows bound it
        c = shifts[key]
        (lo1, hi1), (loL, hiL) = wins[0], wins[-1]
        return max(lo1 + lam * c, loL - (1 - lam) * c), min(hi1 + lam * c, hiL - (1 - lam) * c)
    return _interval([(1 - lam, wins[0]), (lam, wins[-1])])


_FILTER = 1e-12  # relative margin of the float filter in _status_at (doubles err by ~1e-15)


def _float_windows(key, wins, shifts):
    """Doubles for ``_status_at``'s filter (None when a value does not fit a double)."""
    try:
        (lo1, hi1), (loL, hiL) = wins[0], wins[-1]
        c = shifts.get(key)
        return (float(lo1), float(hi1), float(loL), float(hiL), None if c is None else float(c))
    except OverflowError:
        return None


def _double(x) -> float:
    """``float(x)``, or an infinity of x's sign when x lies beyond the doubles."""
    try:
        return float(x)
    except OverflowError:
        return math.inf if x > 0 else -math.inf


def _status_at(key, wins, lam, shifts, t, fwin, lam_f, t_f) -> str | None:
    """How neuron ``key`` enters the equation of a point at (t, lam): "linear" (t at or
    above its window there), "piece" (inside) or None (at or below: 0).

    Floats only filter: the window's ends computed in doubles from correctly rounded
    inputs are within a few units in the last place (about 1e-15 relative) of the exact
    ones, so a margin of ``_FILTER`` times the magnitudes involved, 1000 times larger,
    leaves the answer unchanged; anything within the margin is computed exactly
    (``_window_at``)."""
    if fwin is not None and math.isfinite(t_f) and math.isfinite(lam_f):  # else: exact only
        lo1, hi1, loL, hiL, c = fwin
        m = 1.0 - lam_f
        if c is not None:
            lo = max(lo1 + lam_f * c, loL - m * c)
            hi = min(hi1 + lam_f * c, hiL - m * c)
            size = abs(lo1) + abs(hi1) + abs(loL) + abs(hiL) + 2 * abs(c) * (abs(lam_f) + abs(m))
        else:
            a0, a1 = (m * lo1, m * hi1) if m >= 0 else (m * hi1, m * lo1)
            b0, b1 = (lam_f * loL, lam_f * hiL) if lam_f >= 0 else (lam_f * hiL, lam_f * loL)
            lo, hi = a0 + b0, a1 + b1
            size = abs(m) * (abs(lo1) + abs(hi1)) + abs(lam_f) * (abs(loL) + abs(hiL))
        err = _FILTER * (size + abs(t_f) + 1.0)
        if t_f >= hi + err:
            return "linear"
        if t_f <= lo - err:
            return None
        if lo + err < t_f < hi - err:
            return "piece"
    lo, hi = _window_at(key, wins, lam, shifts)
    return "linear" if t >= hi else "piece" if t > lo else None


def _off_line_equations(instance, pending, neurons, a, b, u1, uL, system, equations, shifts) -> list:
    """The label equations of the points off the family lines, without points x neurons
    status decisions.

    Each relu is decided by the neuron's window at the point (``_window_at``): linear
    when t is at or above it, 0 at or below it, an ite inside.  The neurons are split
    into groups whose statuses are found by bisection, not one by one:

    * a neuron with a fixed shift c (q = p + c, ``_parallel_shifts``) has the window
      lam c + [lo', hi'] at the family parameter lam, lo' = max(lo_1, lo_L - c) and
      hi' = min(hi_1, hi_L - c) (both ends of ``_window_at`` are lam c plus a
      constant), so with s = t - lam c it is linear iff hi' <= s; otherwise 0 iff lo' >= s, an
      ite otherwise: exact comparisons of s with constants.  One group per distinct c,
      sorted by hi' (the linear ones are a prefix) and by lo';
    * the neurons without a shift form one group: over the points' range of lam the
      window's upper end is convex and its lower end concave in lam (sums of max / min
      of two linear functions), so their extremes at the range's ends, hmax_j and
      lmin_j, bound them everywhere: a neuron with hmax_j <= t is linear at the point,
      one with lmin_j >= t is 0, and only the others are decided one by one
      (``_status_at``).

    When a group's linear prefix at a point is long (``PREFIX_MIN``) its sum enters
    through prefix variables P_n = P_{n-1} + X_{pi_n} of that group (X in K, U, V;
    linear definitions, so the solutions do not change), and the equation has O(1)
    terms for it.  The equations' bases are accumulated reduced, in the system's own
    rational type, so a linear neuron costs its few reduced terms, not a Fraction sum
    that is reduced again later.

    *Bumps.*  When the system already implies sum K = sum U = sum V = 0 over a shifted
    group (every output; on reduction outputs every stripe is such a bounded bump), the
    group adds sum (K t - (1 - lam) U - lam V) = 0 wherever all of it is linear, and
    nothing where all of it is 0: it matters only at points with s strictly between its
    smallest lo' and largest hi'.  Those groups are found per point by one vectorized
    pass in doubles (``_BumpIndex``: a candidate whenever s is within a proven margin of
    that range, so a group it leaves out is exactly all-linear or all-zero there), and
    only they get the exact bisections.  Leaving out a term that reduces to 0 leaves
    the reduced equation as it was.  Returns the prefix variables defined."""
    if not pending:
        return []
    D = uL - u1
    places = {}
    for idx in pending:
        x, y = instance.points[idx].x
        t, u = -b * x + a * y, a * x + b * y
        places[idx] = (t, u, (u - u1) / D)
    outputs = instance.outputs
    prefixes: list = []
    rational = system.rational
    groups = _status_groups(neurons, shifts, [lam for _, _, lam in places.values()], rational)
    bumps = _BumpIndex([g for g in groups if g.shift is not None and g.vanishes(system, outputs)])
    always = [g for g in groups if not g.bump]
    for idx in pending:
        t, u, lam = places[idx]
        lam_f, t_f = _double(lam), _double(t)  # inf when out of range: the filters then defer to exact
        tq, lamq = rational(t), rational(lam)
        linear_prefix = []   # (group, r): the group's first r neurons (its order) are linear
        short_prefix = []    # the same for short prefixes: summed through the group's partial sums
        decided = []         # (neuron index, "linear" | "piece")
        for group in always + bumps.candidates(t_f, lam_f):
            r, near = group.at(t, lam, tq, lamq, t_f, lam_f)
            if group.bump and r == len(group.order):
                r = 0  # all linear: the bump adds 0 here
            if r >= PREFIX_MIN:
                group.define_prefix(r, system, outputs, prefixes)
                linear_prefix.append((group, r))
            elif r:
                short_prefix.append((group, r))
            decided += near
        tq, uq, lq = coefficients = _coefficients(tq, lamq)
        for o in range(outputs):
            base = system.accumulate({}, {("A", o, "c"): 1, ("A", o, "t"): t, ("A", o, "u"): u,
                                          None: -instance.points[idx].y[o]})
            for group, r in linear_prefix:
                system.accumulate(base, {group.prefix("K", r, o): tq, group.prefix("U", r, o): uq,
                                         group.prefix("V", r, o): lq})
            for group, r in short_prefix:
                for X, factor in (("K", tq), ("U", uq), ("V", lq)):
                    system.accumulate(base, group.partial_sum(system, X, r, o), factor)
            pieces = []
            for j, kind in decided:
                key = neurons[j][0]
                if kind == "linear":
                    system.accumulate(base, _terms(key, o, coefficients))
                else:
                    linear = _linear_part(key, o, t, lam)
                    pieces.append(({("p",) + key: 1 - lam, ("q",) + key: lam}, t, linear))
            if pieces:
                equations.append(PiecewiseEquation(system.reduce(base), tuple(pieces)))
            else:
                system.equate(base)
    return prefixes


class _StatusGroup:
    """Neurons whose statuses at a point are found together (see _off_line_equations).

    ``order``: neuron indices, the linear ones at any point a prefix of it; ``keys``
    sorted ascending along ``order`` (hi' or hmax); ``lows``/``by_low``: lo' or lmin
    ascending with their neurons; ``shift``: c, or None for the group of neurons without
    a shift (decided one by one by ``_status_at`` where the bounds do not decide)."""

    def __init__(self, tag, neurons, members, shift, highs, lows, exact) -> None:
        self.tag, self.neurons, self.shift, self.exact = tag, neurons, shift, exact
        self.order = sorted(members, key=highs.__getitem__)
        self.keys = [highs[j] for j in self.order]
        self.by_low = sorted(members, key=lows.__getitem__)
        self.lows = [lows[j] for j in self.by_low]
        self.highs = highs
        self.widest = max((highs[j] - lows[j] for j in members), default=Fraction(0))
        self.defined = 0
        self._sums: dict = {}
        self.bump = False
        self.lowest, self.highest = (min(lows[j] for j in members), max(highs[j] for j in members)) \
            if members else (None, None)

    def at(self, t, lam, tq, lamq, t_f, lam_f) -> tuple[int, list]:
        """(r, near): the first r neurons of ``order`` are linear at (t, lam); ``near``
        lists (neuron, "linear" | "piece") for the others that are not 0 there.  ``tq``,
        ``lamq``: t and lam in the keys' rational type (the bisections compare them)."""
        s = tq if self.shift is None else tq - lamq * self.shift
        r = bisect_right(self.keys, s)
        near = []
        for j in self.by_low[bisect_left(self.lows, s - self.widest):bisect_left(self.lows, s)]:
            if self.highs[j] <= s:
                continue  # in the linear prefix already
            if self.exact is None:
                near.append((j, "piece"))  # lo' < s < hi': exact
            else:
                status = self.exact(j, t, lam, t_f, lam_f)
                if status is not None:
                    near.append((j, status))
        return r, near

    def vanishes(self, system, outputs: int) -> bool:
        """Whether the system implies sum K = sum U = sum V = 0 over the group (every
        output): then it adds 0 wherever all of it is linear (``bump`` is set)."""
        n = len(self.order)
        self.bump = all(not system.accumulate({}, self.partial_sum(system, X, n, o))
                        for X in "KUV" for o in range(outputs))
        return self.bump

    def partial_sum(self, system, X: str, n: int, o: int) -> dict:
        """X summed over this group's first n neurons of ``order``, reduced when it was
        first asked for (a form equal to the sum under the system's equations, which only
        grow, so it stays valid; ``accumulate`` reduces what has been eliminated since).
        On reduction outputs most jumps are constants by then, so the sum has a few terms
        where the neurons have one each."""
        sums = self._sums.setdefault((X, o), [{}])
        while len(sums) <= n:
            key = self.neurons[self.order[len(sums) - 1]][0]
            sums.append(system.accumulate(dict(sums[-1]), {(X,) + key + (o,): 1}))
        return sums[n]

    def prefix(self, X: str, n: int, o: int) -> tuple:
        """The variable summing X over this group's first n neurons of ``order``."""
        return ("P", X, n, o, self.neurons[self.order[n - 1]][0], self.tag)

    def define_prefix(self, r: int, system, outputs: int, prefixes: list) -> None:
        while self.defined < r:
            n = self.defined + 1
            key = self.neurons[self.order[n - 1]][0]
            for X in "KUV":
                for o in range(outputs):
                    expr = {self.prefix(X, n, o): 1, (X,) + key + (o,): -1}
                    if n > 1:
                        expr[self.prefix(X, n - 1, o)] = -1
                    system.equate(expr)
                    prefixes.append(self.prefix(X, n, o))
            self.defined = n


class _BumpIndex:
    """The bump groups (see _off_line_equations) with their ranges in doubles, to find
    at a point the few whose range (lowest lo', highest hi') can hold s = t - lam c.

    Doubles only select: s, the ends and the products are within a few units in the last
    place (about 1e-15 relative) of the exact values, so a margin of ``_FILTER`` times
    the magnitudes involved, 1000 times larger, keeps every group whose exact range holds
    s strictly inside; a group left out has s < lowest (all 0) or s > highest (all
    linear: it adds 0) exactly.  Values or products that do not fit a double make every
    group a candidate."""

    def __init__(self, members: list) -> None:
        import numpy as np
        self.members = members
        self._np = np
        try:
            self.c = np.array([float(g.shift) for g in members], dtype=float)
            self.lo = np.array([float(g.lowest) for g in members], dtype=float)
            self.hi = np.array([float(g.highest) for g in members], dtype=float)
        except OverflowError:
            self.c = None
            return
        if not (np.all(np.isfinite(self.c)) and np.all(np.isfinite(self.lo)) and np.all(np.isfinite(self.hi))):
            self.c = None
            return
        with np.errstate(over="ignore"):  # an infinite size only widens the margin (and is caught there)
            self.ac, self.size = np.abs(self.c), np.abs(self.lo) + np.abs(self.hi) + 1.0

    def candidates(self, t_f: float, lam_f: float) -> list:
        if not self.members:
            return []
        np = self._np
        if self.c is None or not (math.isfinite(t_f) and math.isfinite(lam_f)):
            return list(self.members)
        with np.errstate(over="ignore", invalid="ignore"):  # overflow is handled just below
            s = t_f - lam_f * self.c
            err = _FILTER * (abs(t_f) + abs(lam_f) * self.ac + self.size)
        if not (np.all(np.isfinite(s)) and np.all(np.isfinite(err))):
            return list(self.members)  # a product overflowed: the comparisons would drop groups
        keep = np.flatnonzero((s > self.lo - err) & (s < self.hi + err))
        return [self.members[i] for i in keep]


def _status_groups(neurons, shifts, lams, rational=Fraction) -> list[_StatusGroup]:
    """The neurons in status groups: one per distinct fixed shift, one for the rest.
    Shifts, window ends and the bisection keys are in the type ``rational`` makes
    (exact; the system's fast type in _off_line_equations)."""
    lam_lo, lam_hi = min([Fraction(0)] + lams), max([Fraction(1)] + lams)
    by_shift: dict = {}
    highs: dict = {}
    lows: dict = {}
    free = []
    for j, (key, wins) in enumerate(neurons):
        if key in shifts:
            c = shifts[key]
            (lo1, hi1), (loL, hiL) = wins[0], wins[-1]
            lows[j], highs[j] = rational(max(lo1, loL - c)), rational(min(hi1, hiL - c))
            by_shift.setdefault(c, []).append(j)
        else:
            (l0, h0), (l1, h1) = _window_at(key, wins, lam_lo, shifts), _window_at(key, wins, lam_hi, shifts)
            highs[j], lows[j] = rational(max(h0, h1)), rational(min(l0, l1))
            free.append(j)
    groups = [_StatusGroup(g, neurons, members, rational(c), highs, lows, None)
              for g, (c, members) in enumerate(sorted(by_shift.items()))]
    if free:
        fwins = {j: _float_windows(neurons[j][0], neurons[j][1], shifts) for j in free}

        def exact(j, t, lam, t_f, lam_f):
            key, wins = neurons[j]
            return _status_at(key, wins, lam, shifts, t, fwins[j], lam_f, t_f)

        groups.append(_StatusGroup(len(groups), neurons, free, None, highs, lows, exact))
    return groups


def _parallel_shifts(system: LinearSystem, neurons, outputs: int) -> dict:
    """Neurons whose breakline has a fixed shift c = q - p, found exactly and made an equation.

    U_o = K_o p and V_o = K_o q give V_o - U_o = K_o (q - p).  If elimination shows
    V_o - U_o = c K_o for every output with one constant c, then K_o (q - p - c) = 0 for
    all o, and K != 0 (every neuron has a nonzero jump on a tight line), so q - p = c."""
    shifts = {}
    for key, _ in neurons:
        c = None
        for o in range(outputs):
            diff = system.reduce({("V",) + key + (o,): 1, ("U",) + key + (o,): -1})
            jump = system.reduce({("K",) + key + (o,): 1})
            if not jump:
                if diff:
                    c = "none"
                continue
            ratio = _proportional(diff, jump)
            if ratio is None or (c is not None and c != ratio):
                c = "none"
            else:
                c = ratio
        if c is not None and c != "none":
            system.equate({("q",) + key: 1, ("p",) + key: -1, None: -c})
            shifts[key] = c
    # V_o = K_o q now follows from U_o = K_o p, q = p + c and V_o - U_o = c K_o: drop it
    system.bilinear = [d for d in system.bilinear if not (d[0][0] == "V" and d[0][1:-1] in shifts)]
    system.propagate()
    return shifts


def _proportional(e: dict, f: dict) -> Fraction | None:
    """c with e = c f (as linear expressions), or None."""
    if set(e) - set(f):
        return None
    pivot = next(iter(f))
    c = Fraction(e.get(pivot, 0)) / f[pivot]
    return c if all(e.get(k, 0) == c * v for k, v in f.items()) else None


def _resolve_pieces(system: LinearSystem, equations: list) -> list:
    """Decide the ites whose condition elimination has made constant, drop those whose
    term elimination has made 0 (ite(c, 0, 0) = 0); equations left without ites become
    linear.  Repeat until nothing changes.  The bases kept are
    reduced (rewritten in the free variables: the same equation under the system's
    equations, which every later use keeps), so later reductions cost their few terms,
    not the hundreds of neurons an off-line point's base starts with."""
    changed = True
    while changed:
        changed = False
        left = []
        for eq in equations:
            base = dict(eq.base)
            pieces = []
            for cond, at, linear in eq.pieces:
                e = system.reduce(cond)
                if all(k is None for k in e):
                    changed = True
                    if e.get(None, Fraction(0)) <= at:
                        for k, v in linear.items():
                            base[k] = base.get(k, 0) + v
                elif system.reduce(linear):
                    pieces.append((cond, at, linear))
                else:  # ite(c, 0, 0) is 0 whatever c is: drop it, and look again
                    changed = True
            if pieces:
                left.append(PiecewiseEquation(system.reduce(base), tuple(pieces)))
            else:
                system.equate(base)
        if changed:
            system.propagate()
        equations = left
    return equations


def _value(system: LinearSystem, variable, values: dict):
    total = Fraction(0)
    for k, c in system.reduce({variable: 1}).items():
        v = Fraction(1) if k is None else values.get(k, Fraction(0))
        total = numbers.add(total, numbers.mul(Fraction(c), v))
    return total


def _network(instance, family, found, system, values, flipped=frozenset()) -> Network:
    """The network of a residual model; the neurons in ``flipped`` compute K relu(k(u) - t),
    and the output bias takes what they leave over (see _orientation_equations)."""
    a, b = family[0].line.a, family[0].line.b
    u1, uL = family[0].line.c, family[-1].line.c
    D = uL - u1
    neurons = []
    bias = [_value(system, ("A", o, "c"), values) for o in range(instance.outputs)]
    for g, chain in enumerate(found):
        for r in range(chain.kinks):
            key = (g, r)
            p, q = _value(system, ("p",) + key, values), _value(system, ("q",) + key, values)
            slope = numbers.mul(numbers.add(q, numbers.neg(p)), Fraction(1) / D)
            w = (numbers.add(Fraction(-b), numbers.mul(Fraction(-a), slope)),
                 numbers.add(Fraction(a), numbers.mul(Fraction(-b), slope)))
            shift = numbers.add(numbers.neg(p), numbers.mul(u1, slope))
            out = tuple(_value(system, ("K",) + key + (o,), values) for o in range(instance.outputs))
            if key in flipped:
                w, shift = tuple(numbers.neg(v) for v in w), numbers.neg(shift)
                for o in range(instance.outputs):
                    U = _value(system, ("U",) + key + (o,), values)
                    V = _value(system, ("V",) + key + (o,), values)
                    spill = numbers.add(U, numbers.mul(numbers.add(V, numbers.neg(U)), -u1 / D))
                    bias[o] = numbers.add(bias[o], numbers.neg(spill))
            neurons.append(Neuron(w, shift, out))
    return Network(tuple(neurons), tuple(bias))
