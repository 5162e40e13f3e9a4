"""Chain decomposition: exact elimination, kink windows, neuron order, and the stage itself."""

import bisect
from fractions import Fraction as F

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nnsolve.decider.chains import decide_by_chains
from nnsolve.decider.line_count import analyse_lines
from nnsolve.decider.structured import decide_structured
from nnsolve.elimination import Inconsistent, LinearSystem
from nnsolve.formula.smtlib import read_smtlib
from nnsolve.reduction import reduce_formula
from nnsolve.solvers import SAT, UNSAT, Limits, get_solver
from nnsolve.training import exact_fit
from nnsolve.decider.windows import Cell, block_system, cell_assignments, jumps_can_coincide, kink_windows

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
small = st.integers(-5, 5)


@settings(max_examples=60, deadline=None)
@given(st.lists(small, min_size=4, max_size=4), st.lists(st.lists(small, min_size=4, max_size=4), min_size=1,
                                                         max_size=5))
def test_elimination_keeps_every_solution(point, rows):
    """Equations satisfied by a known point: elimination never calls them inconsistent,
    and every pivot expression evaluates to the point's value there."""
    names = ["a", "b", "c", "d"]
    system = LinearSystem()
    for row in rows:
        const = -sum(r * x for r, x in zip(row, point))
        system.equate({**{n: r for n, r in zip(names, row)}, None: const})
    values = dict(zip(names, point))
    for pivot, expr in system.pivots.items():
        assert values[pivot] == sum(c * (1 if k is None else values[k]) for k, c in expr.items())


@settings(max_examples=60, deadline=None)
@given(st.lists(small, min_size=3, max_size=3), st.integers(1, 5))
def test_elimination_finds_a_contradiction(point, offset):
    system = LinearSystem()
    system.equate({"x": 1, "y": 1, None: -(point[0] + point[1])})
    system.define("u", "x", "y")
    system.equate({"y": 1, None: -point[1]})
    system.propagate()
    assert system.value("u") == point[0] * point[1]
    with pytest.raises(Inconsistent):
        system.equate({"u": 1, None: -(point[0] * point[1] + offset)})


@st.composite
def pl_fits(draw, max_kinks=4, nonzero=False):
    """A random PL function (2 outputs) with c kinks, sampled on a grid that puts every
    kink strictly inside a gap or exactly on a sample, plus a kink-free sample on each side;
    ``nonzero``: every jump nonzero in some output (as in a tight block)."""
    c = draw(st.integers(1, max_kinks))
    grid = list(range(0, 2 * c + 6))
    inner = grid[1:-1]
    spots = sorted(draw(st.lists(st.sampled_from([F(2 * t + 1, 2) for t in inner[:-1]] + inner[1:-1]),
                                 min_size=c, max_size=c, unique=True)))
    jumps = [tuple(F(draw(st.integers(-4, 4))) for _ in range(2)) for _ in range(c)]
    if nonzero:
        jumps = [j if any(j) else (F(draw(st.sampled_from([-2, -1, 1, 2]))), j[1]) for j in jumps]
    alpha = tuple(F(draw(small)) for _ in range(2))
    beta = tuple(F(draw(small)) for _ in range(2))

    def f(t):
        return tuple(alpha[o] * t + beta[o] + sum(j[o] * max(F(0), t - k) for j, k in zip(jumps, spots))
                     for o in range(2))

    samples = [(F(t), f(F(t))) for t in grid]
    return samples, spots, c


@settings(max_examples=25, deadline=None)
@given(pl_fits(nonzero=True))
def test_the_assignment_of_a_fit_survives_and_its_kinks_lie_in_the_windows(fit):
    """Every fit's own cell assignment survives elimination (so the windows cover it);
    jumps nonzero, as in the tight blocks kink_windows is for."""
    samples, spots, c = fit
    ts = [t for t, _ in samples]
    span = (1, len(samples) - 2)
    own = tuple(Cell(ts.index(k), False) if k in ts else Cell(max(i for i, t in enumerate(ts) if t < k), True)
                for k in spots)
    assert own in cell_assignments(samples, c, span) or not _covers_bends(samples, own)
    result = kink_windows(samples, c, span)
    if _covers_bends(samples, own):
        assert own in result.assignments
        for k, (lo, hi) in zip(spots, result.windows):
            assert lo <= k <= hi


def _covers_bends(samples, cells):
    # zero jumps may leave a bend of the sampled function uncovered only if there is none
    return all(any(x in cells for x in (Cell(i - 1, True), Cell(i, False), Cell(i, True)))
               for i in range(1, len(samples) - 1)
               if _slope(samples, i - 1) != _slope(samples, i))


