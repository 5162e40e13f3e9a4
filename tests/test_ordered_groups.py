"""The counting argument behind chain groups (decider.line_count.ordered_groups): whenever
it returns groups, no assignment of neurons to blocks that meets every block's count
exactly can have a neuron cross different groups on different lines.  Checked by
exhaustion on random small families (straight breaklines: the middle crossing is the
interpolation of the outer ones)."""

from fractions import Fraction as F
from itertools import combinations_with_replacement, product

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from nnsolve.decider.line_count import _between_violation, _between_violation_all_pairs, ordered_groups


@st.composite
def families(draw):
    blocks = draw(st.integers(2, 3))
    counts = [draw(st.integers(1, 2)) for _ in range(blocks)]
    lines = []
    for _ in range(3):
        cuts = sorted(draw(st.lists(st.integers(0, 40), min_size=2 * blocks, max_size=2 * blocks, unique=True)))
        lines.append([(F(cuts[2 * i]), F(cuts[2 * i + 1]), counts[i]) for i in range(blocks)])
    lam = F(draw(st.integers(1, 3)), 4)
    return lines, lam


@st.composite
def uneven_families(draw):
    """Three lines with the same total of kinks, each cut into its own number of blocks
    (a data point missing on one line splits a block there and not on the others)."""
    total = draw(st.integers(2, 5))
    lines = []
    for _ in range(3):
        inner = sorted(draw(st.sets(st.integers(1, total - 1), max_size=min(3, total - 1))))
        counts = [b - a for a, b in zip([0] + inner, inner + [total])]
        cuts = sorted(draw(st.lists(st.integers(0, 40), min_size=2 * len(counts), max_size=2 * len(counts),
                                    unique=True)))
        lines.append([(F(cuts[2 * i]), F(cuts[2 * i + 1]), c) for i, c in enumerate(counts)])
    lam = F(draw(st.integers(1, 3)), 4)
    return lines, lam


@st.composite
def banded_uneven_families(draw):
    """Bands of kinks at about the same place on each line (the reduction's stripes), each
    band one block or, where it holds two or more kinks, two blocks on some lines; jitter
    large enough that neighbouring bands sometimes overlap between lines."""
    counts = [draw(st.integers(1, 3)) for _ in range(draw(st.integers(2, 3)))]
    lines = []
    for _ in range(3):
        line = []
        for j, c in enumerate(counts):
            lo = 40 * j + draw(st.integers(0, 18))  # a band stays inside [40 j, 40 j + 38]:
            hi = lo + draw(st.integers(2, 20))       # blocks of one line never overlap
            if c >= 2 and draw(st.booleans()):
                at = draw(st.integers(lo + 1, hi - 1))
                k = draw(st.integers(1, c - 1))
                line += [(F(lo), F(at), k), (F(at), F(hi), c - k)]
            else:
                line.append((F(lo), F(hi), c))
        lines.append(line)
    return lines, F(draw(st.integers(1, 3)), 4)


def _meets(lo, hi, span):
    return span[0] < hi and lo < span[1]


def _feasible_triples(lines, lam):
    first, middle, last = lines
    out = []
    for g, k in product(range(len(first)), range(len(last))):
        lo = (1 - lam) * first[g][0] + lam * last[k][0]
        hi = (1 - lam) * first[g][1] + lam * last[k][1]
        out += [(g, h, k) for h in range(len(middle)) if _meets(lo, hi, middle[h])]
    return out


def _misaligned_assignment(lines, lam, groups):
    # every assignment of m neurons to (first, middle, last) blocks their straight
    # breaklines can reach that meets every block's count exactly
    group_of = [{b: j for j, g in enumerate(groups) for b in g[i]} for i in range(3)]
    m = sum(c for _, _, c in lines[0])
    triples = _feasible_triples(lines, lam)
    for chosen in combinations_with_replacement(triples, m):
        if all(sum(1 for t in chosen if t[i] == b) == lines[i][b][2] for i in range(3) for b in range(len(lines[i]))):
            if any(len({group_of[i][t[i]] for i in range(3)}) > 1 for t in chosen):
                return chosen
    return None


