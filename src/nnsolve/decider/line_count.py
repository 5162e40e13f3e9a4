"""Kink counting on data lines: a sound unsat certificate and the instance's skeleton.

Argument (docs/solving.md, "Line counting"):

1. Along a line, a network is a continuous piecewise-linear function with at
   most one kink per neuron (its breakline's crossing; parallel neurons are
   affine along the line).
2. On a block (a maximal chain of overlapping bend windows, positions
   first..last of the line), any fit restricted to the closed span fits the
   block's samples with the kinks that lie in the open span.  So if no
   continuous PL function with <= k kinks fits the block's samples, every
   network has >= k + 1 kinks in the block's open span.  "No PL function with
   <= k kinks" is asked of the solver as the QF_LRA query of
   :func:`nnsolve.encodings.piecewise.pl_lemma_query` (a relaxation of the
   network restricted to the line: free affine part, each output's kink free
   in its interval), so its unsat is sound.  Two lower bounds need no solver
   and come first: the greedy count of disjoint bend windows, then
   :func:`eliminated_lower_bound` (no cell assignment survives exact
   elimination); the number of bends is an upper bound (the linear
   interpolant), which limits the queries.
3. Blocks have disjoint open spans, so a line needs the sum of its blocks'
   counts, and one neuron gives each line at most one kink.  A line that needs
   more than m kinks proves that no m-neuron network fits: ``unsat``.
4. A line that needs exactly m ("tight") pins the structure: every neuron's
   breakline crosses it once, inside some block's open span, and block b gets
   exactly its count.  Reported, for the record and for decomposition.
"""

from __future__ import annotations

import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field, replace
from fractions import Fraction
import heapq
from itertools import combinations, product
from typing import Iterator

from nnsolve.encodings.piecewise import pl_lemma_query
from nnsolve.solvers import SAT, UNSAT, Limits, Query, Solver
from nnsolve.training import TrainingInstance
from nnsolve.decider.lines import (DataLine, data_lines, greedy_windows, line_blocks, line_data, normalized,
                                   normalized_key)
from nnsolve.decider.windows import MAX_NODES, ListingBudget, block_system, cell_assignments

#: a line's description lists its blocks' kink counts up to this many blocks, then counts them
LISTED_BLOCKS = 12
ELIMINATION_BOUND_CANDIDATES = 2_000  # above this the solver's count is cheaper than listing


@dataclass(frozen=True)
class BlockCount:
    first: int
    last: int
    kinks: int       # proven: every fit has at least this many kinks in the open span
    exact: bool      # a PL function with exactly ``kinks`` kinks fits the block (solver sat)
    #: a merged block (``chains``): the blocks of the tight line it joins, in line order;
    #: each holds exactly its own count in every fit, and the gaps between them none
    parts: tuple["BlockCount", ...] = ()


@dataclass(frozen=True)
class LineCount:
    line: DataLine
    blocks: tuple[BlockCount, ...]

    @property
    def kinks(self) -> int:
        return sum(b.kinks for b in self.blocks)

    def describe(self) -> str:
        """One line: the line, its kink count and its blocks' counts (listed up to
        :data:`LISTED_BLOCKS` blocks, else how many blocks need each count).

        >>> line = DataLine(1, 0, Fraction(3), tuple(range(9)), tuple(range(9)))
        >>> LineCount(line, (BlockCount(0, 2, 1, True), BlockCount(3, 5, 2, True))).describe()
        'the 9 points on the line x = 3 need at least 3 kinks (blocks: 1, 2)'
        >>> LineCount(line, tuple(BlockCount(0, 2, 4 + i % 3 // 2, True) for i in range(30))).describe()
        'the 9 points on the line x = 3 need at least 130 kinks (30 blocks: 20 of 4 kinks, 10 of 5)'
        """
        eq = _equation(self.line)
        if len(self.blocks) <= LISTED_BLOCKS:
            blocks = f"blocks: {', '.join(str(k.kinks) for k in self.blocks)}"
        else:  # a reason stays one readable line at any size (3,663 blocks at 1,000 constraints)
            counts = sorted(Counter(k.kinks for k in self.blocks).items())
            blocks = f"{len(self.blocks)} blocks: " + ", ".join(
                f"{n} of {kinks}" + (" kinks" if i == 0 else "") for i, (kinks, n) in enumerate(counts))
        return f"the {len(self.line.points)} points on the line {eq} need at least {self.kinks} kinks ({blocks})"


@dataclass(frozen=True)
class LineAnalysis:
    hidden: int
    counts: tuple[LineCount, ...]     # lines that could matter (enough bends for m kinks)
    lines: int                        # data lines found with at least m + 2 points
    queries: int                      # solver queries asked
    seconds: float
    incomplete: tuple[str, ...] = field(default=())  # queries that ran out of time
    fewer_bends: int = 0              # the most bends on a line left out (fewer than m bends)

    @property
    def violated(self) -> LineCount | None:
        """A line needing more kinks than there are neurons: the instance is unsat."""
        return next((c for c in self.counts if c.kinks > self.hidden), None)

    @property
    def tight(self) -> tuple[LineCount, ...]:
        return tuple(c for c in self.counts if c.kinks == self.hidden)


