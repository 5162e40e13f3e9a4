from fractions import Fraction as F

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from conftest import ROOT
from nnsolve.formula import Add, Formula, Inv, read_smtlib
from nnsolve.numbers import algebraic
from nnsolve.reduction import (BRIDGE_GADGET, INVERSION_GADGET, VARIABLE_GADGET, backward_map,
                               canonical_terms, forward_map, reduce_formula)
from nnsolve.reduction.gadgets import GADGET_TYPES, profile_value
from nnsolve.reduction.layout import LayoutError, band, band_problems, check_layout
from nnsolve.training import Network, Neuron, exact_fit
from nnsolve.training.symmetry import canonical_network

SQRT2 = algebraic([1, 0, -2], 1, 2)
VALUES = [F(1, 2), F(2, 3), F(3, 4), F(1), F(4, 3), F(3, 2), F(2), SQRT2, 1 / SQRT2]


@pytest.mark.parametrize("gadget", GADGET_TYPES, ids=lambda g: g.name)
@pytest.mark.parametrize("value", VALUES, ids=str)
def test_canonical_fit_matches_profile(gadget, value):
    terms = canonical_terms(gadget, value)
    assert len(terms) == gadget.budget
    for t, label in gadget.samples:
        assert profile_value(terms, t) == label
    for t in (F(-5), F(2), gadget.support_end, gadget.support_end + 7):
        assert profile_value(terms, t) == (0, 0)
    s = value + 1
    assert profile_value(terms, F(3))[0] == 3 - s and profile_value(terms, F(5))[0] == 3 + s
    if gadget is INVERSION_GADGET:
        s2 = 1 / value + 1
        assert (s - 1) * (s2 - 1) == 1
        assert profile_value(terms, F(6)) == (6, 3 - s2) and profile_value(terms, F(8)) == (6, 3 + s2)
    if gadget is BRIDGE_GADGET:
        assert profile_value(terms, F(3)) == (3 - s, 3 - s)


def test_thirteen_labels():
    red = reduce_formula(Formula(("x", "y", "z"), (Inv("x", "y"), Add("x", "y", "z"))))
    assert len({p.y for p in red.instance.points}) == 13


def planted_formulas():
    """Formulas over values in {1/2, 1, 2} that hold by construction (plus their solution)."""
    values = st.sampled_from([F(1, 2), F(1), F(2)])

    @st.composite
    def build(draw):
        n = draw(st.integers(1, 4))
        sol = {f"v{i}": draw(values) for i in range(n)}
        names = list(sol)
        cons = []
        for _ in range(draw(st.integers(0, 4))):
            a, b = draw(st.sampled_from(names)), draw(st.sampled_from(names))
            if sol[a] * sol[b] == 1:
                cons.append(Inv(a, b))
            else:
                matches = [c for c in names if sol[c] == sol[a] + sol[b]]
                if matches:
                    cons.append(Add(a, b, draw(st.sampled_from(matches))))
        return Formula(tuple(names), tuple(cons)), sol
    return build()


@settings(max_examples=25, deadline=None)
@given(planted_formulas())
def test_layout_checks_and_forward_map_fits(case):
    formula, sol = case
    red = reduce_formula(formula)
    assert check_layout(red) == []
    inst = red.instance
    assert (inst.inputs, inst.outputs, inst.target_error) == (2, 2, 0)
    n = len(formula.variables)
    adds = sum(isinstance(c, Add) for c in formula.constraints)
    invs = len(formula.constraints) - adds
    assert inst.hidden == 4 * n + 12 * adds + 13 * invs
    assert len(inst.points) == 33 * n + 103 * adds + 105 * invs
    net = forward_map(red, sol)
    assert exact_fit(inst, net).ok
    back = backward_map(red, net)
    assert back.ok and dict(back.values) == sol


@pytest.mark.parametrize("name", ["sqrt2.smt2", "golden_ratio.smt2"])
def test_irrational_witness_round_trip(name):
    from nnsolve.decision.etr import decide_etr
    from nnsolve.solvers import Limits, get_solver
    f = read_smtlib(ROOT / "instances" / "tier1" / name)
    sol = decide_etr(f, get_solver("z3"), Limits(timeout=60)).model
    red = reduce_formula(f)
    net = forward_map(red, sol)
    assert exact_fit(red.instance, net).ok
    back = backward_map(red, net)
    assert back.ok and all(back.values[v] == sol[v] for v in f.variables)