def _slope(samples, i):
    (t0, y0), (t1, y1) = samples[i], samples[i + 1]
    return tuple((b - a) / (t1 - t0) for a, b in zip(y0, y1))


@settings(max_examples=15, deadline=None)
@given(pl_fits(nonzero=True), st.data())
def test_equal_jumps_are_never_ruled_out(fit, data):
    """Two blocks whose fits share a jump at positions r and s: the order check must say 'possible'."""
    samples, spots, c = fit
    span = (1, len(samples) - 2)
    w = kink_windows(samples, c, span)
    r = data.draw(st.integers(0, c - 1))
    # the same block twice: position r shares its jump with itself
    assert jumps_can_coincide((samples, w), (samples, w), r, r) or block_system(samples, w.assignments[0]) is None


def _instance(path):
    return reduce_formula(read_smtlib(str(ROOT / path))).instance


@pytest.mark.parametrize("path, expected", [("instances/tier1/self_inverse.smt2", SAT),
                                            ("instances/tier1/contradiction.smt2", UNSAT)])
def test_chain_decomposition_decides_reduction_outputs(path, expected):
    """On reduction outputs (read as plain instances) the stage decides both ways; a sat
    network passes the independent exact check."""
    instance = _instance(path)
    solver = get_solver("z3")
    result = decide_by_chains(instance, analyse_lines(instance, solver), solver, Limits(60))
    assert result.status == expected, result.reason
    if expected == SAT:
        assert exact_fit(instance, result.network).ok


def test_sat_only_never_gives_unsat():
    """With sat_only (a guessed structure) the order is not asked, so the chain stage's
    unsat on contradiction (decided unsat without the flag, above) becomes unknown."""
    instance = _instance("instances/tier1/contradiction.smt2")
    solver = get_solver("z3")
    result = decide_by_chains(instance, analyse_lines(instance, solver), solver, Limits(60), sat_only=True)
    assert result.status not in (UNSAT, SAT), result.reason


def test_structured_method_reports_the_chain_stage():
    instance = _instance("instances/tier1/sum_is_summand.smt2")
    result = decide_structured(instance, get_solver("z3"), Limits(60))
    assert result.status == UNSAT and result.method == "structured:chains"


def test_chain_decomposition_needs_chains():
    from nnsolve.training import DataPoint, TrainingInstance
    pts = tuple(DataPoint((F(i), F(0)), (F(abs(i - 2)), F(0))) for i in range(5))
    instance = TrainingInstance(pts, 1)
    solver = get_solver("z3")
    result = decide_by_chains(instance, analyse_lines(instance, solver), solver, Limits(10))
    assert result.status == "unknown" and "tight" in result.reason


def _witness_values(instance, analysis, network):
    """The forward witness in the stage's variables (A, K, p, q, U, V), keyed like the stage."""
    from nnsolve import numbers as nb
    from nnsolve.decider.line_count import chains
    family, found = chains(analysis)
    a, b = family[0].line.a, family[0].line.b
    n2 = a * a + b * b
    crossings = []
    for neuron in network.neurons:
        w0, w1 = neuron.w
        sigma = (-w0 * b + w1 * a) / n2
        assert sigma > 0  # the forward map orients every neuron upwards
        ks = []
        for count in family:
            u = count.line.c
            ks.append(nb.mul(nb.neg(nb.add(u * (w0 * a + w1 * b) / n2, neuron.b)), 1 / sigma))
        crossings.append((ks, tuple(nb.mul(x, sigma) for x in neuron.a)))
    # sorted by the first crossing, so each chain takes its neurons by bisection (at
    # 10,000 constraints a scan per chain cost chains x neurons, over 10 minutes); the
    # bisection runs on approximations widened by a margin, the exact test decides
    crossings.sort(key=lambda c: nb.approximate(c[0][0], 80))
    keys = [float(nb.approximate(c[0][0], 80)) for c in crossings]
    values = {}
    for g, chain in enumerate(found):
        li, bi = chain.blocks[0]
        block = family[li].blocks[bi]
        lo, hi = family[li].line.t[block.first], family[li].line.t[block.last]
        low, high = float(nb.approximate(lo, 80)), float(nb.approximate(hi, 80))
        margin = 1e-9 * (1 + abs(low) + abs(high))
        first, last = bisect.bisect_left(keys, low - margin), bisect.bisect_right(keys, high + margin)
        mine = [c for c in crossings[first:last] if nb.compare(lo, c[0][0]) < 0 and nb.compare(c[0][0], hi) < 0]
        assert len(mine) == chain.kinks
        for r, (ks, jump) in enumerate(mine):
            values[("p", g, r)], values[("q", g, r)] = ks[0], ks[-1]
            for o, j in enumerate(jump):
                values[("K", g, r, o)] = j
                values[("U", g, r, o)] = nb.mul(j, ks[0])
                values[("V", g, r, o)] = nb.mul(j, ks[-1])
    for o, c in enumerate(network.bias):
        values[("A", o, "c")], values[("A", o, "t")], values[("A", o, "u")] = c, F(0), F(0)
    return values