@settings(max_examples=300, deadline=None)
@given(families())
def test_returned_groups_force_alignment(family):
    lines, lam = family
    groups = ordered_groups(lines, [lam])
    if groups is not None:
        assert _misaligned_assignment(lines, lam, groups) is None, (lines, lam, groups)


@settings(max_examples=200, deadline=None)
@given(st.one_of(uneven_families(), banded_uneven_families()))
def test_returned_groups_force_alignment_with_uneven_blocks(family):
    lines, lam = family
    groups = ordered_groups(lines, [lam])
    if groups is not None:
        for j, group in enumerate(groups):  # runs of consecutive blocks, one per line, covering it
            assert all(g == list(range(g[0], g[-1] + 1)) for g in group)
        assert [sum((g[i] for g in groups), []) for i in range(3)] == [list(range(len(line))) for line in lines]
        for group in groups:  # (a): the same number of kinks in the group on every line
            assert len({sum(lines[i][b][2] for b in g) for i, g in enumerate(group)}) == 1
        assert _misaligned_assignment(lines, lam, groups) is None, (lines, lam, groups)


def test_middle_line_boundaries_count_too():
    """(a) on the middle line as well (second reader's example): grouped by the outer lines'
    boundaries alone, (b) holds, yet 6 neurons can cross (0, 1, 2), (2, 1, 0), ... and meet
    every count; the middle line shares no running total with the outer ones."""
    outer = [(F(0), F(1), 2), (F(10), F(11), 2), (F(20), F(21), 2)]
    middle = [(F(0), F(1), 1), (F(10), F(11), 4), (F(20), F(21), 1)]
    assert ordered_groups([outer, middle, outer], [F(1, 2)]) is None
    _no_misaligned_neuron([outer, middle, outer], F(1, 2))


def test_a_block_split_on_one_line_is_grouped_with_its_twin():
    """The drop-10 shape (status_sweep variants): the middle line's last block of 4 is two
    blocks (1 and 3) touching at a sample; the running totals 4, 9, 13 are boundaries on
    every line, so the groups are the outer lines' blocks and the middle's last two together."""
    outer = lambda shift: [(F(0 + shift), F(10 + shift), 4), (F(100 + shift), F(110 + shift), 5),
                           (F(200 + shift), F(210 + shift), 4), (F(300 + shift), F(310 + shift), 4)]
    middle = outer(1)[:3] + [(F(300), F(304), 1), (F(304), F(312), 3)]
    groups = ordered_groups([outer(0), middle, outer(2)], [F(1, 2)])
    assert groups == [[[0], [0], [0]], [[1], [1], [1]], [[2], [2], [2]], [[3], [3, 4], [3]]]


def test_well_separated_bands_split_into_groups():
    # three gadgets far apart, two blocks each (close together): three groups of two
    spans = []
    for shift in (0, 1, 2):  # the lines drift, as the stripes do
        spans.append([(F(100 * g + 5 * shift), F(100 * g + 5 * shift + 3), 2) if b == 0 else
                      (F(100 * g + 5 * shift + 4), F(100 * g + 5 * shift + 9), 1) for g in range(3) for b in range(2)])
    groups = ordered_groups(spans, [F(1, 2)])
    assert groups == [[[0, 1]] * 3, [[2, 3]] * 3, [[4, 5]] * 3]


def test_crossing_bands_are_not_grouped():
    # the order of two bands flips between the outer lines: a neuron can serve both
    spans = [[(F(0), F(2), 1), (F(10), F(12), 1)], [(F(4), F(6), 1), (F(5), F(8), 1)],
             [(F(10), F(12), 1), (F(0), F(2), 1)]]
    assert ordered_groups(spans, [F(1, 2)]) is None


def _no_misaligned_neuron(lines, lam):
    groups = ordered_groups(lines, [lam])
    if groups is not None:
        assert _misaligned_assignment(lines, lam, groups) is None, groups