def test_backward_map_on_networks_the_forward_map_did_not_build():
    # x + y = z has a family of solutions; rescaled and reordered fits are other networks
    f = Formula(("x", "y", "z"), (Add("x", "y", "z"),))
    red = reduce_formula(f)
    for sol in ({"x": F(1, 2), "y": F(1, 2), "z": F(1)}, {"x": F(3, 4), "y": F(5, 4), "z": F(2)},
                {"x": F(1, 2), "y": 1 / SQRT2, "z": F(1, 2) + 1 / SQRT2}):
        net = forward_map(red, sol)
        scaled = Network(tuple(Neuron(tuple(w * 3 for w in n.w), n.b * 3, tuple(a / 3 for a in n.a))
                               for n in reversed(net.neurons)), net.bias)
        other = canonical_network(scaled)
        assert other != net and exact_fit(red.instance, other).ok
        back = backward_map(red, other)
        assert back.ok and all(back.values[v] == sol[v] for v in f.variables)


def test_backward_map_reports_a_wrong_network():
    f = Formula(("x", "y"), (Inv("x", "y"),))
    red = reduce_formula(f)
    net = forward_map(red, {"x": F(2), "y": F(1, 2)})
    # drop the inversion gadget's neurons: readings no longer satisfy x * y = 1
    broken = Network(net.neurons[:8] + tuple(Neuron(n.w, n.b, (F(0), F(0))) for n in net.neurons[8:]), net.bias)
    assert not exact_fit(red.instance, broken).ok
    wrong = Network(tuple(Neuron(n.w, n.b, (n.a[0] * 2, n.a[1])) for n in net.neurons), net.bias)
    assert not backward_map(red, wrong).ok


def test_forward_map_rejects_non_solutions():
    red = reduce_formula(Formula(("x", "y"), (Inv("x", "y"),)))
    with pytest.raises(ValueError, match="not a solution"):
        forward_map(red, {"x": F(1), "y": F(2)})
    with pytest.raises(ValueError, match="box"):
        forward_map(red, {"x": F(4), "y": F(1, 4)})


def test_backward_map_on_flipped_neurons():
    """Downward neurons: a relu(z) = a relu(-z) + a z.  Flipping a variable gadget's
    fixed kinks at t = 9 and 15 (jumps -1, +1) turns those neurons around and moves the
    output bias, and the network still fits (their affine parts add up to -6)."""
    f = Formula(("x",), (Inv("x", "x"),))
    red = reduce_formula(f)
    net = forward_map(red, {"x": F(1)})
    flipped = list(net.neurons)
    for j in (2, 3):  # V[x]'s kinks at 9 and 15
        n = net.neurons[j]
        flipped[j] = Neuron(tuple(-w for w in n.w), -n.b, n.a)
    # sum of a z over the two flipped neurons: -(t - 9) + (t - 15) = -6 in output 1
    other = Network(tuple(flipped), (net.bias[0] - 6, net.bias[1]))
    assert exact_fit(red.instance, other).ok
    back = backward_map(red, other)
    assert back.ok and back.values["x"] == 1


@pytest.mark.slow
def test_backward_map_on_a_fit_found_by_a_solver():
    """z3 solves the pattern-fixed query of x * x = 1's instance (17 neurons, 138 points;
    about 40 s) given the activation pattern of the forward witness; it chooses its own
    weights, and the backward map reads x = 1 off them."""
    from nnsolve.encodings import decode_network, encoding_variables
    from nnsolve.decider.pattern_query import pattern_query
    from nnsolve.numbers import sign
    from nnsolve.solvers import Limits, Query, get_solver
    from nnsolve.training.network import preactivation
    red = reduce_formula(Formula(("x",), (Inv("x", "x"),)))
    net = forward_map(red, {"x": F(1)})
    active = [frozenset(i for i, p in enumerate(red.instance.points) if sign(preactivation(n, p.x)) > 0)
              for n in net.neurons]
    answer = get_solver("z3").solve(Query(pattern_query(red.instance, active), encoding_variables(red.instance)),
                                    Limits(300))
    assert answer.status == "sat", answer.reason
    found = decode_network(red.instance, answer.model)
    assert found != net and exact_fit(red.instance, found).ok
    back = backward_map(red, found)
    assert back.ok and back.values["x"] == 1