@pytest.mark.parametrize("path,prefix_min", [("instances/tier1/self_inverse.smt2", 256),
                                             ("instances/tier1/golden_ratio.smt2", 256),
                                             ("instances/tier1/golden_ratio.smt2", 2),
                                             # tier 4: 1,544 neurons, 372 bump groups, 344 off-line points
                                             pytest.param("instances/tier4/planted_100_s1.smt2", 256,
                                                          marks=pytest.mark.slow)])
def test_the_forward_witness_satisfies_everything_elimination_derived(path, prefix_min, monkeypatch):
    """A known solution (the forward witness, built by other code) must satisfy every
    pivot equation, remaining definition, window bound and ite equation of the stage:
    this catches a wrong window, a wrong relu decision, a wrong shift or a wrong
    elimination step."""
    from nnsolve import numbers as nb
    from nnsolve.decider import chains as decompose
    from nnsolve.decision.etr import decide_etr
    from nnsolve.decider.line_count import chains
    from nnsolve.reduction import forward_map
    formula = read_smtlib(str(ROOT / path))
    red = reduce_formula(formula)
    solver = get_solver("z3")
    etr = decide_etr(formula, solver, Limits(30))
    network = forward_map(red, etr.model)
    analysis = analyse_lines(red.instance, solver)
    values = _witness_values(red.instance, analysis, network)
    family, found = chains(analysis)
    monkeypatch.setattr(decompose, "PREFIX_MIN", prefix_min)  # 2: the off-line points' prefix sums
    cache, blocks = {}, {}
    for chain in found:
        for li, bi in chain.blocks:
            blocks[li, bi] = decompose._block_data(family[li], bi, red.instance, cache)
    system, bounds, equations, _ = decompose._global_system(red.instance, family, found, blocks)
    assert system is not None
    prefixes = sorted({v for e in system.pivots.values() for v in e if v is not None and v[0] == "P"}
                      | {v for v in system.pivots if v[0] == "P"}, key=lambda v: (v[1], v[3], v[2]))
    assert bool(prefixes) == (prefix_min == 2)
    for v in prefixes:  # ("P", X, n, o, key, g): X summed over group g's first n neurons
        _, X, n, o, key, g = v
        before = [w for w in prefixes if w[1] == X and w[3] == o and w[5] == g and w[2] == n - 1]
        assert len(before) == (n > 1)
        values[v] = nb.add(values[before[0]] if before else F(0), values[(X,) + key + (o,)])
    recentred = 0
    for v, expr in system.pivots.items():  # recentred positions: ("c", v) = v - o, the only choice
        if ("c", v) in expr:
            assert set(expr) == {("c", v), None} and expr[("c", v)] == 1
            values[("c", v)] = nb.add(values[v], F(-expr[None]))
            recentred += 1
    assert recentred  # the chain priority eliminated the far positions (docs/solving.md, "Recentring")

    def ev(expr):
        total = F(0)
        for k, c in expr.items():
            total = nb.add(total, nb.mul(F(c), F(1) if k is None else values[k]))
        return total

    for pivot, expr in system.pivots.items():
        assert nb.compare(values[pivot], ev(expr)) == 0, pivot
    for product, left, right in system.bilinear:
        assert nb.compare(values[product], nb.mul(values[left], values[right])) == 0
    for bound in bounds:
        v = ev(bound.expr)
        assert (bound.lo is None or nb.compare(bound.lo, v) <= 0) and (bound.hi is None or nb.compare(v, bound.hi) <= 0)
    for eq in equations:
        total = ev(eq.base)
        for cond, at, piece in eq.pieces:
            if nb.compare(ev(cond), at) <= 0:
                total = nb.add(total, ev(piece))
        assert nb.sign(total) == 0


coefficient = st.one_of(st.integers(-7, 7), st.fractions(min_value=-7, max_value=7, max_denominator=9))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(small, min_size=6, max_size=6), min_size=0, max_size=4),
       st.dictionaries(st.sampled_from(["a", "b", "c", "d", "e", "f", None]), coefficient, max_size=7),
       st.booleans())