def analyse_lines(instance: TrainingInstance, solver: Solver, limits: Limits = Limits(timeout=30),
                  jobs: int = 2) -> LineAnalysis:
    """Count the kinks each data line needs (see the module docstring for the argument);
    ``jobs`` solver queries at a time (distinct blocks are independent)."""
    start = time.monotonic()
    deadline = start + limits.timeout
    # Only lines with at least m bends are counted below, and a line with b bends has at
    # least b + 2 points (bends are interior samples): so only lines of >= m + 2 points
    # are looked for, which data_lines finds in near-linear time (docs/solving.md).
    rich = max(instance.hidden, 1) + 2
    found = data_lines(instance, min_points=rich) if instance.inputs == 2 and len(instance.points) >= 3 else []
    incomplete: list[str] = []
    todo: list[tuple] = []            # (line, [(span, key)])
    bounds: dict[tuple, tuple[int, int]] = {}   # key -> (proven lower bound, upper bound)
    exact: dict[tuple, tuple] = {}              # key -> the normalized samples (Fractions)
    fewer_bends = 0
    for line in found:
        samples = line_data(instance, line)
        spans = line_blocks(samples)  # one pass: each block with the bends inside it
        total = sum(len(inside) for _, inside in spans)  # the linear interpolant's kinks
        if total < max(instance.hidden, 1):
            fewer_bends = max(fewer_bends, total)
            continue  # fewer than m kinks suffice: the line cannot be tight or violated
        keyed = []
        for span, inside in spans:
            part = samples[span.first:span.last + 1]
            key = normalized_key(part)  # GMP rationals: cheap to build and hash
            if key not in bounds:
                upper = len(inside)
                lower = greedy_windows(samples, inside)
                exact[key] = normalized(part)
                bounds[key] = (eliminated_lower_bound(list(exact[key]), lower, upper), upper)
            keyed.append((span, key))
        todo.append((line, keyed))
    asked = [0]  # shared by the worker threads

    def settle(key: tuple) -> tuple[int, bool]:
        lower, upper = bounds[key]
        while lower < upper:
            left = deadline - time.monotonic()
            if left <= 0.5:
                incomplete.append(f"block of {len(key)} samples: stopped at {lower} kinks (time)")
                return lower, False
            asked[0] += 1
            answer = solver.solve(Query(pl_lemma_query(list(exact[key]), lower), ()), Limits(left, limits.memory_mb))
            if answer.status == UNSAT:
                lower += 1
            elif answer.status == SAT:
                return lower, True
            else:
                incomplete.append(f"block of {len(key)} samples: {answer.reason}")
                return lower, False
        return lower, True

    keys = list(bounds)
    with ThreadPoolExecutor(max(1, jobs)) as pool:  # each query is its own child process
        cache = dict(zip(keys, pool.map(settle, keys)))
    counts = [LineCount(line, tuple(BlockCount(span.first, span.last, *cache[key]) for span, key in keyed))
              for line, keyed in todo]
    counts.sort(key=lambda c: -c.kinks)
    return LineAnalysis(instance.hidden, tuple(counts), len(found), asked[0], time.monotonic() - start,
                        tuple(incomplete), fewer_bends)


def eliminated_lower_bound(samples: list, lower: int, upper: int) -> int:
    """Raise ``lower`` while no cell assignment of that many kinks survives exact
    elimination (``nnsolve.decider.windows``): then no PL function with that many
    kinks fits, and none with fewer (add zero jumps).  No solver; skipped when the
    assignments are too many to list, or the listing visits more than ``MAX_NODES``
    partial ones (stopping only leaves the bound lower: the solver settles the rest).

    >>> from fractions import Fraction as F
    >>> tent = [(F(t), (F(y),)) for t, y in enumerate([0, 0, 2, 4, 2, 0, 0])]
    >>> eliminated_lower_bound(tent, 1, 3)
    3

    Elimination is linear, so the bound can stay below the truth (a hat needs 3):

    >>> eliminated_lower_bound([(F(t), (F(y),)) for t, y in enumerate([0, 0, 2, 0, 0])], 1, 3)
    2
    """
    while lower < upper:
        try:  # the node budget: 40 of its 138 points dropped from self_inverse left a
            # block whose listing ran for minutes past the stage's limit
            candidates = cell_assignments(samples, lower, max_nodes=MAX_NODES)
        except ListingBudget:
            break
        if len(candidates) > ELIMINATION_BOUND_CANDIDATES or any(block_system(samples, a) is not None
                                                                 for a in candidates):
            break
        lower += 1
    return lower


@dataclass(frozen=True)
class Chain:
    """Blocks on a family of parallel tight lines that the same neurons must serve.

    ``blocks`` holds (line index in the family, block index on that line), one per line;
    ``kinks`` is the common count: exactly that many neurons cross each of them."""

    blocks: tuple[tuple[int, int], ...]
    kinks: int


def _spans(count: LineCount) -> list[tuple[Fraction, Fraction, int]]:
    return [(count.line.t[b.first], count.line.t[b.last], b.kinks) for b in count.blocks]


def overlapping(los: list, his: list, lo, hi) -> range:
    """The blocks k whose open span (los[k], his[k]) meets (lo, hi), i.e. los[k] < hi and
    lo < his[k], for the spans of one line's blocks: in line order, with disjoint open
    spans, so los and his are nondecreasing and the blocks that meet form one range
    (two bisections instead of a scan).

    >>> list(overlapping([0, 4, 8], [4, 8, 9], 3, 5)), list(overlapping([0, 4, 8], [4, 8, 9], 4, 4))
    ([0, 1], [])
    """
    first = bisect_right(his, lo)   # the first block with his[k] > lo
    end = bisect_left(los, hi)      # blocks from here on have los[k] >= hi
    return range(first, max(first, end))


