"""Second reader of nnsolve.decider.lines: data_lines (the modular search with chunk-local
distinctness mod p) and the one-pass bends, blocks and normalized keys, against slow
references, at the sizes of real use (point sets of thousands of points, lines of
hundreds to a few thousand samples).

References:

* ``reference_lines``: the definition (every pair of distinct points keyed by its exact
  line, as tests/line_oracle.py), vectorized so it runs on thousands of points: the
  points scaled to integers (small enough for int64), then for each point i the exact
  primitive directions to the later points, grouped; a line is reported from its first
  point only.  Checked against line_oracle.quadratic_data_lines on small inputs.
* bends by division (slopes as Fractions, compared), blocks as connected components of
  the overlap graph of the open windows (t[i-1], t[i+1]) by their t values, and the
  normalized samples by Fraction arithmetic.
"""

from fractions import Fraction as F
import random
from math import lcm

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings, strategies as st

import nnsolve.decider.lines as lines
from line_oracle import quadratic_data_lines
from nnsolve.decider.lines import data_lines
from nnsolve.training.instance import DataPoint, TrainingInstance

ZERO = (F(0), F(0))
SETTINGS = dict(deadline=None, suppress_health_check=list(HealthCheck))


def _instance(pts):
    return TrainingInstance(tuple(DataPoint(p, ZERO) for p in pts), 1)


def _lines(found):
    return [(line.a, line.b, F(line.c), line.points, tuple(F(t) for t in line.t)) for line in found]


# -- the definition, vectorized ----------------------------------------------------------

def reference_lines(pts, min_points):
    """Every maximal set of >= min_points collinear points (first occurrence of repeated
    inputs), in data_lines' format and order."""
    min_points = max(min_points, 3)
    s = lcm(*(c.denominator for p in pts for c in p)) if pts else 1
    first = {}
    unique = [i for i, p in enumerate(pts) if first.setdefault(p, i) == i]
    xs = [int(pts[i][0] * s) for i in unique]
    ys = [int(pts[i][1] * s) for i in unique]
    assert all(abs(v) < 2**30 for v in xs + ys), "reference needs small scaled coordinates"
    X, Y = np.array(xs, dtype=np.int64), np.array(ys, dtype=np.int64)
    n = len(unique)
    out = []
    for i in range(n - min_points + 1):
        a = Y[i + 1:] - Y[i]
        b = X[i] - X[i + 1:]
        g = np.gcd(a, b)
        a, b = a // g, b // g
        flip = (a < 0) | ((a == 0) & (b < 0))
        a, b = np.where(flip, -a, a), np.where(flip, -b, b)
        order = np.lexsort((b, a))
        sa, sb = a[order], b[order]
        change = np.ones(len(order), dtype=bool)
        change[1:] = (sa[1:] != sa[:-1]) | (sb[1:] != sb[:-1])
        starts = np.flatnonzero(change)
        counts = np.diff(np.append(starts, len(order)))
        for start in starts[counts >= min_points - 1]:
            la, lb = int(sa[start]), int(sb[start])
            c = la * xs[i] + lb * ys[i]
            on = np.flatnonzero(la * X + lb * Y == c)
            if on[0] != i:
                continue  # reported from its first point
            members = [unique[int(u)] for u in on]
            order_t = sorted(members, key=lambda m: -lb * pts[m][0] + la * pts[m][1])
            ts = tuple(-lb * pts[m][0] + la * pts[m][1] for m in order_t)
            out.append((la, lb, F(c, s), tuple(order_t), ts))
    out.sort(key=lambda line: (-len(line[3]), line[0], line[1], line[2]))
    return out


# -- point sets like line counting's, and adversarial ones ---------------------------------

MID_PRIMES = [1009, 2003, 4001, 10007, 65521]
DIRECTIONS = [(1, 0), (0, 1), (1, 1), (2, -1), (3, 5), (1, 7), (7, -3), (1, 13)]