def test_overlapping_bands_are_reported():
    import dataclasses

    from nnsolve.reduction.layout import Stripe, overlapping_bands
    red = reduce_formula(Formula(("x", "y"), (Inv("x", "y"),)))
    assert overlapping_bands(red) == []
    g, h = red.gadgets[0], red.gadgets[1]
    # put h 10 above g: their bands (18 and 20 high) overlap on every cross-section
    moved = dataclasses.replace(h, stripe=Stripe(g.stripe.slope, g.stripe.intercept + 10))
    broken = dataclasses.replace(red, gadgets=(g, moved) + red.gadgets[2:])
    assert len(overlapping_bands(broken)) >= 3
    assert any("bands overlap" in p.problem for p in check_layout(broken))


# --- the layout conditions at every size (docs/reduction.md, step B) -------------------

def formulas(max_variables=60, max_constraints=200):
    """Random ETR-INV formulas (satisfiable or not: the layout does not care), with
    repeated variables (x + x = y, x * x = 1) as likely as distinct ones."""
    @st.composite
    def build(draw):
        n = draw(st.integers(1, max_variables))
        names = [f"v{i}" for i in range(n)]
        var = st.integers(0, n - 1).map(lambda i: names[i])
        c = draw(st.integers(0, max_constraints))
        cons = draw(st.lists(st.one_of(st.builds(Add, var, var, var), st.builds(Inv, var, var)),
                             min_size=c, max_size=c))
        return Formula(tuple(names), tuple(cons))
    return build()


SEVEN_FOLD = Formula(("x",), tuple(Inv("x", "x") for _ in range(7)))


@settings(max_examples=15, deadline=None)
@given(formulas())
def test_layout_conditions_hold_up_to_60_variables_and_200_constraints(formula):
    red = reduce_formula(formula)   # runs check_layout, raises LayoutError on a problem
    event(f"constraints {len(formula.constraints) // 50 * 50}+, variables {len(formula.variables) // 20 * 20}+")
    assert check_layout(red) == []
    assert len(red.gadgets) == len(formula.variables) + 3 * len(formula.constraints)


@pytest.mark.parametrize("formula", [SEVEN_FOLD, Formula(("x",), tuple(Inv("x", "x") for _ in range(60)))],
                         ids=["7-fold x*x=1", "60-fold x*x=1"])
def test_layout_conditions_hold_on_repeated_inversions(formula):
    red = reduce_formula(formula)
    assert check_layout(red) == [] and band_problems(red) == []


def test_seven_fold_inversion_has_a_line_through_three_bands_and_it_is_harmless():
    """The old condition (no line meets three different bands) fails here; every such
    line has its middle band strictly between the outer two (the lemma of step B)."""
    red = reduce_formula(SEVEN_FOLD)
    x1, x2, x3 = red.cross_sections
    order = sorted(range(len(red.gadgets)), key=lambda g: band(red.gadgets[g], x1))
    rank = {g: i for i, g in enumerate(order)}
    triples = []
    for g, gd in enumerate(red.gadgets):
        for k, kd in enumerate(red.gadgets):
            lo = (band(gd, x1)[0] + band(kd, x3)[0]) / 2   # the heights on x2 of lines
            hi = (band(gd, x1)[1] + band(kd, x3)[1]) / 2   # through g's band and k's
            triples += [(g, h, k) for h, hd in enumerate(red.gadgets)
                        if band(hd, x2)[0] <= hi and lo <= band(hd, x2)[1]]
    misaligned = [(g, h, k) for g, h, k in triples if not g == h == k]
    assert misaligned
    assert all(min(rank[g], rank[k]) < rank[h] < max(rank[g], rank[k]) for g, h, k in misaligned)