def _tight_family(analysis: LineAnalysis) -> list[LineCount] | None:
    """The largest family of parallel tight lines, in order across them; None under three."""
    family: dict[tuple[int, int], list[LineCount]] = {}
    for count in analysis.tight:
        family.setdefault((count.line.a, count.line.b), []).append(count)
    if not family:
        return None
    lines = sorted(max(family.values(), key=len), key=lambda c: c.line.c)
    return lines if len(lines) >= 3 else None


def _merged(parts: list[BlockCount]) -> BlockCount:
    """Consecutive blocks of a tight line as one merged block: its span runs from the first
    part's start to the last part's end, its count is theirs together, and the parts keep
    their own counts (``BlockCount.parts``)."""
    return BlockCount(parts[0].first, parts[-1].last, sum(b.kinks for b in parts), False, tuple(parts))


def chains(analysis: LineAnalysis) -> tuple[tuple[LineCount, ...], tuple[Chain, ...]] | None:
    """Split the neurons into chains along the largest family (>= 3) of parallel tight lines.

    Argument (docs/solving.md, "Chains"): on a tight line every kink lies in the open span
    of a block, one per neuron.  Take the outermost lines L_1, L_r of the family (at
    normal positions u_1 < u_r); a neuron's breakline crosses a middle line L_i (at u_i) at
    (1 - l) v_1 + l v_r, l = (u_i - u_1) / (u_r - u_1), where v_1, v_r are its crossings
    on L_1 and L_r.  A pair (block B on L_1, block B' on L_r) is *possible* when for every
    middle line that interval of crossings meets some block's open span.  If every block
    of L_1 has exactly one possible partner, the partners are distinct with equal counts,
    and each middle line meets exactly one block for the pair, the neurons of B are
    exactly the neurons of B' and of those middle blocks: a chain.  Returns the family
    and its chains, or None when the family is missing or the pairing is not forced.

    >>> chains(LineAnalysis(1, (), 0, 0, 0.0)) is None
    True
    """
    lines = _tight_family(analysis)
    if lines is None:
        return None
    first, last = _spans(lines[0]), _spans(lines[-1])
    u1, ur = lines[0].line.c, lines[-1].line.c
    middles = [((c.line.c - u1) / (ur - u1), _spans(c)) for c in lines[1:-1]]
    ends = [([slo for slo, _, _ in spans], [shi for _, shi, _ in spans]) for _, spans in middles]

    def middle_blocks(b: tuple, p: tuple) -> list[list[int]]:
        out = []
        for (lam, spans), (los, his) in zip(middles, ends):
            lo, hi = (1 - lam) * b[0] + lam * p[0], (1 - lam) * b[1] + lam * p[1]
            out.append(list(overlapping(los, his, lo, hi)))
        return out

    def pair(first_ids, last_ids, middle_ids) -> list[Chain] | None:
        """The simple test among the given blocks (all blocks, or one group's)."""
        found: list[Chain] = []
        used: set[int] = set()
        for i in first_ids:
            b = first[i]
            partners = []
            for k in last_ids:
                hits = [[h for h in hit if h in allowed]
                        for hit, allowed in zip(middle_blocks(b, last[k]), middle_ids)]
                if all(hits):
                    partners.append((k, hits))
            if len(partners) != 1:
                return None
            k, hits = partners[0]
            if k in used or last[k][2] != b[2] or any(len(h) != 1 for h in hits):
                return None
            if any(middles[m][1][h[0]][2] != b[2] for m, h in enumerate(hits)):
                return None
            used.add(k)
            found.append(Chain(((0, i),) + tuple((m + 1, h[0]) for m, h in enumerate(hits))
                               + ((len(lines) - 1, k),), b[2]))
        return found

    everything = [set(range(len(spans))) for _, spans in middles]
    simple = pair(range(len(first)), range(len(last)), everything)
    if simple is not None:
        return tuple(lines), tuple(simple)
    groups = ordered_groups([first] + [spans for _, spans in middles] + [last], [lam for lam, _ in middles])
    if groups is None:
        return None
    paired = [pair(group[0], group[-1], [set(g) for g in group[1:-1]]) for group in groups]
    if all(p is not None for p in paired):
        return tuple(lines), tuple(c for p in paired for c in p)
    # where the simple test is ambiguous inside a group, the group's blocks on each line
    # become one block: its open span holds exactly the group's c_j kinks in every fit
    # (the same c_j neurons cross the group on every line, and none crosses a gap
    # outside every block), so it is a chain of one merged block per line
    merged_lines, index = [], []
    for li, count in enumerate(lines):
        blocks_out, where = [], {}
        for group, p in zip(groups, paired):
            ids = group[li]
            if p is None:
                blocks_out.append(_merged([count.blocks[b] for b in ids]))
                where[ids[0]] = len(blocks_out) - 1
            else:
                for b in ids:
                    where[b] = len(blocks_out)
                    blocks_out.append(count.blocks[b])
        merged_lines.append(LineCount(count.line, tuple(blocks_out)))
        index.append(where)
    found = []
    for group, p in zip(groups, paired):
        if p is None:
            found.append(Chain(tuple((li, index[li][group[li][0]]) for li in range(len(lines))),
                               sum(first[b][2] for b in group[0])))
        else:
            found += [Chain(tuple((li, index[li][b]) for li, b in c.blocks), c.kinks) for c in p]
    return tuple(merged_lines), tuple(found)


