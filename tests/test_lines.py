"""data_lines (near-linear for rich lines) finds exactly what the quadratic method finds."""

from fractions import Fraction as F

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from line_oracle import quadratic_data_lines
from nnsolve.decider.line_count import analyse_lines
import nnsolve.decider.lines as lines
from nnsolve.decider.lines import data_lines
from nnsolve.solvers import Limits, get_solver
from nnsolve.training.instance import DataPoint, TrainingInstance

ZERO = (F(0), F(0))


@st.composite
def planted_points(draw):
    """Random points plus planted collinear subsets (some long, some short, some sharing
    a direction), shuffled, with a few repeated inputs: sizes like line counting's
    (hundreds of points, lines of tens of points)."""
    pts = draw(st.lists(st.tuples(st.integers(-60, 60), st.integers(-60, 60)), max_size=120))
    for _ in range(draw(st.integers(0, 5))):
        x0, y0 = draw(st.integers(-30, 30)), draw(st.integers(-30, 30))
        dx, dy = draw(st.sampled_from([(1, 0), (0, 1), (1, 1), (2, -1), (3, 5), (1, 7)]))
        den = draw(st.integers(1, 3))
        steps = draw(st.lists(st.integers(-40, 40), min_size=3, max_size=60, unique=True))
        pts += [(F(x0 * den + t * dx, den), F(y0 * den + t * dy, den)) for t in steps]
    pts = [(F(x), F(y)) for x, y in pts]
    pts += draw(st.lists(st.sampled_from(pts), max_size=5)) if pts else []  # repeated inputs
    order = draw(st.permutations(range(len(pts))))
    return [pts[i] for i in order]


def _lines(found):
    return [(line.a, line.b, line.c, line.points, line.t) for line in found]


@settings(max_examples=40, deadline=None)
@given(planted_points(), st.integers(3, 80))
def test_data_lines_equal_the_quadratic_method(pts, min_points):
    inst = TrainingInstance(tuple(DataPoint(p, ZERO) for p in pts), 1)
    assert _lines(data_lines(inst, min_points)) == _lines(quadratic_data_lines(inst, min_points))


@settings(max_examples=25, deadline=None)
@given(planted_points(), st.integers(3, 40), st.sampled_from([(5,), (101, 103), (499,), (1009,)]))
def test_small_primes_collide_but_never_change_the_lines(pts, min_points, primes):
    # residues mod small primes: points that coincide mod p (then the next prime, or exact
    # keys) and residue lines that hold points of several exact lines (sorted out exactly)
    inst = TrainingInstance(tuple(DataPoint(p, ZERO) for p in pts), 1)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(lines, "PRIMES", primes)
        found = data_lines(inst, min_points)
    assert _lines(found) == _lines(quadratic_data_lines(inst, min_points))


@settings(max_examples=25, deadline=None)
@given(st.integers(0, 100), st.lists(st.tuples(st.integers(-300, 300), st.integers(-300, 300)), max_size=60),
       st.integers(3, 30), st.randoms(use_true_random=False))
def test_points_coinciding_mod_p_across_chunks_change_nothing(x0, others, min_points, rnd):
    """A vertical line whose y values differ by multiples of p = 101 (the 10,000-constraint
    case in miniature: coincidences mod p between chunks, none inside one), other points
    mixed in: the modular search runs (it did not before: the global distinctness check
    failed) and finds exactly the quadratic method's lines."""
    ys = rnd.sample(range(-40, 40), 40)
    pts = [(F(x0), F(y * 101 + x0)) for y in ys] + [(F(x), F(y)) for x, y in others]
    rnd.shuffle(pts)
    inst = TrainingInstance(tuple(DataPoint(p, ZERO) for p in pts), 1)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(lines, "PRIMES", (101,))
        found = data_lines(inst, min_points)
    assert _lines(found) == _lines(quadratic_data_lines(inst, min_points))


def test_the_modular_search_runs_when_points_coincide_only_across_chunks():
    """y = 0..59 and y = 101..130 on x = 0 (coincide mod 101 in pairs, in different
    chunks), then a diagonal: the residue search is used (no exact search over all the
    points) and the lines are the quadratic method's."""
    pts = [(F(0), F(y)) for y in range(60)] + [(F(0), F(y)) for y in range(101, 131)]
    pts += [(F(t), F(2 * t + 1, 3)) for t in range(1, 41)]
    inst = TrainingInstance(tuple(DataPoint(p, ZERO) for p in pts), 1)
    calls = []
    exact = lines._exact_rich
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(lines, "PRIMES", (101,))
        patch.setattr(lines, "_exact_rich", lambda idx, xy, k: calls.append(len(idx)) or exact(idx, xy, k))
        found = data_lines(inst, 30)
    assert len(pts) not in calls
    assert _lines(found) == _lines(quadratic_data_lines(inst, 30))
    assert [len(line.points) for line in found] == [90, 40]


def test_data_lines_is_exact_where_floats_are_not():
    # points 10^-30 apart on two lines whose slopes differ by 10^-40: float keys would merge them
    eps = F(1, 10 ** 40)
    pts = [(F(t), F(t) * (1 + eps)) for t in range(10)] + [(F(t), F(t) + F(1, 10 ** 30)) for t in range(10)]
    inst = TrainingInstance(tuple(DataPoint(p, ZERO) for p in pts), 1)
    found = data_lines(inst, 5)
    assert sorted(len(line.points) for line in found) == [10, 10]
    assert _lines(found) == _lines(quadratic_data_lines(inst, 5))