def test_reduce_equals_the_general_path_whether_or_not_the_form_is_reduced(rows, expr, reduced_first):
    """``reduce`` skips the mpq round trip when no key is a pivot; its answer must be the
    general path's exactly: same keys in the same order, Fraction values of Python ints,
    zero entries dropped (forms kept reduced by a case hit the short path, the others not)."""
    from gmpy2 import mpq
    from nnsolve.elimination import _fractions

    names = ["a", "b", "c", "d", "e", "f"]
    system = LinearSystem()
    for row in rows:
        try:
            system.equate({**{n: r for n, r in zip(names, row)}, None: 1})
        except Inconsistent:
            pass
    if reduced_first:
        expr = {k: mpq(v) for k, v in system.reduce_stored(expr).items()}  # mpq values, no pivots
    general = _fractions(system.reduce_stored(expr))
    fast = system.reduce(expr)
    assert list(fast.items()) == list(general.items())
    assert all(type(v) is F and type(v.numerator) is int and type(v.denominator) is int for v in fast.values())
    assert system.free_variables(expr) == {k for k in general if k is not None}


@settings(max_examples=25, deadline=None)
@given(pl_fits(max_kinks=5, nonzero=True), st.booleans())
def test_the_search_keeps_what_elimination_keeps(fit, whole):
    """The pruned search (surviving_assignments) finds the own assignment of every fit
    with nonzero jumps (a tight block's) and keeps nothing that listing every assignment
    and eliminating each would drop (with kink-free neighbours, and over the whole sample
    range)."""
    from nnsolve.decider.windows import surviving_assignments
    samples, spots, c = fit
    span = None if whole else (1, len(samples) - 2)
    listed = [a for a in cell_assignments(samples, c, span) if block_system(samples, a) is not None]
    searched = surviving_assignments(samples, c, span)
    if searched is None:  # past the budget (no windows: unknown), only where listing is hopeless too
        assert len(listed) > 5_000
        return
    found, reached = searched
    assert set(found) <= set(listed)
    assert reached >= len(found)
    ts = [t for t, _ in samples]
    own = tuple(Cell(ts.index(k), False) if k in ts else Cell(max(i for i, t in enumerate(ts) if t < k), True)
                for k in spots)
    if _covers_bends(samples, own):
        assert own in found


def test_a_search_past_its_budget_gives_no_windows(monkeypatch):
    """Past MAX_NODES the search says so (None) and kink_windows returns no assignments,
    which the chain stage reports as unknown (never a verdict)."""
    from nnsolve.decider import windows
    # a dense PL function: 6 kinks among 10 gaps, many partial assignments stay open
    samples = [(F(t), (F(y), F(0))) for t, y in enumerate([0, 0, 1, 0, 2, 0, 1, 3, 0, 0, 0])]
    assert windows.surviving_assignments(samples, 6, (1, 9), max_nodes=10) is None
    assert windows.surviving_assignments(samples, 6, (1, 9)) is not None
    monkeypatch.setattr(windows, "MAX_NODES", 10)
    assert kink_windows(samples, 6, (1, 9)).assignments == ()


def _merged(count, first, last):
    """``count`` (a tight LineCount) with its blocks first..last joined as chains() joins them."""
    from nnsolve.decider.line_count import BlockCount, LineCount
    bs = count.blocks[first:last + 1]
    merged = BlockCount(bs[0].first, bs[-1].last, sum(b.kinks for b in bs), False, tuple(bs))
    return LineCount(count.line, count.blocks[:first] + (merged,) + count.blocks[last + 1:])


def test_a_merged_block_takes_its_parts_windows():
    """A merged block's windows are its parts' windows in order (each part a tight block
    with the parts beside it as neighbours), and every part has assignments."""
    from nnsolve.decider import chains as decompose
    instance = _instance("instances/tier1/half.smt2")
    tight = analyse_lines(instance, get_solver("z3")).tight[0]
    assert len(tight.blocks) >= 3
    merged = _merged(tight, 0, 2)
    joined = decompose._block_data(merged, 0, instance, {})
    apart = [decompose._block_data(tight, i, instance, {}) for i in range(3)]
    assert joined.windows.kinks == sum(p.windows.kinks for p in apart) == merged.blocks[0].kinks
    assert joined.windows.windows == tuple(w for p in apart for w in p.windows.windows)
    assert [p.windows.assignments for p in joined.parts] == [p.windows.assignments for p in apart]
    # the merged block's samples run from its first part's to its last part's
    assert joined.samples[joined.span[0]][0] == tight.line.t[tight.blocks[0].first]
    assert joined.samples[joined.span[1]][0] == tight.line.t[tight.blocks[2].last]