#: padded_analyses tries at most this many ways to place the missing kinks
MAX_PADDINGS = 256
#: a line of a family short by at most this many kinks is padded (points dropped from up
#: to this many of its gadgets, or several from one)
MAX_DEFICIT = 3
#: the likeliest placements kept per short line, and the single moves combined into
#: placements of two or more moves
LINE_PLACEMENTS, PLACEMENT_MOVES = 48, 24


def padded_analyses(analysis: LineAnalysis, max_short: int = 3,
                    max_deficit: int = MAX_DEFICIT) -> Iterator[tuple[str, LineAnalysis]]:
    """Hypotheses for a sat search, never a proof: ``analysis`` with the lines that need
    m - d kinks for 1 <= d <= ``max_deficit`` ("short", at most ``max_short`` of them in a
    family of >= 3 parallel lines that need m - ``max_deficit`` .. m kinks) made tight by
    a *placement* of their d missing kinks: one to d blocks given kinks more (d in all),
    where a block may also be two blocks that touch, joined into one (a gadget's block cut
    in two by the count): every placement as it is, then every placement again with its
    blocks widened by one sample on each side where no other block is (a dropped point
    may have been a block's end).

    Data points removed from a tight line can lower its count (seen on reduction outputs
    with points dropped: a gadget block then needs 3 or 2 kinks where its copies on the
    other lines need 4), and the chain stage needs every line of the family tight.  In a
    fit, every neuron that serves the family's other lines may still cross the short line
    once, so some of its blocks, or gaps beside them, hold more kinks than they need;
    where is a guess, tried placement by placement (``chains`` rejects most guesses at
    once: the counts of a chain must agree on every line), likeliest first
    (:func:`_placements`: each stretch of a short line padded to hold what the tight lines
    on either side say it holds, :func:`expected_clusters`; then padded to look like the
    family's tight lines, a gadget missing points looks like its intact copies).  A verdict
    under a guess is a hypothesis: only a network that passes ``exact_fit`` on the instance
    may be reported (sat); an unsat under a guess says nothing about the instance.

    >>> def line(u, counts):
    ...     at = DataLine(1, 0, Fraction(u), tuple(range(9)), tuple(range(9)))
    ...     return LineCount(at, (BlockCount(1, 3, counts[0], True), BlockCount(5, 7, counts[1], True)))
    >>> lines = LineAnalysis(3, (line(1, (2, 1)), line(2, (2, 1)), line(3, (1, 1))), 3, 0, 0.0)
    >>> [(what, [(b.first, b.last, b.kinks) for b in guess.counts[2].blocks])
    ...  for what, guess in padded_analyses(lines)]
    ... # doctest: +NORMALIZE_WHITESPACE
    [('x = 3: block 1 of 2 given 2 kinks', [(1, 3, 2), (5, 7, 1)]),
     ('x = 3: block 2 of 2 given 2 kinks', [(1, 3, 1), (5, 7, 2)]),
     ('x = 3: block 1 of 2 given 2 kinks (widened)', [(0, 4, 2), (5, 7, 1)]),
     ('x = 3: block 2 of 2 given 2 kinks (widened)', [(1, 3, 1), (4, 8, 2)])]
    """
    m = analysis.hidden
    family: dict[tuple[int, int], list[int]] = {}
    for i, count in enumerate(analysis.counts):
        if m - max_deficit <= count.kinks <= m:
            family.setdefault((count.line.a, count.line.b), []).append(i)
    tried = 0
    for members in sorted(family.values(), key=len, reverse=True):
        short = [i for i in members if analysis.counts[i].kinks < m]
        if len(members) < 3 or not 0 < len(short) <= max_short:
            continue
        seen = Counter(block.kinks for i in members for block in analysis.counts[i].blocks)
        targets = [Counter(block.kinks for block in analysis.counts[i].blocks) for i in members if i not in short]
        tight = sorted((analysis.counts[i] for i in members if i not in short), key=lambda c: c.line.c)
        ranked = [_placements(analysis.counts[i], m - analysis.counts[i].kinks, seen, targets,
                              expected_clusters(tight, analysis.counts[i])) for i in short]
        # the likeliest combinations of the lines' placements: their keys summed
        picks = heapq.nsmallest((MAX_PADDINGS - tried) // 2, product(*ranked),
                                key=lambda pick: tuple(map(sum, zip(*(key for key, _ in pick)))))
        for widen in (False, True):  # the blocks as they are first: widening can merge one with the next gadget's
            for pick in picks:
                tried += 1
                counts = list(analysis.counts)
                for i, (_, placement) in zip(short, pick):
                    counts[i] = _padded(counts[i], placement, widen)
                what = "; ".join(f"{_equation(analysis.counts[i].line)}: "
                                 + ", ".join(_describe(analysis.counts[i], move) for move in placement)
                                 for i, (_, placement) in zip(short, pick)) + (" (widened)" if widen else "")
                yield what, replace(analysis, counts=tuple(counts))


