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