def test_merged_blocks_keep_coincidences_across_parts():
    """Two copies of one block type merged: kink r of the first copy and kink r of the
    second carry the same jump in some fit, so the order parts between the merged block
    and itself are never empty, although no single part pairs r with a different r."""
    from nnsolve.decider import chains as decompose
    instance = _instance("instances/tier1/self_inverse.smt2")
    tight = analyse_lines(instance, get_solver("z3")).tight[0]
    data = [decompose._block_data(tight, i, instance, {}) for i in range(len(tight.blocks))]
    twins = next((i, j) for i in range(len(data)) for j in range(i + 1, len(data))
                 if (data[i].normalized, data[i].span) == (data[j].normalized, data[j].span))
    merged = _merged(tight, twins[0], twins[1])
    block = decompose._block_data(merged, twins[0], instance, {})
    assert len(block.parts) == twins[1] - twins[0] + 1
    cache: dict = {}
    parts = decompose._order_parts(block, block, 0, cache)
    first, last = block.parts[0], block.parts[-1]
    for r in range(first.windows.kinks):  # position r of one twin, offset + r of the other
        asked = cache[first.normalized, first.span, first.windows.kinks, last.normalized, last.span,
                      last.windows.kinks, r, r]
        assert asked, r  # the same data: the same fit gives both positions one jump
        assert all(any(p is q for q in parts) for p in asked)


@pytest.mark.slow  # 25 s; in the default tier the drop-10 output's windows are checked against its forward witness
@pytest.mark.parametrize("formula, dropped", [("instances/tier1/self_inverse.smt2", 10)])
def test_a_reduction_output_with_points_dropped_is_sat_by_chains(formula, dropped):
    """Points removed from a sat reduction output (sat by construction): one dropped point
    widens a block, three gadgets merge into one chain of 13 kinks, and the stage still
    finds a network, checked exactly (unknown before the merged block was taken part by
    part; benchmarks/status_sweep.py --sweeps variants)."""
    import random
    from nnsolve.training import TrainingInstance
    instance = _instance(formula)
    points = random.Random(dropped).sample(list(instance.points), len(instance.points) - dropped)
    dropped_instance = TrainingInstance(tuple(points), instance.hidden)
    result = decide_structured(dropped_instance, get_solver("z3"), Limits(120))
    assert result.status == SAT, result.reason
    assert result.method == "structured:chains"
    assert exact_fit(dropped_instance, result.network).ok


def test_the_forward_witness_kinks_lie_in_the_windows_of_merged_blocks():
    """10 points dropped from self_inverse merge three gadgets into one 13-kink chain.
    The forward witness of the formula (built by the reduction, not by this stage) fits
    the remaining points; on every family line each block's open span holds exactly its
    count of the witness's kinks, and sorted kink r lies in the block's window r, merged
    blocks (taken part by part) included."""
    import random
    from nnsolve.decider import chains as decompose
    from nnsolve.decider.line_count import chains
    from nnsolve.decision.etr import decide_etr
    from nnsolve.reduction import forward_map
    from nnsolve.training import TrainingInstance
    formula = read_smtlib(str(ROOT / "instances/tier1/self_inverse.smt2"))
    red = reduce_formula(formula)
    solver = get_solver("z3")
    network = forward_map(red, decide_etr(formula, solver, Limits(30)).model)
    points = random.Random(10).sample(list(red.instance.points), len(red.instance.points) - 10)
    instance = TrainingInstance(tuple(points), red.instance.hidden)
    assert exact_fit(instance, network).ok
    family, found = chains(analyse_lines(instance, solver))
    assert any(block.parts for count in family for block in count.blocks)
    for count in family:
        a, b, c = count.line.a, count.line.b, count.line.c
        n2 = a * a + b * b
        kinks = []
        for neuron in network.neurons:  # the line's point at t = a y - b x: ((a c - b t), (b c + a t)) / n2
            w0, w1 = F(neuron.w[0]), F(neuron.w[1])
            slope = (-b * w0 + a * w1) / n2
            assert slope != 0  # tight: every neuron crosses every family line
            kinks.append(-(F(neuron.b) + (a * c * w0 + b * c * w1) / n2) / slope)
        kinks.sort()
        for bi, block in enumerate(count.blocks):
            data = decompose._block_data(count, bi, instance, {})
            lo, hi = count.line.t[block.first], count.line.t[block.last]
            inside = [k for k in kinks if lo < k < hi]
            assert len(inside) == block.kinks
            for k, (wlo, whi) in zip(inside, data.windows.windows):
                assert wlo <= k <= whi