def expected_clusters(tight: list[LineCount], short: LineCount) -> tuple[list[int], list[int]] | None:
    """What each stretch of a short line should hold, predicted from the tight lines of its
    family (two or more, sorted by position ``c``): ``(cluster_of, expected)``, where
    ``cluster_of[b]`` numbers the cluster of the short line's block b and ``expected[k]``
    is the kinks cluster k should hold; None with fewer than two tight lines.

    The tight lines are cut into groups in order (the running-total cuts of
    :func:`ordered_split`: what :func:`chains` proves on an intact reduction output).  A
    group's neurons cross every line of the family, and where a breakline crosses a line
    is affine in the line's position; so between two tight lines they cross the short line
    inside the group's two spans interpolated end by end.  The two tight lines nearest the
    short line on either side are used; past the outermost one the spans are carried on
    end by end from the two nearest, which is only a likely place (breaklines that fan
    out leave it).  Each group's kinks go to the short line's blocks that meet its span
    there; blocks met by one group together form one cluster.  A guess, never a proof: it
    only orders the placements of :func:`padded_analyses`.

    >>> def line(u, blocks):
    ...     at = DataLine(1, 0, Fraction(u), tuple(range(12)), tuple(range(12)))
    ...     return LineCount(at, tuple(BlockCount(a, b, k, True) for a, b, k in blocks))
    >>> tight = [line(1, [(0, 3, 2), (5, 7, 3), (9, 11, 1)]), line(3, [(0, 3, 2), (5, 7, 3), (9, 11, 1)])]
    >>> expected_clusters(tight, line(2, [(0, 3, 2), (5, 7, 2), (9, 11, 1)]))
    ([0, 1, 2], [2, 3, 1])
    """
    if len(tight) < 2:
        return None
    ends, cuts = _common_cuts([[b.kinks for b in c.blocks] for c in tight])
    groups = _cut_groups([len(c.blocks) for c in tight], ends, cuts)
    u = short.line.c
    below = [i for i, c in enumerate(tight) if c.line.c < u]
    above = [i for i, c in enumerate(tight) if c.line.c > u]
    i, j = ((below[-1], above[0]) if below and above else (below[-2], below[-1]) if len(below) >= 2
            else (above[0], above[1]) if len(above) >= 2 else (None, None))
    if i is None:
        return None
    first, last = tight[i], tight[j]
    lam = (u - first.line.c) / (last.line.c - first.line.c)
    los = [short.line.t[b.first] for b in short.blocks]
    his = [short.line.t[b.last] for b in short.blocks]
    parent = list(range(len(short.blocks)))

    def root(b: int) -> int:
        while parent[b] != b:
            parent[b] = parent[parent[b]]
            b = parent[b]
        return b

    landed = []
    for g1, gr in zip(groups[i], groups[j]):
        a = (first.line.t[first.blocks[g1[0]].first], first.line.t[first.blocks[g1[-1]].last])
        z = (last.line.t[last.blocks[gr[0]].first], last.line.t[last.blocks[gr[-1]].last])
        ends_at = [(1 - lam) * p + lam * q for p, q in zip(a, z)]
        met = overlapping(los, his, min(ends_at), max(ends_at))
        if met:
            for b in met[1:]:
                parent[root(b)] = root(met[0])
            landed.append((met[0], sum(first.blocks[b].kinks for b in g1)))
    number: dict[int, int] = {}
    cluster_of = [number.setdefault(root(b), len(number)) for b in range(len(short.blocks))]
    expected = [0] * len(number)
    for b, kinks in landed:
        expected[cluster_of[b]] += kinks
    return cluster_of, expected


#: a move of a placement: blocks b .. b + span - 1 joined into one block holding their
#: kinks and ``extra`` more
Move = tuple[int, int, int]