def _corpus(limit):
    for path in sorted((ROOT / "instances").glob("tier*/*.smt2")):
        f = read_smtlib(path)
        if len(f.constraints) <= limit:
            yield pytest.param(f, id=path.name)


@pytest.mark.parametrize("formula", list(_corpus(1000)))
def test_layout_conditions_hold_on_the_corpus(formula):
    assert check_layout(reduce_formula(formula)) == []


@pytest.mark.slow
def test_layout_conditions_hold_on_the_10000_constraint_instance():
    f = read_smtlib(ROOT / "instances" / "tier4" / "planted_10000_s1.smt2")
    assert check_layout(reduce_formula(f)) == []


@settings(max_examples=15, deadline=None)
@given(formulas(20, 40), st.data())
def test_lines_through_bands_obey_the_betweenness_lemma(formula, data):
    """Step B's lemma on emitted layouts: a line through band g on the first
    cross-section and band k on the third meets, on the middle one, band g if g = k and
    otherwise no band or one strictly between g and k (bands in the order of the first
    cross-section).  Lines are drawn through exact points of the outer bands."""
    red = reduce_formula(formula)
    x1, x2, x3 = red.cross_sections
    order = sorted(range(len(red.gadgets)), key=lambda g: band(red.gadgets[g], x1))
    rank = {g: i for i, g in enumerate(order)}
    for _ in range(20):
        g = data.draw(st.integers(0, len(red.gadgets) - 1))
        k = data.draw(st.one_of(st.just(g), st.integers(0, len(red.gadgets) - 1),
                                st.integers(-3, 3).map(lambda d: order[min(max(rank[g] + d, 0), len(order) - 1)])))
        u, v = (data.draw(st.fractions(0, 1, max_denominator=50)) for _ in range(2))
        (lo1, hi1), (lo3, hi3) = band(red.gadgets[g], x1), band(red.gadgets[k], x3)
        y1, y3 = lo1 + u * (hi1 - lo1), lo3 + v * (hi3 - lo3)
        y2 = (y1 + y3) / 2
        hit = [h for h, gd in enumerate(red.gadgets) if band(gd, x2)[0] <= y2 <= band(gd, x2)[1]]
        assert len(hit) <= 1
        if g == k:
            assert hit == [g]
        elif hit:
            assert min(rank[g], rank[k]) < rank[hit[0]] < max(rank[g], rank[k])


def _moved(red, i, stripe):
    import dataclasses
    gadgets = list(red.gadgets)
    gadgets[i] = dataclasses.replace(gadgets[i], stripe=stripe)
    return dataclasses.replace(red, gadgets=tuple(gadgets))


def test_check_layout_catches_a_band_moved_on_one_cross_section():
    """Turn one gadget's stripe about its band on the first cross-section so that on the
    third cross-section its band lands 10 above the next gadget's (gap 10 < width 18):
    condition 4c.  With 4c violated, a line meets bands g, h, g+ with h = g: the
    counting argument would not apply, and the check says so."""
    from nnsolve.reduction.layout import Stripe
    red = reduce_formula(Formula(("x", "y", "z"), (Inv("x", "y"), Add("x", "y", "z"))))
    x1, x2, x3 = red.cross_sections
    order = sorted(range(len(red.gadgets)), key=lambda g: band(red.gadgets[g], x1))
    g, above = order[2], order[3]
    base1 = red.gadgets[g].stripe.at(x1, F(0))[1]
    target3 = band(red.gadgets[above], x3)[0] - 10 - 18     # g's band top 10 below above's
    slope = (target3 - base1) / (x3 - x1)
    broken = _moved(red, g, Stripe(slope, base1 - slope * x1))
    assert band(broken.gadgets[g], x1) == band(red.gadgets[g], x1)
    problems = band_problems(broken)
    assert problems and all(p.problem.startswith("4c") and str(x3) in p.problem for p in problems)
    # the line from the bottom of g's band on x1 to the bottom of above's band on x3
    # meets g's band on x2: the betweenness lemma fails without 4c
    y2 = (band(broken.gadgets[g], x1)[0] + band(broken.gadgets[above], x3)[0]) / 2
    lo2, hi2 = band(broken.gadgets[g], x2)
    assert lo2 <= y2 <= hi2
    # one step further, the two bands swap order on x3: condition 4b
    swapped = _moved(red, g, Stripe((target3 + 40 - base1) / (x3 - x1),
                                    base1 - (target3 + 40 - base1) / (x3 - x1) * x1))
    assert any(p.problem.startswith("4b") for p in check_layout(swapped))