@st.composite
def point_sets(draw, max_random=2500, max_lines=6, max_len=600):
    """Random points plus planted lines (vertical, horizontal, rational slopes, rational
    offsets), steps sometimes multiples of a prime (points that coincide mod p, in
    different chunks), sometimes every coordinate divided by the first prime tried (it
    divides every denominator: the next prime is used), repeated inputs, shuffled;
    (points, primes to use or None for the library's)."""
    rnd = random.Random(draw(st.integers(0, 2**32)))  # sizes uniform, not shrunk toward 0
    primes = draw(st.sampled_from([None, None, (1009,), (10007,), (1009, 2003, 4001), tuple(MID_PRIMES)]))
    box = draw(st.sampled_from([200, 3000, 100_000]))
    count = draw(st.sampled_from([0, 1, 2, 2])) * max_random // 2 and rnd.randint(max_random // 4, max_random)
    pts = [(F(rnd.randint(-box, box)), F(rnd.randint(-box, box))) for _ in range(count)]
    lengths = []
    for _ in range(rnd.randint(0, max_lines)):
        den = draw(st.sampled_from([1, 1, 2, 3]))
        x0, y0 = rnd.randint(-box, box), rnd.randint(-box, box)
        dx, dy = draw(st.sampled_from(DIRECTIONS))
        length = rnd.randint(3, max_len) if draw(st.booleans()) else rnd.randint(max_len // 2, max_len)
        lengths.append(length)
        stride = draw(st.sampled_from([1, 1, 2, 1009, 1009, 2003, 10007]))
        steps = rnd.sample(range(-3 * length, 3 * length), length)
        pts += [(F(x0 * den + t * stride * dx, den), F(y0 * den + t * stride * dy, den)) for t in steps]
    if pts:
        pts += [rnd.choice(pts) for _ in range(draw(st.integers(0, 20)))]  # repeated inputs
    if draw(st.integers(0, 3)) == 0:
        p = (primes or lines.PRIMES)[0]
        pts = [(x / p, y / p) for x, y in pts]
    rnd.shuffle(pts)
    # min_points near a planted line's length (found or just missed), or free
    k = draw(st.sampled_from([None] + lengths))
    k = rnd.randint(3, max(3, max_len // 2)) if k is None else max(3, k + draw(st.integers(-3, 1)))
    return pts, primes, k


@settings(max_examples=20, **SETTINGS)
@given(st.lists(st.tuples(st.integers(-20, 20), st.integers(-20, 20), st.sampled_from([1, 1, 5, 7, 35])),
                max_size=150), st.integers(3, 12), st.sampled_from([(5,), (7,), (5, 7), (5, 7, 11), (101,)]))
def test_scattered_denominators_divisible_by_small_primes(raw, min_points, primes):
    """Points with denominators divisible by some of the primes (those primes are skipped)
    and many coincidences mod small primes: data_lines equals the quadratic definition."""
    pts = [(F(x, d), F(y, d if y % 3 else 1)) for x, y, d in raw]
    pts += [(F(t, 35), F(2 * t + 3, 5)) for t in range(min_points + 2)]
    assert _data_lines(pts, min_points, primes) == _lines(quadratic_data_lines(_instance(pts), min_points))


def _data_lines(pts, min_points, primes=None):
    with pytest.MonkeyPatch.context() as patch:
        if primes is not None:
            patch.setattr(lines, "PRIMES", primes)
        return _lines(data_lines(_instance(pts), min_points))


@settings(max_examples=20, **SETTINGS)
@given(point_sets(max_random=60, max_lines=4, max_len=40))
def test_the_fast_reference_is_the_quadratic_definition(drawn):
    pts, _, min_points = drawn
    assert reference_lines(pts, min_points) == _lines(quadratic_data_lines(_instance(pts), min_points))


def _fits_reference(pts) -> bool:
    """The vectorized reference works in int64: scaled coordinates below 2^30 (rare draws,
    a long line with stride 10007 divided by a prime, exceed it)."""
    s = lcm(*(c.denominator for p in pts for c in p)) if pts else 1
    return all(abs(int(c * s)) < 2**30 for p in pts for c in p)


@settings(max_examples=8, **SETTINGS)
@given(point_sets())
def test_data_lines_at_scale_equal_the_definition(drawn):
    """Thousands of points, rich lines (min_points like m + 2 for hundreds of neurons),
    mid-size primes that collide across chunks and between residue lines."""
    pts, primes, min_points = drawn
    assume(_fits_reference(pts))
    assert _data_lines(pts, min_points, primes) == reference_lines(pts, min_points)


@settings(max_examples=5, **SETTINGS)
@given(point_sets(max_random=500, max_lines=5, max_len=120), st.integers(3, 8))
def test_data_lines_small_min_points_equal_the_definition(drawn, min_points):
    """Few chunks (g = min_points // 3 is 1 or 2): distinctness mod p over the whole set,
    many short lines (every collinear triple among hundreds of points)."""
    pts, primes, _ = drawn
    assume(_fits_reference(pts))
    assert _data_lines(pts, min_points, primes) == reference_lines(pts, min_points)


@settings(max_examples=10, **SETTINGS)
@given(st.integers(9, 90), st.sampled_from([101, 1009]), st.integers(3, 60), st.integers(0, 4),
       st.randoms(use_true_random=False))
def test_every_residue_point_shared_across_chunks(min_points, p, residues, diagonal, rnd):
    """The worst case for chunk-local distinctness, on the modular path: g = min_points // 3
    blocks of equal size, aligned with the chunks, block j holding the points (0, y + p j)
    for the same residues y (so every residue point of the vertical line x = 0 is taken
    once per chunk), the point (p j, p j + 5) (residue (0, 5): on x = 0 mod p, on y = x + 5
    exactly) and points (i + p j, i + p j + 5) of that diagonal (the same residues in every
    block); shuffled inside blocks.  The exact
    search over all the points must not be needed, and the lines must be exact."""
    g = max(1, min_points // 3)
    ys = rnd.sample(range(6, p), residues)
    blocks = []
    for j in range(g):
        block = [(F(0), F(y + p * j)) for y in ys] + [(F(p * j), F(p * j + 5))]
        block += [(F(x), F(x + 5)) for x in range(1 + j * p, 1 + j * p + diagonal)]  # residues (i, i + 5), i > 0
        rnd.shuffle(block)
        blocks.append(block)
    pts = [q for block in blocks for q in block]
    calls = []
    modular = lines._modular_candidates
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(lines, "_modular_candidates", lambda *args: calls.append(args[2]) or modular(*args))
        got = _data_lines(pts, min_points, (p,))
    assert calls == [p]  # the residues passed the chunk-local check: the modular search ran
    assert got == reference_lines(pts, min_points)


def test_lines_made_only_of_points_that_coincide_mod_p():
    """k points of one line pairwise equal mod p, one per chunk would be needed for a
    group of equal residues; with g = k // 3 chunks there are too few, so every group of
    >= k points has two distinct residues and its residue line is the exact line's."""
    p = 101
    for k in (3, 6, 9, 30, 99):
        pts = [(F(p * j), F(2 * p * j)) for j in range(k)]     # all (0, 0) mod p
        pts += [(F(j), F(2 * j + 1)) for j in range(1, 4)]     # a parallel line through other residues
        pts += [(F(0), F(j)) for j in range(1, k + 1)]         # x = 0 shares the residue (0, 0)
        for order in (pts, pts[::-1]):
            assert _data_lines(order, k, (p,)) == reference_lines(order, k), k


def test_denominators_divisible_by_every_prime_fall_back_to_exact_keys():
    pts = [(F(t, 3 * 5 * 7), F(2 * t + 1, 3 * 5 * 7)) for t in range(50)]
    pts += [(F(t % 13), F(t // 13)) for t in range(13 * 13)]
    for k in (3, 5, 13, 40):
        assert _data_lines(pts, k, (3, 5, 7)) == reference_lines(pts, k)


def test_coordinates_beyond_the_doubles():
    """t = -b x + a y beyond 1.8e308: the float guide for sorting the points along the
    line overflowed (OverflowError); the exact order must be used."""
    big = 10**400
    pts = [(F(big * i), F(0)) for i in range(5)] + [(F(big * i), F(big * i + 1)) for i in range(4)]
    pts += [(F(1, big * (i + 1)), F(1)) for i in range(4)]
    inst = _instance(pts)
    assert _lines(data_lines(inst, 3)) == _lines(quadratic_data_lines(inst, 3))


# -- bends, blocks, normalized keys ------------------------------------------------------

def division_bends(samples):
    def slope(i):
        (t0, y0), (t1, y1) = samples[i], samples[i + 1]
        return tuple((b - a) / (t1 - t0) for a, b in zip(y0, y1))
    return [i for i in range(1, len(samples) - 1) if slope(i - 1) != slope(i)]


def overlap_blocks(samples):
    """Connected components of the bend windows (t[i-1], t[i+1]) under overlap of open
    intervals (by t values, pairwise, no use of index arithmetic); each as
    (first, last, bends) with first/last the positions of the outermost window ends."""
    bends = division_bends(samples)
    t = [s[0] for s in samples]
    lo_t = lambda i: min(t[i - 1], t[i + 1])
    hi_t = lambda i: max(t[i - 1], t[i + 1])
    parent = {i: i for i in bends}

    def find(i):
        while parent[i] != i:
            i = parent[i]
        return i

    # sweep by left end (sorting is the definition's freedom, not an index argument)
    order = sorted(bends, key=lo_t)
    for u, i in enumerate(order):
        for j in order[u + 1:]:
            if lo_t(j) >= hi_t(i):
                break
            parent[find(j)] = find(i)
    comps = {}
    for i in bends:
        comps.setdefault(find(i), []).append(i)
    out = []
    for members in comps.values():
        lo = min(members, key=lo_t)
        hi = max(members, key=hi_t)
        first = lo - 1 if t[lo - 1] < t[lo + 1] else lo + 1
        last = hi + 1 if t[hi - 1] < t[hi + 1] else hi - 1
        out.append((first, last, sorted(members)))
    return sorted(out)


def fraction_normalized(samples):
    (t0, y0), (t1, y1) = samples[0], samples[1]
    slope = [(b - a) / (t1 - t0) for a, b in zip(y0, y1)]
    return tuple((t - t0, tuple(v - a - m * (t - t0) for v, a, m in zip(y, y0, slope))) for t, y in samples)


@st.composite
def long_lines(draw, max_n=3000):
    """Samples along a line like line counting's: hundreds to thousands of them, labels a
    piecewise-linear function (1-3 outputs) with kinks at samples, between samples and in
    runs (every sample a bend), some noise; t increasing or (negative direction)
    decreasing; rational t with large denominators."""
    rnd = random.Random(draw(st.integers(0, 2**32)))  # sizes uniform, not shrunk toward 0
    n = rnd.choice([0, 1, 2, 3, 4]) if draw(st.integers(0, 5)) == 0 else rnd.choice([rnd.randint(5, 300), rnd.randint(300, max_n)])
    outputs = draw(st.integers(1, 3))
    den = draw(st.sampled_from([1, 7, 10**6, 10**12 + 39]))
    t, ts = F(rnd.randint(-10**6, 10**6), den), []
    for _ in range(n):
        t += F(rnd.randint(1, 10**6), den) if rnd.random() < 0.9 else F(1, den * 10**9)
        ts.append(t)
    kinks = sorted(rnd.choice(ts) + (0 if rnd.random() < 0.5 else F(1, 3 * den)) for _ in range(min(n, rnd.randint(0, 60))))
    jumps = [[F(rnd.randint(-3, 3), rnd.choice([1, 1, 2, 5])) for _ in range(outputs)] for _ in kinks]
    run = set()
    if n and draw(st.booleans()):
        start = rnd.randrange(n)
        run = set(range(start, min(n, start + rnd.randint(1, 40))))  # a run of bends
    slope0 = [F(rnd.randint(-5, 5)) for _ in range(outputs)]
    samples = []
    for i, t in enumerate(ts):
        y = [slope0[o] * t + sum((j[o] * max(t - k, 0) for k, j in zip(kinks, jumps)), F(0)) for o in range(outputs)]
        if i in run:
            y[rnd.randrange(outputs)] += F(i % 2, 11)
        if rnd.random() < 0.01:
            y[-1] += F(1, 7)
        samples.append((t, tuple(y)))
    if draw(st.booleans()):
        samples.reverse()  # t decreasing: a line read in the negative direction
    return samples


@settings(max_examples=20, **SETTINGS)
@given(long_lines())
def test_bends_and_blocks_equal_the_definitions_on_long_lines(samples):
    expected = division_bends(samples)
    assert lines.bend_indices(samples) == expected
    assert [b.i for b in lines.bends(samples)] == expected
    got = lines.line_blocks(samples)
    if samples and samples[0][0] < samples[-1][0]:
        assert [(b.first, b.last, inside) for b, inside in got] == overlap_blocks(samples)
    else:  # decreasing t: the same runs of bends (windows overlap iff their bends are neighbours)
        assert [inside for _, inside in got] == [m for _, _, m in sorted(overlap_blocks(samples), key=lambda c: c[2])]
    assert [i for _, inside in got for i in inside] == expected
    for block, inside in got:
        part = samples[block.first:block.last + 1]
        assert [block.first + i for i in division_bends(part)] == inside


@settings(max_examples=15, **SETTINGS)
@given(long_lines(max_n=1500), st.integers(-3, 3), st.integers(-3, 3), st.fractions(-10, 10, max_denominator=50))
def test_normalized_keys_on_long_lines(samples, shift_t, shift_slope, offset):
    """normalized_key: the Fraction normalization in mpq; equal for a block moved along
    the line with an affine function added, different when any sample differs."""
    if len(samples) < 2:
        return
    key = lines.normalized_key(samples)
    assert lines.normalized(samples) == fraction_normalized(samples)
    moved = [(t + shift_t, tuple(v + shift_slope * t + offset for v in y)) for t, y in samples]
    assert lines.normalized_key(moved) == key
    assert hash(lines.normalized_key(moved)) == hash(key)
    i = len(samples) // 2
    if i >= 2:
        changed = list(samples)
        t, y = changed[i]
        changed[i] = (t, (y[0] + F(1, 10**30),) + tuple(y[1:]))
        assert lines.normalized_key(changed) != key


def test_two_or_fewer_samples_have_no_bends():
    for n in range(3):
        samples = [(F(i), (F(i * i), F(-i))) for i in range(n)]
        assert lines.bend_indices(samples) == [] and lines.line_blocks(samples) == []


def test_data_lines_samples_bend_like_the_definition():
    """End to end: data_lines' points along a line (the order line counting uses) give the
    bends of the division definition, vertical and slanted lines, both outputs."""
    pts = []
    for t in range(400):
        y = (F(abs(t - 100) + abs(t - 250)), F(max(t - 300, 0), 3))
        pts.append(DataPoint((F(-1, 3), F(t, 7)), y))        # vertical (meets the other line at no data point)
        pts.append(DataPoint((F(t, 2), F(3 * t + 1, 2)), (y[1], y[0])))
    inst = TrainingInstance(tuple(pts), 3)
    found = data_lines(inst, 100)
    assert len(found) == 2
    for line in found:
        samples = lines.line_data(inst, line)
        assert all(a[0] < b[0] for a, b in zip(samples, samples[1:]))
        assert lines.bend_indices(samples) == division_bends(samples)
        assert [inside for _, inside in lines.line_blocks(samples)] == [[100], [250], [300]]