def _placements(count: LineCount, deficit: int, seen: Counter, targets: list[Counter],
                clusters: tuple[list[int], list[int]] | None = None
                ) -> list[tuple[tuple[int, int, int, int], tuple[Move, ...]]]:
    """The ways to place ``deficit`` missing kinks on ``count``'s blocks, likeliest first,
    at most :data:`LINE_PLACEMENTS`, each with its sort key.

    A placement is one to ``deficit`` moves on disjoint blocks (a move's block: one block,
    or two that touch, joined) whose extras sum to ``deficit``.  The key orders them:
    first, where ``clusters`` (:func:`expected_clusters`) predicts what each stretch of
    the line holds, the kinks by which the padded line misses the prediction (0 without
    one: on a line of thousands of blocks many placements restore the same multiset, and
    only positions tell them apart); then the distance (L1, over kink counts) from the
    padded line's multiset of block counts to the nearest tight line of the family (0
    without one: a cross-section of the reduction's layout repeats on every line of the
    family, so a short line padded right looks like its tight neighbours); then fewer
    moves (points dropped from one gadget first); then counts that the family's blocks
    already have.

    A line of blocks needing 4, 2 and 4 kinks, short by two, beside tight lines of three
    blocks of 4: the middle block given both kinks comes first (the line then looks like
    them), then one move giving both to another block, before two moves:

    >>> blocks = (BlockCount(0, 2, 4, True), BlockCount(4, 6, 2, True), BlockCount(8, 10, 4, True))
    >>> count = LineCount(DataLine(1, 0, Fraction(0), tuple(range(11)), tuple(range(11))), blocks)
    >>> [(key, moves) for key, moves in _placements(count, 2, Counter({4: 8, 2: 1}), [Counter({4: 3})])][:4]
    ... # doctest: +NORMALIZE_WHITESPACE
    [((0, 0, 1, -8), ((1, 1, 2),)), ((0, 4, 1, 0), ((0, 1, 2),)), ((0, 4, 1, 0), ((2, 1, 2),)),
     ((0, 4, 2, 0), ((0, 1, 1), (1, 1, 1)))]

    Where the tight lines say the last block's stretch should hold 6 (``clusters``: each
    block its own cluster, expecting 4, 2 and 6), giving it both kinks comes first, whatever
    the multiset says:

    >>> [moves for _, moves in _placements(count, 2, Counter({4: 8, 2: 1}), [Counter({4: 3})],
    ...                                    ([0, 1, 2], [4, 2, 6]))][:2]
    [((2, 1, 2),), ((1, 1, 1), (2, 1, 1))]
    """
    blocks = count.blocks
    units = [(b, 1) for b in range(len(blocks))]
    units += [(b, 2) for b in range(len(blocks) - 1) if _touch(blocks[b], blocks[b + 1])]
    before = Counter(block.kinks for block in blocks)

    def effect(moves) -> Counter:
        after = before.copy()
        for b, span, extra in moves:
            for block in blocks[b:b + span]:
                after[block.kinks] -= 1
            after[_given(count, b, span, extra)] += 1
        return after

    if clusters is not None:
        cluster_of, expected = clusters
        held = [0] * len(expected)
        for b, block in enumerate(blocks):
            held[cluster_of[b]] += block.kinks
        missed = sum(abs(h - e) for h, e in zip(held, expected))

    def off(moves) -> int:
        """How far the padded line's kinks per cluster are from the prediction (a join
        of blocks in two clusters gives its extras to the one that needs them more)."""
        if clusters is None:
            return 0
        def change(c: int, before: int, extra: int) -> int:  # cluster c's miss, ``extra`` kinks more
            return abs(held[c] + before + extra - expected[c]) - abs(held[c] + before - expected[c])

        added: Counter = Counter()
        for b, span, extra in moves:
            where = min({cluster_of[k] for k in range(b, b + span)}, key=lambda c: change(c, added[c], extra))
            added[where] += extra
        return missed + sum(change(c, 0, a) for c, a in added.items())

    def key(moves) -> tuple[int, int, int, int]:
        after = effect(moves)
        distance = min((sum(abs(after[k] - t[k]) for k in after.keys() | t.keys()) for t in targets), default=0)
        return off(moves), distance, len(moves), -sum(seen[_given(count, b, span, extra)] for b, span, extra in moves)

    # single moves hold all the extras; combinations draw from the likeliest single moves
    # only (a line of thousands of blocks would otherwise have millions of them)
    moves = [(b, span, extra) for b, span in units for extra in range(1, deficit + 1)]
    moves.sort(key=lambda move: key((move,)))
    few = sorted(moves[:PLACEMENT_MOVES])
    found = [(move,) for move in moves if move[2] == deficit]
    for size in range(2, deficit + 1):
        found += [c for c in combinations(few, size) if sum(move[2] for move in c) == deficit
                  and all(c[k][0] + c[k][1] <= c[k + 1][0] for k in range(size - 1))]
    return heapq.nsmallest(LINE_PLACEMENTS, ((key(c), c) for c in found))


def _describe(count: LineCount, move: Move) -> str:
    b, span, extra = move
    return (f"block {b + 1}" + (f"-{b + span}" if span > 1 else "")
            + f" of {len(count.blocks)} given {_given(count, b, span, extra)} kinks")


def _touch(left: BlockCount, right: BlockCount) -> bool:
    return right.first - left.last <= 1


def _given(count: LineCount, b: int, span: int, extra: int = 1) -> int:
    """The kinks blocks b .. b + span - 1 of ``count`` hold with ``extra`` kinks more."""
    return sum(block.kinks for block in count.blocks[b:b + span]) + extra


def _padded(count: LineCount, placement: tuple[Move, ...], widen: bool = True) -> LineCount:
    """``count`` with each move's blocks b .. b + span - 1 joined into one block holding
    their kinks and ``extra`` more; ``widen``: and widened by a sample on each side where
    that stays clear of the neighbouring blocks' spans and inside the line."""
    blocks = list(count.blocks)
    for b, span, extra in sorted(placement, reverse=True):  # from the right: indices to the left stay
        e = b + span - 1
        first, last = count.blocks[b].first, count.blocks[e].last
        if widen:
            first = max(first - 1, count.blocks[b - 1].last if b else 0)
            last = min(last + 1, count.blocks[e + 1].first if e + 1 < len(count.blocks)
                       else len(count.line.points) - 1)
        blocks[b:e + 1] = [BlockCount(first, last, _given(count, b, span, extra), False)]
    return LineCount(count.line, tuple(blocks))


def _equation(line: DataLine) -> str:
    return f"{line.a} x + {line.b} y = {line.c}" if line.b else f"x = {line.c / line.a}"