def test_check_layout_catches_a_constraint_point_inside_another_support():
    """Condition 2, found by bisection in the slope order: put a gadget's stripe through
    a constraint point it is not meant to read (t = 8 there)."""
    from nnsolve.reduction.layout import Stripe
    red = reduce_formula(Formula(("x", "y", "z"), (Inv("x", "y"), Add("y", "y", "z"), Inv("z", "x"))))
    assert check_layout(red) == []
    cp = red.constraint_points[0]
    other = next(i for i, g in enumerate(red.gadgets)
                 if i not in {r.gadget for r in cp.readings} and g.kind is VARIABLE_GADGET)
    slope = red.gadgets[other].stripe.slope
    broken = _moved(red, other, Stripe(slope, cp.point[1] - slope * cp.point[0] - 8))
    assert any(p.problem.startswith("2: inside the support of " + red.gadgets[other].name)
               for p in check_layout(broken))


@settings(max_examples=20, deadline=None)
@given(formulas(6, 6).filter(lambda f: f.constraints), st.data())
def test_check_layout_agrees_with_the_quadratic_reference(formula, data):
    """The near-linear check (bands, bisection) finds a problem with conditions 1-3
    exactly when the plain quadratic check over all pairs does, on layouts with one
    stripe moved to a random place (often onto other gadgets)."""
    from nnsolve.reduction.layout import Stripe, _outside
    red = reduce_formula(formula)
    i = data.draw(st.integers(0, len(red.gadgets) - 1))
    j = data.draw(st.integers(0, len(red.gadgets) - 1))
    s = red.gadgets[j].stripe
    slope = data.draw(st.sampled_from([red.gadgets[i].stripe.slope, s.slope, s.slope + 1]))
    cp = data.draw(st.sampled_from(red.constraint_points))
    anchor = data.draw(st.sampled_from([cp.point, s.at(red.cross_sections[0], F(0))]))
    t = data.draw(st.fractions(-25, 25, max_denominator=4))
    broken = _moved(red, i, Stripe(slope, anchor[1] - slope * anchor[0] - t))

    def reference(r):
        bad = set()
        for a in range(len(r.gadgets)):
            for b, h in enumerate(r.gadgets):
                if a != b and any(not _outside(h, p.x) for p in r.gadget_points(a)):
                    bad.add("1")
        for c in r.constraint_points:
            for rd in c.readings:
                if r.gadgets[rd.gadget].stripe.t(c.point) != rd.t:
                    bad.add("2")
            intended = {rd.gadget for rd in c.readings}
            if any(b not in intended and not _outside(h, c.point) for b, h in enumerate(r.gadgets)):
                bad.add("2")
        pts = [p.x for a in range(len(r.gadgets)) for p in r.gadget_points(a)] + [c.point for c in r.constraint_points]
        if len(set(pts)) != len(pts):
            bad.add("3")
        return bad

    found = {p.problem[0] for p in check_layout(broken)} & {"1", "2", "3"}
    expected = reference(broken)
    event(f"reference finds {sorted(expected)}")
    assert found == expected


def test_reduce_formula_refuses_a_broken_layout(monkeypatch):
    """With the clusters 2 apart instead of 100, stripes of different clusters cross
    next to the constraint points and the cross-sections: reduce_formula raises an
    internal error naming the condition instead of returning the instance."""
    import nnsolve.reduction.layout as layout
    monkeypatch.setattr(layout, "LAMBDA", F(2))
    with pytest.raises(LayoutError, match=r"placement condition .*: [1-4]"):
        reduce_formula(Formula(("x", "y"), (Inv("x", "y"), Add("x", "x", "y"))))