def test_line_counting_sees_the_same_lines_as_with_every_line(monkeypatch):
    # analyse_lines asks only for lines of >= m + 2 points; with the quadratic method's
    # full list (every line of >= 3 points) its counts are the same
    # along y = 0 four bends with disjoint windows: 4 kinks, proven without a solver
    pts = [DataPoint((F(t), F(0)), (F(y), F(0))) for t, y in enumerate([0, 0, 1, 2, 2, 2, 1, 0, 0])]
    pts += [DataPoint((F(t), F(1)), (F(0), F(0))) for t in range(3)]
    pts += [DataPoint((F(0), F(t + 2)), (F(t), F(0))) for t in range(4)]
    inst = TrainingInstance(tuple(pts), 2)
    z3 = get_solver("z3")
    fast = analyse_lines(inst, z3, Limits(30))
    import nnsolve.decider.line_count as line_count
    monkeypatch.setattr(line_count, "data_lines", lambda instance, min_points=3: quadratic_data_lines(instance))
    every = analyse_lines(inst, z3, Limits(30))
    assert fast.counts == every.counts and fast.violated is not None
    assert every.lines > fast.lines


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 6), min_size=1, max_size=12), st.integers(-2, 40), st.integers(0, 10))
def test_overlapping_blocks_by_bisection_equal_the_scan(gaps, lo, width):
    # a line's block spans: in order, open spans disjoint (consecutive blocks may share an end)
    from nnsolve.decider.line_count import overlapping

    spans, t = [], 0
    for g in gaps:
        start = t + (g % 2)            # sometimes a gap between blocks, sometimes a shared end
        t = start + 1 + g
        spans.append((F(start, 2), F(t, 2)))
    lo, hi = F(lo, 2), F(lo + width, 2)
    los, his = [a for a, _ in spans], [b for _, b in spans]
    assert list(overlapping(los, his, lo, hi)) == [k for k, (a, b) in enumerate(spans) if a < hi and lo < b]


def _division_bends(samples):
    """The definition: slope vectors by division, compared (the old implementation)."""
    def slope(i):
        (t0, y0), (t1, y1) = samples[i], samples[i + 1]
        return tuple((b - a) / (t1 - t0) for a, b in zip(y0, y1))
    return [i for i in range(1, len(samples) - 1) if slope(i - 1) != slope(i)]


@st.composite
def line_samples(draw):
    """Sorted samples along a line: piecewise-linear labels (1-3 outputs) with kinks at
    and between samples, rational t with large denominators, sometimes noise."""
    n = draw(st.integers(0, 120))
    outputs = draw(st.integers(1, 3))
    steps = draw(st.lists(st.fractions(F(1, 10**9), F(10**6), max_denominator=10**12), min_size=n, max_size=n))
    ts, t = [], F(draw(st.integers(-10**6, 10**6)), draw(st.integers(1, 10**6)))
    for s in steps:
        t += s
        ts.append(t)
    kinks = sorted(draw(st.lists(st.sampled_from(ts), max_size=8)) if ts else [])
    jumps = draw(st.lists(st.lists(st.integers(-3, 3).map(F), min_size=outputs, max_size=outputs),
                          min_size=len(kinks), max_size=len(kinks)))
    noisy = set(draw(st.lists(st.integers(0, max(n - 1, 0)), max_size=3))) if n else set()
    samples = []
    for i, t in enumerate(ts):
        y = [sum((j[o] * max(t - k, 0) for k, j in zip(kinks, jumps)), F(0)) for o in range(outputs)]
        if i in noisy:
            y[0] += F(1, 7)
        samples.append((t, tuple(y)))
    return samples


@settings(max_examples=60, deadline=None)
@given(line_samples())
def test_one_pass_bends_and_blocks_equal_the_definitions(samples):
    _one_pass_equals_definitions(samples)


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(line_samples())
def test_one_pass_bends_and_blocks_equal_the_definitions_more_draws(samples):
    _one_pass_equals_definitions(samples)


def _one_pass_equals_definitions(samples):
    """bend_indices (cross-multiplied, GMP) equals the slope-by-division definition;
    line_blocks gives blocks whose bends are the bends of their own samples; the greedy
    count over a block's bends equals disjoint_windows of its samples."""
    expected = _division_bends(samples)
    assert lines.bend_indices(samples) == expected
    blocks = lines.line_blocks(samples)
    assert [b for b, _ in blocks] == lines.blocks(samples)
    assert [i for _, inside in blocks for i in inside] == expected
    for block, inside in blocks:
        part = samples[block.first:block.last + 1]
        assert [block.first + i for i in _division_bends(part)] == inside
        assert lines.greedy_windows(samples, inside) == lines.disjoint_windows(part)


@settings(max_examples=50, deadline=None)
@given(line_samples(), line_samples())
def test_normalized_keys_are_equal_exactly_when_the_normalized_samples_are(a, b):
    if len(a) < 2 or len(b) < 2:
        return
    assert (lines.normalized_key(a) == lines.normalized_key(b)) == (lines.normalized(a) == lines.normalized(b))
    assert lines.normalized_key(a) == lines.normalized_key([(t + 5, tuple(v + 3 * t for v in y)) for t, y in a])
    assert all(isinstance(t, F) and all(isinstance(v, F) for v in y) for t, y in lines.normalized(a))