def ordered_groups(spans: list[list[tuple[Fraction, Fraction, int]]],
                   lambdas: list[Fraction]) -> list[list[list[int]]] | None:
    """Groups of consecutive blocks that the same neurons must serve, by counting.

    ``spans[i]``: the blocks (open span lo, hi and kink count) of the i-th line of a
    family of parallel tight lines, sorted by position; the first and last lines are the
    outer ones and ``lambdas`` place the middle ones between them.  Blocks are merged into
    consecutive groups G_1 < ... < G_q, the same number on every line, until

    (a) group j holds the same number c_j of kinks on every line, and
    (b) for groups g on the first line and k on the last, every block of a middle line
        that the crossings of a line through g and k can reach lies in a group strictly
        between g and k when g != k, and in group g when g = k.

    Then every neuron crosses the same group on every line (lines may have different
    numbers of blocks: a group is a run of consecutive blocks on each line).  Proof: call a neuron
    misaligned if its groups (g, h_2, .., k) are not all equal; by (b) a misaligned
    neuron has g != k and every h strictly between, so the largest group index G touched
    by a misaligned neuron is only ever its g or its k.  On a tight line every block holds
    exactly its count of kinks, one per neuron, so group G of the first middle line holds
    c_G neurons, all aligned, which then also fill group G on the first and last line (a):
    no misaligned neuron touches G, a contradiction.  Returns the groups (block indices
    per line): cut only at running kink totals where every line has a block boundary,
    which gives (a), then merged greedily where (b) fails (not necessarily the finest);
    or None when only one group would remain, the lines' totals differ, or the lines do
    not meet the contract (three or more, middle lines strictly between the outer ones).
    """
    # the contract the proof needs: outer lines first and last, middle lines strictly between
    if len(spans) < 3 or len(lambdas) != len(spans) - 2 or not all(0 < lam < 1 for lam in lambdas):
        return None
    totals = {sum(b[2] for b in line) for line in spans}
    if not all(spans) or len(totals) != 1:
        return None
    # Group boundaries are running kink totals at which every line has a block boundary:
    # exactly where a cut keeps (a).  Lines may have different numbers of blocks (a
    # missing data point can split a block on one line and not on the others); the
    # proof above never compares block indices across lines.
    ends, cuts = _common_cuts([[block[2] for block in line] for line in spans])
    while True:
        if not cuts:
            return None  # one group proves nothing
        per_line = _cut_groups([len(line) for line in spans], ends, cuts)
        hulls = [[(line[g[0]][0], line[g[-1]][1], sum(line[b][2] for b in g)) for g in groups]
                 for line, groups in zip(spans, per_line)]
        bad = _between_violation(hulls, lambdas)
        if bad is None:
            return [[groups[j] for groups in per_line] for j in range(len(cuts) + 1)]
        lo, hi = bad
        del cuts[lo:hi]  # merge groups lo..hi into one


def _common_cuts(counts: list[list[int]]) -> tuple[list[dict[int, int]], list[int]]:
    """Per line, running kink total -> index of the last block reaching it; and the totals
    (strictly inside) at which every line has a block boundary."""
    ends = []
    for line in counts:
        running, end = 0, {}
        for j, kinks in enumerate(line[:-1]):
            running += kinks
            end[running] = j
        ends.append(end)
    total = sum(counts[0])
    return ends, sorted(v for v in set(ends[0]).intersection(*ends[1:]) if 0 < v < total)


def _cut_groups(sizes: list[int], ends: list[dict[int, int]], cuts: list[int]) -> list[list[list[int]]]:
    """Per line, its blocks' indices cut into consecutive groups at ``cuts``."""
    out = []
    for size, end in zip(sizes, ends):
        bounds = [0] + [end[v] + 1 for v in cuts] + [size]
        out.append([list(range(a, b)) for a, b in zip(bounds, bounds[1:])])
    return out


def ordered_split(analysis: LineAnalysis) -> tuple[tuple[LineCount, ...], tuple[Chain, ...]] | None:
    """A *guessed* split for a sat search, never a proof: the largest family (>= 3) of
    parallel tight lines cut at every running kink total where each line has a block
    boundary (condition (a) of :func:`ordered_groups`), and group j taken to be the same
    neurons on every line, in order, without the betweenness test (b) that would prove
    it.  A group of one block per line is a chain; a group of several blocks on a line is
    one merged block there, its parts holding their counts (so on a tight line).

    It is what :func:`chains` proves where the reduction's layout keeps its shape, and
    what it cannot prove where a block's span reaches back across a gap (its gadget's
    first samples dropped: the kink may sit anywhere since the previous sample, so the
    betweenness test merges everything).  A wrong guess leaves a residual with no
    solution or a network that fails ``exact_fit``; only an exactly checked network may be
    reported.

    >>> def line(u, blocks):
    ...     at = DataLine(1, 0, Fraction(u), tuple(range(12)), tuple(range(12)))
    ...     return LineCount(at, tuple(BlockCount(a, b, k, True) for a, b, k in blocks))
    >>> lines = LineAnalysis(8, (line(1, [(0, 6, 4), (8, 11, 4)]), line(2, [(0, 3, 1), (3, 6, 3), (8, 11, 4)]),
    ...                          line(3, [(0, 6, 4), (7, 11, 4)])), 3, 0, 0.0)
    >>> family, found = ordered_split(lines)
    >>> [c.kinks for c in found], [len(b.parts) for b in family[1].blocks]
    ([4, 4], [2, 0])
    """
    lines = _tight_family(analysis)
    if lines is None:
        return None
    ends, cuts = _common_cuts([[b.kinks for b in c.blocks] for c in lines])
    groups = _cut_groups([len(c.blocks) for c in lines], ends, cuts)
    merged = []
    for count, line_groups in zip(lines, groups):
        out = []
        for ids in line_groups:
            out.append(count.blocks[ids[0]] if len(ids) == 1 else _merged([count.blocks[b] for b in ids]))
        merged.append(LineCount(count.line, tuple(out)))
    found = tuple(Chain(tuple((li, j) for li in range(len(lines))), merged[0].blocks[j].kinks)
                  for j in range(len(cuts) + 1))
    return tuple(merged), found