def _misaligned_fits(gadgets, strict):
    """Multisets of (g1, g2, g3) crossings, one per neuron, that give every band exactly
    its budget on each cross-section (budgets 1 or 2) and contain a misaligned neuron;
    crossings obey the lemma of step B (strict) or only "between or equal"."""
    import itertools
    def ok(g1, g2, g3):
        if g1 == g3:
            return g2 == g1
        return min(g1, g3) < g2 < max(g1, g3) if strict else min(g1, g3) <= g2 <= max(g1, g3)
    triples = [t for t in itertools.product(range(gadgets), repeat=3) if ok(*t)]
    for budgets in itertools.product((1, 2), repeat=gadgets):
        for combo in itertools.combinations_with_replacement(triples, sum(budgets)):
            if any(len(set(t)) > 1 for t in combo) and all(
                    [sum(t[i] == g for t in combo) for g in range(gadgets)] == list(budgets) for i in range(3)):
                yield budgets, combo


def test_counting_step_by_exhaustion():
    """Step B's counting, checked over every assignment for up to 3 gadgets: with the
    lemma's strict betweenness no neuron can be misaligned; with mere betweenness
    (what 4c buys over 4b alone) it can: (0, 0, 1) and (1, 1, 0) with budgets 1, 1."""
    for gadgets in range(1, 4):
        assert next(_misaligned_fits(gadgets, strict=True), None) is None
    assert next(_misaligned_fits(2, strict=False)) == ((1, 1), ((0, 0, 1), (1, 1, 0)))


def _naive_readings(red, network):
    """The backward map's readings as its definition reads: one full evaluation per
    (variable gadget, cross-section)."""
    from nnsolve.numbers import add, sign
    from nnsolve.reduction.layout import UPPER
    from nnsolve.training.network import evaluate

    values, consistent = {}, True
    for v in red.formula.variables:
        g = red.gadgets[red.variable_gadget[v]]
        readings = [evaluate(network, g.stripe.at(xi, UPPER))[0] for xi in red.cross_sections]
        consistent &= all(sign(add(r, -readings[0])) == 0 for r in readings[1:])
        values[v] = add(readings[0], -4)
    return values, consistent


small = st.fractions(min_value=-4, max_value=4, max_denominator=6)


@settings(max_examples=12, deadline=None)
@given(st.data())
def test_backward_map_reads_what_the_network_computes(data):
    _backward_map_reads(data)


@pytest.mark.slow
@settings(max_examples=40, deadline=None)
@given(st.data())
def test_backward_map_reads_what_the_network_computes_more_draws(data):
    _backward_map_reads(data)


def _backward_map_reads(data):
    """The grouped readings of backward_map equal one full evaluation per reading, on
    forward networks of random planted formulas (5-60 constraints) with random neurons
    changed: moved along their stripe, turned to a random direction (not parallel to any
    stripe) or given new output weights; irrational solutions included."""
    from nnsolve.formula.generate import family_formula
    from nnsolve.reduction import forward_map
    from nnsolve.decision.etr import decide_etr
    from nnsolve.solvers import Limits, get_solver

    from nnsolve.formula.generate import planted_irrational_formula

    size = data.draw(st.sampled_from([5, 12, 30, 60]), "constraints")
    seed = data.draw(st.integers(1, 50), "seed")
    if data.draw(st.booleans(), "irrational"):
        formula, model = planted_irrational_formula(min(size, 12), 2, seed)
    else:
        formula = family_formula("sat", size, seed)
        model = decide_etr(formula, get_solver("z3"), Limits(60)).model
        if model is None:
            return
    red = reduce_formula(formula)
    net = forward_map(red, model)
    neurons = list(net.neurons)
    for j in data.draw(st.lists(st.integers(0, len(neurons) - 1), max_size=12), "changed"):
        n = neurons[j]
        how = data.draw(st.sampled_from(["move", "turn", "weights"]))
        if how == "move":
            neurons[j] = Neuron(n.w, n.b + data.draw(small), n.a)
        elif how == "turn":
            neurons[j] = Neuron((data.draw(small), data.draw(small)), data.draw(small), n.a)
        else:
            neurons[j] = Neuron(n.w, n.b, (data.draw(small), data.draw(small)))
    other = Network(tuple(neurons), (data.draw(small), data.draw(small)))
    values, consistent = _naive_readings(red, other)
    back = backward_map(red, other)
    assert dict(back.values) == values and back.consistent == consistent
