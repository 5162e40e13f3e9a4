"""Data lines: maximal sets of >= 3 collinear data points, and where they must bend.

Restricted to a line z(t) = z0 + t d, a one-hidden-layer ReLU network is a
continuous piecewise-linear function of t: sum_j a_j relu(t - k_j) + affine,
with at most one kink per neuron (where its breakline crosses the line; a
neuron whose breakline is parallel to the line, or coincides with it, is
affine along it).  So the data along a line bound the number of neurons from
below.  This module finds the lines and the places where the data bend; the
minimum kink counts themselves are decided with a solver
(:mod:`nnsolve.decider.line_count`).

Exact throughout: lines are keyed by a primitive integer normal and a rational
offset; residues mod a prime only choose candidates, which are checked exactly.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from fractions import Fraction
from math import gcd, lcm
from typing import Sequence

from gmpy2 import mpq

from nnsolve.elimination import fraction
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


#: Primes below 2^31 for the modular candidate search (products of two residues fit in int64).
PRIMES = (2_147_483_647, 2_147_483_629, 2_147_483_587)
#: Pairs handled at once by the vectorized candidate search (memory: about 100 bytes each).
PAIR_BATCH = 2_000_000

Point = tuple[Fraction, Fraction]


def _exact_line(p: Point, q: Point) -> tuple[int, int, Fraction]:
    """(a, b, c): the line a x + b y = c through two distinct points, (a, b) primitive
    integers with the first nonzero positive (the same (a, b) in any common scaling of
    the coordinates), c = a x + b y."""
    na, nb = q[1] - p[1], p[0] - q[0]
    m = lcm(na.denominator, nb.denominator)
    a, b = int(na * m), int(nb * m)
    g = gcd(a, b)
    a, b = a // g, b // g
    if a < 0 or (a == 0 and b < 0):
        a, b = -a, -b
    return a, b, a * p[0] + b * p[1]


def _pair_groups(indices: Sequence[int], xy: Sequence[Point]) -> dict[tuple, set[int]]:
    """Every line through two of the points ``indices``, with the points of ``indices``
    on it (all pairs: quadratic in ``len(indices)``)."""
    groups: dict[tuple, set[int]] = defaultdict(set)
    for u, i in enumerate(indices):
        for j in indices[u + 1:]:
            group = groups[_exact_line(xy[i], xy[j])]
            group.add(i)
            group.add(j)
    return groups


def _chunked(n: int, min_points: int) -> tuple[int, int]:
    """(chunk size, support needed): the points cut into g = max(1, min_points // 3)
    consecutive chunks; a line of >= min_points points has >= min_points - 2 g >= 1 of
    them in chunks holding >= 3 of its points (docs/solving.md, "Data lines")."""
    chunks = max(1, min_points // 3)
    return -(-n // chunks), min_points - 2 * chunks


def _exact_rich(indices: list[int], xy: Sequence[Point], min_points: int) -> list[tuple[tuple, list[int]]]:
    """The lines with >= ``min_points`` of the points ``indices``, in exact arithmetic
    (chunks, then all points per candidate direction; all pairs when that is cheaper)."""
    n = len(indices)
    if n < min_points:
        return []
    size, need = _chunked(n, min_points)
    support: dict[tuple, int] = defaultdict(int)
    if size < n:
        for lo in range(0, n, size):
            for key, members in _pair_groups(indices[lo:lo + size], xy).items():
                if len(members) >= 3:
                    support[key] += len(members)
    directions = sorted({(a, b) for (a, b, _), count in support.items() if count >= need})
    if size >= n or len(directions) > n // 2:
        return [(key, sorted(m)) for key, m in _pair_groups(indices, xy).items() if len(m) >= min_points]
    found = []
    for a, b in directions:
        by_offset: dict[Fraction, list[int]] = defaultdict(list)
        for i in indices:
            by_offset[a * xy[i][0] + b * xy[i][1]].append(i)
        found += [((a, b, c), m) for c, m in by_offset.items() if len(m) >= min_points]
    return found


def _residues(xy: Sequence[Point], prime: int, size: int | None = None):
    """The points mod ``prime`` (int64 arrays), or None when a denominator is divisible by
    it or two distinct points of one chunk (``size`` consecutive points; None: all of
    them) coincide mod it.

    Only pairs inside a chunk get a residue line (the candidate search), so only there
    must distinct points stay distinct; across chunks a coincidence is harmless: the
    grouping by residue line keeps every point of a line together (collinearity survives
    mod p) and each group is checked exactly.  A global check fails by the birthday bound
    at scale: the 10,000-constraint reduction has 418,000 points on one vertical line with
    y spread over 3 10^12, about 100 coincidences mod any prime below 2^31."""
    import numpy as np

    inverses: dict[int, int] = {}
    columns = []
    for k in range(2):
        column = []
        for point in xy:
            v = point[k]
            d = v.denominator
            inv = inverses.get(d)
            if inv is None:
                if d % prime == 0:
                    return None
                inv = inverses[d] = pow(d, -1, prime)
            column.append(v.numerator % prime * inv % prime)
        columns.append(np.array(column, dtype=np.int64))
    X, Y = columns
    chunk = np.arange(len(X), dtype=np.int64) // (size or max(1, len(X)))
    if len(X) and len(_group_counts(chunk, X, Y)[1]) < len(xy):
        return None
    return X, Y


def _inverse(values, prime: int):
    """Elementwise inverse mod ``prime`` (Fermat: values ** (prime - 2)), int64 throughout."""
    result = values * 0 + 1
    base = values % prime
    e = prime - 2
    while e:
        if e & 1:
            result = result * base % prime
        base = base * base % prime
        e >>= 1
    return result


def _modular_candidates(X, Y, prime: int, size: int, need: int) -> list[int]:
    """Slope codes (0..prime-1, ``prime`` for vertical) of every line mod ``prime`` whose
    support (points in chunks holding >= 3 of its points, counted from the pairs: a group of
    P pairs has at least the least c with c (c - 1) / 2 >= P points) reaches ``need``."""
    import numpy as np

    n = len(X)
    nchunks = -(-n // size)
    iu, ju = np.triu_indices(size, 1)
    per_batch = max(1, PAIR_BATCH // max(1, len(iu)))
    records = []
    for first in range(0, nchunks, per_batch):
        bases = np.arange(first, min(first + per_batch, nchunks), dtype=np.int64) * size
        I = (bases[:, None] + iu[None, :]).ravel()
        J = (bases[:, None] + ju[None, :]).ravel()
        keep = J < n
        I, J = I[keep], J[keep]
        if not len(I):
            continue
        dx = (X[J] - X[I]) % prime
        dy = (Y[J] - Y[I]) % prime
        vertical = dx == 0
        slope = dy * _inverse(np.where(vertical, 1, dx), prime) % prime
        slope = np.where(vertical, prime, slope)
        offset = np.where(vertical, X[I], (Y[I] - slope * X[I] % prime) % prime)
        keys, pairs = _group_counts(I // size, slope, offset)
        points = np.ceil((1 + np.sqrt(1 + 8 * pairs.astype(np.float64))) / 2).astype(np.int64)
        points -= ((points - 1) * (points - 2) // 2 >= pairs).astype(np.int64)  # exact: least c with
        points += (points * (points - 1) // 2 < pairs).astype(np.int64)          # c (c - 1) / 2 >= pairs
        rich = points >= 3
        records.append((keys[1][rich], keys[2][rich], points[rich]))
    if not records:
        return []
    slopes = np.concatenate([r[0] for r in records])
    offsets = np.concatenate([r[1] for r in records])
    counts = np.concatenate([r[2] for r in records])
    if not len(slopes):
        return []
    (line_slopes, _), support = _group_counts(slopes, offsets, weights=counts)
    return sorted(set(int(v) for v in line_slopes[support >= need]))


def _group_counts(*columns, weights=None):
    """The distinct rows of equal-length int64 ``columns`` (as columns) and, per row, how
    many times it occurs (or the sum of ``weights`` over its occurrences)."""
    import numpy as np

    order = np.lexsort(columns[::-1])
    cols = [c[order] for c in columns]
    change = np.zeros(len(order), dtype=bool)
    change[0] = True
    for c in cols:
        change[1:] |= c[1:] != c[:-1]
    starts = np.flatnonzero(change)
    if weights is None:
        totals = np.diff(np.append(starts, len(order)))
    else:
        totals = np.add.reduceat(weights[order], starts)
    return [c[starts] for c in cols], totals


def _all_on(key: tuple[int, int, Fraction], points) -> bool:
    """Do all ``points`` satisfy a x + b y = c?  (Integer arithmetic on numerators and
    denominators: the same test as with Fractions, without building them.)"""
    a, b, c = key
    cn, cd = c.numerator, c.denominator
    for x, y in points:
        xn, xd, yn, yd = x.numerator, x.denominator, y.numerator, y.denominator
        if (a * xn * yd + b * yn * xd) * cd != cn * xd * yd:
            return False
    return True


def _rich_lines(xy: list[Point], min_points: int) -> list[tuple[tuple, list[int]]]:
    """Every line with >= ``min_points`` of the distinct points ``xy`` (exact; see data_lines)."""
    import numpy as np

    n = len(xy)
    if n < min_points:
        return []
    size, need = _chunked(n, min_points)
    if size * size > 2 * PAIR_BATCH:  # one chunk is too large to vectorize: exact all the way
        return _exact_rich(list(range(n)), xy, min_points)
    for prime in PRIMES:
        residues = _residues(xy, prime, size)
        if residues is not None:
            break
    else:
        return _exact_rich(list(range(n)), xy, min_points)
    X, Y = residues
    found = []
    for slope in _modular_candidates(X, Y, prime, size, need):
        offset = X if slope == prime else (Y - slope * X % prime) % prime
        order = np.argsort(offset, kind="stable")
        _, starts, counts = np.unique(offset[order], return_index=True, return_counts=True)
        for start, count in zip(starts[counts >= min_points], counts[counts >= min_points]):
            members = sorted(int(i) for i in order[start:start + count])
            key = _exact_line(xy[members[0]], xy[members[1]])
            if _all_on(key, (xy[i] for i in members)):
                found.append((key, members))
            else:  # a collision mod the prime: sort the group out exactly
                found += _exact_rich(members, xy, min_points)
    return found


def data_lines(instance: TrainingInstance, min_points: int = 3) -> list[DataLine]:
    """Every maximal collinear set of at least ``min_points`` points (2-input instances),
    exactly.

    Cost: about 1.5 n^2 / min_points point pairs for n points (vectorized, in residues
    mod a prime) plus one pass over the points per candidate direction: near-linear when
    ``min_points`` is a fixed fraction of n, as for line counting, which only needs lines
    of at least m + 2 points (:func:`nnsolve.decider.line_count.analyse_lines`); quadratic
    for small ``min_points``.

    Why it finds every such line (docs/solving.md, "Data lines"): the distinct points,
    in instance order, are cut into g = max(1, min_points // 3) consecutive chunks.  A
    line L with c >= min_points points has at most 2 of them in each chunk where it has
    fewer than 3, so at least c - 2 g >= min_points - 2 g >= 1 of its points lie in chunks
    holding 3 or more of its points; the pairs inside each chunk find those.  Pairs are
    keyed by their line mod a prime p (no denominator divisible by p, distinct points
    of one chunk distinct mod p: checked, else another prime or exact keys), where L's points stay
    collinear, so L's residue line collects at least L's support (a group of P pairs has
    at least the least c with c (c - 1) / 2 >= P points).  Every point is then grouped by
    its residue line in each candidate direction, and each group of >= ``min_points``
    points is checked exactly (Fractions): all on one line, or, after a collision mod p,
    searched again in exact arithmetic.  Every returned line is exact and maximal.

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
    # A repeated input is one point of the plane: only its first occurrence joins lines
    # (callers merge repeated points or reject conflicting ones before; see interpolate).
    first: dict[tuple[int, int, int, int], int] = {}
    unique = [i for i, p in enumerate(instance.points)
              if first.setdefault((p.x[0].numerator, p.x[0].denominator, p.x[1].numerator, p.x[1].denominator), i) == i]
    xy = [tuple(instance.points[i].x) for i in unique]
    lines = []
    for (a, b, c), members in _rich_lines(xy, min_points):
        ts = []
        for u in members:
            x, y = xy[u]
            xn, xd, yn, yd = x.numerator, x.denominator, y.numerator, y.denominator
            ts.append((Fraction(a * yn * xd - b * xn * yd, xd * yd), unique[u]))
        try:
            ts.sort(key=lambda item: float(item[0]))  # a guide; checked exactly, re-sorted if wrong
        except OverflowError:
            pass  # a t beyond the doubles: the check below sorts exactly
        if any(ts[r][0] >= ts[r + 1][0] for r in range(len(ts) - 1)):
            ts.sort()
        lines.append(DataLine(a, b, c, tuple(i for _, i in ts), tuple(t for t, _ in ts)))
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
    return [Bend(i) for i in bend_indices(samples)]


def bend_indices(samples: Sequence[tuple[Fraction, Sequence[Fraction]]]) -> list[int]:
    """The positions of :func:`bends`, in increasing order, in one pass: slopes are
    compared by cross-multiplication, dy0 * dt1 != dy1 * dt0 (dt > 0: t is sorted
    strictly), in GMP rationals (exact; about ten times faster than Fraction).

    >>> from fractions import Fraction as F
    >>> bend_indices([(F(t), (F(y), F(0))) for t, y in [(0, 0), (1, 0), (2, 1), (3, 2), (5, 2)]])
    [1, 3]
    """
    if len(samples) < 3:
        return []
    ts = [mpq(t) for t, _ in samples]
    ys = [[mpq(v) for v in y] for _, y in samples]
    out = []
    dt0 = ts[1] - ts[0]
    dy0 = [b - a for a, b in zip(ys[0], ys[1])]
    for i in range(1, len(samples) - 1):
        dt1 = ts[i + 1] - ts[i]
        dy1 = [b - a for a, b in zip(ys[i], ys[i + 1])]
        if any(u * dt1 != v * dt0 for u, v in zip(dy0, dy1)):
            out.append(i)
        dt0, dy0 = dt1, dy1
    return out


def line_blocks(samples: Sequence[tuple[Fraction, Sequence[Fraction]]]) -> list[tuple[Block, list[int]]]:
    """:func:`blocks` with the bends inside each (positions in the line), from one pass
    over the line.  A block's bends are exactly the bends of its own samples: every
    bend's window (i - 1, i + 1) lies in one block, and an interior sample of a block
    has the same neighbours in the block as in the line.

    >>> from fractions import Fraction as F
    >>> hat = [(F(t), (F(y),)) for t, y in [(0, 0), (1, 0), (2, 1), (3, 0), (4, 0), (5, 0), (6, 1), (7, 0), (8, 0)]]
    >>> [((b.first, b.last), inside) for b, inside in line_blocks(hat)]
    [((0, 4), [1, 2, 3]), ((4, 8), [5, 6, 7])]
    """
    chains: list[list] = []
    for i in bend_indices(samples):
        lo, hi = i - 1, i + 1
        if chains and lo < chains[-1][1]:  # open windows overlap iff t[lo] < t[previous hi]
            chains[-1][1] = max(chains[-1][1], hi)
            chains[-1][2].append(i)
        else:
            chains.append([lo, hi, [i]])
    return [(Block(lo, hi), inside) for lo, hi, inside in chains]


def greedy_windows(samples: Sequence[tuple[Fraction, Sequence[Fraction]]], indices: Sequence[int]) -> int:
    """:func:`disjoint_windows` for the bends at ``indices`` (positions in ``samples``)."""
    count, end = 0, None
    for i in sorted(indices, key=lambda i: samples[i + 1][0]):
        if end is None or samples[i - 1][0] >= end:
            count += 1
            end = samples[i + 1][0]
    return count


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
    return [block for block, _ in line_blocks(samples)]


def disjoint_windows(samples: Sequence[tuple[Fraction, Sequence[Fraction]]]) -> int:
    """The largest number of pairwise disjoint bend windows: a lower bound on the
    kinks (each window needs its own kink), found greedily by right end.

    >>> from fractions import Fraction as F
    >>> disjoint_windows([(F(t), (F(y),)) for t, y in [(0, 0), (1, 0), (2, 1), (3, 0), (4, 0)]])
    2
    """
    return greedy_windows(samples, bend_indices(samples))


def normalized(samples: Sequence[tuple[Fraction, Sequence[Fraction]]]) -> tuple:
    """The samples with t shifted to start at 0 and the affine function through the
    first two samples subtracted: kink counts do not change, and equal gadgets
    on different lines get equal keys (so their counts are computed once)."""
    return tuple((fraction(t), tuple(fraction(v) for v in y)) for t, y in normalized_key(samples))


def normalized_key(samples: Sequence[tuple[Fraction, Sequence[Fraction]]]) -> tuple:
    """:func:`normalized` in GMP rationals (equal keys exactly when the normalized
    samples are equal; cheaper to build and to hash)."""
    (t0, y0), (t1, y1) = samples[0], samples[1]
    t0, y0 = mpq(t0), [mpq(v) for v in y0]
    dt = mpq(t1) - t0
    slope = [(mpq(b) - a) / dt for a, b in zip(y0, y1)]
    out = []
    for t, y in samples:
        d = mpq(t) - t0
        out.append((d, tuple(mpq(v) - a - m * d for v, a, m in zip(y, y0, slope))))
    return tuple(out)