def _between_violation(hulls, lambdas) -> tuple[int, int] | None:
    """Two group indices to merge (lo < hi) where condition (b) fails, else None: the first
    failing pair (g, k) in the order (middle line, g, k), as :func:`_between_violation_all_pairs`
    finds it, without looking at every pair.

    Why only some pairs need a look (hulls sorted: each line's group ends ``lo``, ``hi`` are
    nondecreasing in the group index, as blocks with disjoint open spans in line order
    give).  On a middle line at ``lam`` the pair (g, k) reaches the open interval
    (lo(g, k), hi(g, k)) with lo = (1 - lam) lo_g + lam lo_k and hi likewise, both
    nondecreasing in g and in k; a middle group j is reached when its open span meets it.
    For g < k condition (b) asks that no j <= g and no j >= k be reached:
    - no j >= k is reached when hi(g, k) <= lo'_k (the middle line's group k starts at or
      after the interval's end, and every later one too); hi(g, k) grows with g, so this
      fails only for g in a suffix [g0, k) of the g < k;
    - no j <= g is reached when lo(g, k) >= hi'_g; lo(g, k) grows with k, so this fails
      only for k in a prefix (g, k1).
    The case g > k is the mirror image (j <= k excluded when lo(g, k) >= hi'_k, failing for
    g in a prefix (k, g1); j >= g excluded when hi(g, k) <= lo'_g, failing for k in a
    suffix [k0, g)), and the q pairs g = k are always looked at.  Every other pair meets
    (b), so checking the union of these ranges, each found by bisection, in the original
    order finds the same first violation.  The union is small when groups sit near where
    their neighbours' crossings land (the reduction's stripes): about q log q work per
    middle line instead of q^2.  Unsorted hulls are outside the contract (blocks of a line
    in order with disjoint open spans) and go to ``_between_violation_all_pairs``, which
    also assumes sorted, non-overlapping hulls in its search.

    >>> h = [[(0, 1, 1), (2, 3, 1)]] * 3
    >>> _between_violation(h, [Fraction(1, 2)]) is None, _between_violation_all_pairs(h, [Fraction(1, 2)]) is None
    (True, True)
    """
    q = len(hulls[0])
    if not all(_nondecreasing([h[j][e] for j in range(q)]) for h in hulls for e in (0, 1)):
        return _between_violation_all_pairs(hulls, lambdas)
    first, last = hulls[0], hulls[-1]
    for m, lam in enumerate(lambdas):
        middle = hulls[m + 1]

        def lo(g: int, k: int):
            return (1 - lam) * first[g][0] + lam * last[k][0]

        def hi(g: int, k: int):
            return (1 - lam) * first[g][1] + lam * last[k][1]

        candidates = {(g, g) for g in range(q)}
        for j in range(q):
            start, end = middle[j][0], middle[j][1]
            # pairs (g, j) with g < j: group j or later may be reached
            g0 = _first_true(0, j, lambda g: hi(g, j) > start)
            candidates.update((g, j) for g in range(g0, j))
            # pairs (g, j) with g > j: group j or earlier may be reached
            g1 = _first_true(j + 1, q, lambda g: lo(g, j) >= end)
            candidates.update((g, j) for g in range(j + 1, g1))
            # pairs (j, k) with k > j: group j or earlier may be reached
            k1 = _first_true(j + 1, q, lambda k: lo(j, k) >= end)
            candidates.update((j, k) for k in range(j + 1, k1))
            # pairs (j, k) with k < j: group j or later may be reached
            k0 = _first_true(0, j, lambda k: hi(j, k) > start)
            candidates.update((j, k) for k in range(k0, j))
        bad = _pairs_violation(first, middle, last, lam, sorted(candidates))
        if bad is not None:
            return bad
    return None


def _nondecreasing(values: list) -> bool:
    return all(a <= b for a, b in zip(values, values[1:]))


def _first_true(lo: int, hi: int, pred) -> int:
    """The first i in [lo, hi) with pred(i), for pred False then True along the range; hi
    when there is none.

    >>> _first_true(0, 10, lambda i: i * i >= 10), _first_true(3, 3, bool)
    (4, 3)
    """
    while lo < hi:
        mid = (lo + hi) // 2
        if pred(mid):
            hi = mid
        else:
            lo = mid + 1
    return lo


def _pairs_violation(first, middle, last, lam, pairs) -> tuple[int, int] | None:
    """The first pair (g, k) of ``pairs`` that reaches a middle group condition (b) forbids."""
    q = len(middle)
    starts = [lo for lo, _, _ in middle]
    for g, k in pairs:
        lo = (1 - lam) * first[g][0] + lam * last[k][0]
        hi = (1 - lam) * first[g][1] + lam * last[k][1]
        # middle groups whose open span meets (lo, hi): a run of consecutive indices
        j = max(0, bisect_right(starts, lo) - 1)
        while j < q and middle[j][0] < hi:
            if lo < middle[j][1]:
                ok = (j == g) if g == k else (min(g, k) < j < max(g, k))
                if not ok:
                    return min(g, k, j), max(g, k, j)
            j += 1
    return None


def _between_violation_all_pairs(hulls, lambdas) -> tuple[int, int] | None:
    """:func:`_between_violation` by looking at every pair (g, k): q^2 per middle line (the
    reference the pruned search is tested against)."""
    q = len(hulls[0])
    first, last = hulls[0], hulls[-1]
    pairs = [(g, k) for g in range(q) for k in range(q)]
    for m, lam in enumerate(lambdas):
        bad = _pairs_violation(first, hulls[m + 1], last, lam, pairs)
        if bad is not None:
            return bad
    return None