def test_pairs_going_down_are_checked_too():
    """(b) must hold for g > k as well as g < k (second reader's counterexample: checking
    only g <= k returns three groups although (0,1,2), (1,0,0), (2,2,1) meet the counts)."""
    s = lambda *xs: [(F(a), F(b), 1) for a, b in xs]
    _no_misaligned_neuron([s((0, 9), (12, 14), (17, 26)), s((3, 11), (18, 19), (22, 25)),
                           s((3, 19), (23, 26), (28, 29))], F(1, 2))


def test_group_counts_must_match_on_every_line():
    """(a): without it, one neuron 0 -> 1 -> 2 meets counts (2,1,1), (1,2,1), (1,1,2)."""
    line = lambda c: [(F(0), F(2), c[0]), (F(20), F(22), c[1]), (F(40), F(42), c[2])]
    _no_misaligned_neuron([line((2, 1, 1)), line((1, 2, 1)), line((1, 1, 2))], F(1, 2))


def test_the_contract_is_checked():
    """Two lines, or a "middle" line outside the outer ones, prove nothing."""
    line = [(F(0), F(1), 1), (F(2), F(3), 1)]
    assert ordered_groups([line, line], []) is None
    assert ordered_groups([line, line, line], [F(3, 2)]) is None


@st.composite
def hull_families(draw, most=80):
    """Sorted group hulls on 3-5 parallel lines: random ends (gaps and overlaps of the
    crossings of all sizes) or stripes (group j near a line through the plane, with jitter),
    up to ``most`` groups, as the chains of tier-3 and tier-4 reductions have."""
    q = draw(st.integers(1, most) if most <= 80 else st.integers(most // 4, most))
    lines = draw(st.integers(3, 5))
    stripes = draw(st.booleans())
    hulls = []
    for i in range(lines):
        if stripes:
            slope = draw(st.integers(-3, 3))
            ends = []
            for j in range(q):
                base = 10 * j + slope * i
                width = draw(st.integers(1, 9))
                ends += [base, base + width]
            ends = sorted(ends)
        else:
            ends = sorted(draw(st.lists(st.integers(0, 6 * q), min_size=2 * q, max_size=2 * q)))
        hulls.append([(F(ends[2 * j]), F(ends[2 * j + 1]), 1) for j in range(q)])
    lambdas = sorted(draw(st.lists(st.fractions(F(1, 20), F(19, 20)), min_size=lines - 2, max_size=lines - 2)))
    return hulls, lambdas


@settings(max_examples=200, deadline=None)
@given(hull_families())
def test_pruned_between_violation_equals_all_pairs(family):
    """The pruned search returns exactly what the all-pairs search returns (same first
    violation, so ordered_groups merges the same way)."""
    hulls, lambdas = family
    assert _between_violation(hulls, lambdas) == _between_violation_all_pairs(hulls, lambdas)


@pytest.mark.slow
@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.large_base_example, HealthCheck.too_slow,
                                                                 HealthCheck.data_too_large])
@given(hull_families(most=4000))
def test_pruned_between_violation_equals_all_pairs_at_tier4_sizes(family):
    """The same with 1,000-4,000 groups, drawn mostly near 1,000 (a tier-4 line holds
    thousands of gadget blocks; the all-pairs reference is quadratic, so this is as far as
    it goes in a test)."""
    hulls, lambdas = family
    assert _between_violation(hulls, lambdas) == _between_violation_all_pairs(hulls, lambdas)


def test_pruned_between_violation_on_unsorted_hulls_looks_at_every_pair():
    hulls = [[(F(5), F(6), 1), (F(0), F(1), 1)], [(F(0), F(9), 1), (F(0), F(9), 1)], [(F(0), F(1), 1), (F(5), F(6), 1)]]
    assert _between_violation(hulls, [F(1, 2)]) == _between_violation_all_pairs(hulls, [F(1, 2)]) is not None
