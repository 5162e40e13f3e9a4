"""Data lines: maximal sets of >= 3 collinear data points, and where they must bend.

Restricted to a line z(t) = z0 + t d, a one-hidden-layer ReLU network is a
continuous piecewise-linear function of t: sum_j a_j relu(t - k_j) + affine,
with at most one kink per neuron (where its breakline crosses the line; a
neuron whose breakline is parallel to the line, or coincides with it, is
affine along it).  So the data along a line bound the number of neurons from
below.  This module finds the lines and the places where the data bend; the
minimum kink counts themselves are decided with a solver
(:mod:`nnsolve.decider.line_count`).

Exact throughout: coordinates are scaled to integers, lines are keyed by
primitive integer triples.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from fractions import Fraction
from math import gcd, lcm
from typing import Sequence

from nnsolve.training.instance import TrainingInstance


@dataclass(frozen=True)
class DataLine:
    """The line a x + b y = c (primitive integers in the instance's scaled coordinates,
    first nonzero of (a, b) positive) and its points sorted by t = -b x + a y."""

    a: int
    b: int
    c: Fraction
    points: tuple[int, ...]          # indices into instance.points, sorted by t
    t: tuple[Fraction, ...]          # the parameter of each point


@dataclass(frozen=True)
class Bend:
    """Data point ``i`` (position in the line) where the slope changes: some kink
    must lie strictly between t[i - 1] and t[i + 1]."""

    i: int


@dataclass(frozen=True)
class Block:
    """A maximal run of overlapping bend windows: positions first..last of the
    line.  Blocks have disjoint open spans (t[first], t[last])."""

    first: int
    last: int


def _scale(instance: TrainingInstance) -> int:
    return lcm(*(c.denominator for p in instance.points for c in p.x)) if instance.points else 1


def _line_key(xi: int, yi: int, xj: int, yj: int) -> tuple[int, int, int] | None:
    """The primitive key (a, b, c) of the line through two integer points (a x + b y = c,
    first nonzero of (a, b) positive); None for coincident points."""
    a, b = yj - yi, xi - xj
    g = gcd(a, b)
    if g == 0:
        return None
    a, b = a // g, b // g
    if a < 0 or (a == 0 and b < 0):
        a, b = -a, -b
    return a, b, a * xi + b * yi


def _pair_groups(indices: Sequence[int], xy: Sequence[tuple[int, int]]) -> dict[tuple[int, int, int], set[int]]:
    """Every line through two of the points ``indices``, with the points of ``indices``
    on it (all pairs: quadratic in ``len(indices)``)."""
    groups: dict[tuple[int, int, int], set[int]] = defaultdict(set)
    for u, i in enumerate(indices):
        xi, yi = xy[i]
        for j in indices[u + 1:]:
            key = _line_key(xi, yi, *xy[j])
            if key is not None:
                group = groups[key]
                group.add(i)
                group.add(j)
    return groups


def data_lines(instance: TrainingInstance, min_points: int = 3) -> list[DataLine]:
    """Every maximal collinear set of at least ``min_points`` points (2-input instances),
    exactly.

    Cost about 1.5 n^2 / min_points line keys for n points, plus one pass over the points
    per direction of a candidate line (or all pairs, when that is cheaper): near-linear
    when ``min_points`` is a fixed fraction of n, as for line counting, which only needs
    lines of at least m + 2 points (:func:`nnsolve.decider.line_count.analyse_lines`);
    quadratic (all pairs) for ``min_points <= 5``.

    Why it finds every such line (docs/solving.md, "Data lines"): the distinct points,
    in instance order, are cut into g = max(1, min_points // 3) consecutive chunks.  A
    line L with c >= min_points points has at most 2 of them in each chunk where it has
    fewer than 3, so at least c - 2 g >= min_points - 2 g >= 1 of its points lie in chunks
    holding 3 or more of its points; pairs inside each chunk find those (every pair of
    points of L has L's key).  Keys found inside chunks with such support are the
    candidates; a pass over all points per candidate direction (a x + b y grouped by
    value) then collects every line of that direction in full, and those with at least
    ``min_points`` points are returned.  (When the candidate directions are more than
    n / 2, all pairs are grouped instead, which finds every line by definition.)

    >>> from fractions import Fraction as F
    >>> from nnsolve.training.instance import DataPoint
    >>> pts = [DataPoint((F(i), F(2 * i)), (F(0), F(0))) for i in range(4)] + [DataPoint((F(0), F(1)), (F(0), F(0)))]
    >>> [(line.a, line.b, line.points) for line in data_lines(TrainingInstance(tuple(pts), 1))]
    [(2, -1, (0, 1, 2, 3))]
    >>> data_lines(TrainingInstance(tuple(pts), 1), min_points=5)
    []
    """
    if instance.inputs != 2:
        raise ValueError("data lines are defined for 2-input instances")
    min_points = max(min_points, 3)
    s = _scale(instance)
    xy = [(int(p.x[0] * s), int(p.x[1] * s)) for p in instance.points]
    # A repeated input is one point of the plane: only its first occurrence joins lines
    # (callers merge repeated points or reject conflicting ones before; see interpolate).
    first: dict[tuple[int, int], int] = {}
    unique = [i for i, p in enumerate(xy) if first.setdefault(p, i) == i]
    n = len(unique)
    if n < min_points:
        return []
    chunks = max(1, min_points // 3)
    size = -(-n // chunks)
    need = min_points - 2 * chunks  # >= 1: support every line of >= min_points points has
    support: dict[tuple[int, int, int], int] = defaultdict(int)
    if chunks > 1:
        for lo in range(0, n, size):
            for key, members in _pair_groups(unique[lo:lo + size], xy).items():
                if len(members) >= 3:
                    support[key] += len(members)
    directions = sorted({(a, b) for (a, b, _), count in support.items() if count >= need})
    if chunks == 1 or len(directions) > n // 2:
        # all pairs (the quadratic method): cheaper than one pass per direction here
        found = [(key, members) for key, members in _pair_groups(unique, xy).items() if len(members) >= min_points]
    else:
        found = []
        for a, b in directions:
            by_offset: dict[int, list[int]] = defaultdict(list)
            for i in unique:
                by_offset[a * xy[i][0] + b * xy[i][1]].append(i)
            found += [((a, b, c), members) for c, members in by_offset.items() if len(members) >= min_points]
    lines = []
    for (a, b, c), members in found:
        order = sorted(members, key=lambda i: -b * xy[i][0] + a * xy[i][1])
        ts = tuple(Fraction(-b * xy[i][0] + a * xy[i][1], s) for i in order)
        lines.append(DataLine(a, b, Fraction(c, s), tuple(order), ts))
    lines.sort(key=lambda line: (-len(line.points), line.a, line.b, line.c))
    return lines


def line_data(instance: TrainingInstance, line: DataLine) -> list[tuple[Fraction, tuple[Fraction, ...]]]:
    """(t, label) along the line, sorted by t."""
    return [(t, instance.points[i].y) for t, i in zip(line.t, line.points)]


def bends(samples: Sequence[tuple[Fraction, Sequence[Fraction]]]) -> list[Bend]:
    """Interior samples where the slope vector changes (in any output).

    >>> from fractions import Fraction as F
    >>> [b.i for b in bends([(F(0), (F(0),)), (F(1), (F(0),)), (F(2), (F(1),)), (F(3), (F(2),))])]
    [1]
    """
    def slope(i: int) -> tuple[Fraction, ...]:
        (t0, y0), (t1, y1) = samples[i], samples[i + 1]
        return tuple((b - a) / (t1 - t0) for a, b in zip(y0, y1))

    return [Bend(i) for i in range(1, len(samples) - 1) if slope(i - 1) != slope(i)]


def blocks(samples: Sequence[tuple[Fraction, Sequence[Fraction]]]) -> list[Block]:
    """Group the bend windows (t[i-1], t[i+1]) into maximal chains of overlapping windows.

    A fit restricted to a block's closed span fits the block's samples, and
    kinks in different blocks' open spans are different kinks, so the kinks a
    line needs are at least the sum of what its blocks need.

    >>> from fractions import Fraction as F
    >>> hat = [(F(t), (F(y),)) for t, y in [(0, 0), (1, 0), (2, 1), (3, 0), (4, 0), (5, 0), (6, 1), (7, 0), (8, 0)]]
    >>> [(b.first, b.last) for b in blocks(hat)]
    [(0, 4), (4, 8)]
    """
    chains: list[list[int]] = []
    for bend in bends(samples):
        lo, hi = bend.i - 1, bend.i + 1
        if chains and lo < chains[-1][1]:  # open windows overlap iff t[lo] < t[previous hi]
            chains[-1][1] = max(chains[-1][1], hi)
        else:
            chains.append([lo, hi])
    return [Block(lo, hi) for lo, hi in chains]


def disjoint_windows(samples: Sequence[tuple[Fraction, Sequence[Fraction]]]) -> int:
    """The largest number of pairwise disjoint bend windows: a lower bound on the
    kinks (each window needs its own kink), found greedily by right end.

    >>> from fractions import Fraction as F
    >>> disjoint_windows([(F(t), (F(y),)) for t, y in [(0, 0), (1, 0), (2, 1), (3, 0), (4, 0)]])
    2
    """
    count, end = 0, None
    for bend in sorted(bends(samples), key=lambda b: samples[b.i + 1][0]):
        if end is None or samples[bend.i - 1][0] >= end:
            count += 1
            end = samples[bend.i + 1][0]
    return count


def normalized(samples: Sequence[tuple[Fraction, Sequence[Fraction]]]) -> tuple:
    """The samples with t shifted to start at 0 and the affine function through the
    first two samples subtracted: kink counts do not change, and equal gadgets
    on different lines get equal keys (so their counts are computed once)."""
    (t0, y0), (t1, y1) = samples[0], samples[1]
    slope = [(b - a) / (t1 - t0) for a, b in zip(y0, y1)]
    return tuple((t - t0, tuple(y[o] - y0[o] - slope[o] * (t - t0) for o in range(len(y))))
                 for t, y in samples)
