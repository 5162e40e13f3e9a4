"""Grouped exact evaluation with number-field weights (training/sweep.py, _field_rows)
equals the naive neuron-by-neuron evaluation in the field.

Networks: tens of neurons with weights in Q(theta), theta of degree 2 or 3, parallel
directions (rational and irrational scalings, both orientations), repeated kinks,
breaklines through data points exactly, kinks and points closer than doubles resolve;
points: a few hundred, on dense vertical lines (the reduction's cross-sections) and
scattered (the float filter).
"""

from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from nnsolve.fields import NumberField
from nnsolve.numbers import add, algebraic, mul
from nnsolve.training import sweep
from nnsolve.training.instance import DataPoint, TrainingInstance
from nnsolve.training.network import Network, Neuron, evaluate, exact_fit

THETAS = {
    "sqrt2": ([1, 0, -2], 1, 2),
    "golden": ([1, -1, -1], 1, 2),
    "cbrt2": ([1, 0, 0, -2], 1, 2),
    "plastic": ([1, 0, -1, -1], 1, 2),   # x^3 - x - 1, real root ~1.3247
    "sqrt2_neg": ([1, 0, -2], -2, -1),
}
_FIELDS: dict = {}


def field(name: str) -> NumberField:
    # one NumberField per theta for the whole module: its caches only speed things up
    if name not in _FIELDS:
        _FIELDS[name] = NumberField(algebraic(*THETAS[name]))
    return _FIELDS[name]


small = st.fractions(min_value=-3, max_value=3, max_denominator=5)
TINY = Fraction(1, 2 ** 70)   # far below double resolution at these magnitudes


@st.composite
def element(draw, K, rational_ok=True):
    cs = [draw(small) for _ in range(K.degree)]
    if not rational_ok and not any(cs[1:]):
        cs[1] = Fraction(1)
    from flint import fmpq, fmpq_poly
    return fmpq_poly([fmpq(c.numerator, c.denominator) for c in cs]) % K.modulus


@st.composite
def cases(draw, large=True):
    K = field(draw(st.sampled_from(sorted(THETAS))))
    # points: dense vertical lines plus scattered points, all rational
    pts = []
    half = 20 if large else 6
    for x in draw(st.lists(small, min_size=1, max_size=3 if large else 1, unique=True)):
        step = draw(st.sampled_from([Fraction(1, 5), Fraction(1, 7), Fraction(2, 9)]))
        pts += [(x, step * k) for k in range(-half, half + 1)]
    pts += draw(st.lists(st.tuples(small, small), min_size=20 if large else 5, max_size=120 if large else 20))
    # a few points a hair off the others (near ties the float filter cannot separate)
    for p in draw(st.lists(st.sampled_from(pts), max_size=8)):
        pts.append((p[0], p[1] + TINY))
    # neurons
    directions = [(draw(element(K)), draw(element(K))) for _ in range(draw(st.integers(1, 4)))]
    one = K.constant(Fraction(1))
    ws, bs = [], []
    for _ in range(draw(st.integers(8, 36) if large else st.integers(2, 8))):
        kind = draw(st.sampled_from(["parallel", "parallel", "free", "repeat"]))
        if kind == "repeat" and ws:
            j = draw(st.integers(0, len(ws) - 1))
            w, b = ws[j], bs[j]
            if draw(st.booleans()):  # same kink, opposite orientation or a rational multiple
                lam = draw(small.filter(lambda q: q != 0))
                w, b = tuple(K.scale(v, lam) for v in w), K.scale(b, lam)
        else:
            if kind == "free":
                w = (draw(element(K)), draw(element(K)))
            else:  # parallel to a shared direction, scaled by a field element (either sign)
                d = draw(st.sampled_from(directions))
                lam = draw(element(K))
                if K.sign(lam) == 0:
                    lam = one
                w = (K.mul(d[0], lam), K.mul(d[1], lam))
            how = draw(st.sampled_from(["through", "through", "near", "random"]))
            if how == "random":
                b = draw(element(K))
            else:  # the breakline through a data point exactly (or a tiny irrational shift off it)
                p = draw(st.sampled_from(pts))
                b = K.neg(K.add(K.scale(w[0], p[0]), K.scale(w[1], p[1])))
                if how == "near":
                    eps = K.scale(K.sub(K.embed(K.theta), K.constant(Fraction(4, 3))), TINY)
                    b = K.add(b, eps)
        ws.append(w)
        bs.append(b)
    outs = [(draw(element(K)), draw(element(K))) for _ in ws]
    bias = (draw(element(K)), draw(element(K)))
    return K, pts, ws, bs, outs, bias


def naive(K, pts, ws, bs, outs, bias):
    """Neuron by neuron, every sign exact (the definition)."""
    rows = []
    for x in pts:
        row = list(bias)
        for w, b, a in zip(ws, bs, outs):
            z = K.add(b, K.add(K.scale(w[0], x[0]), K.scale(w[1], x[1])))
            if K.sign(z) > 0:
                row = [K.add(r, K.mul(ao, z)) for r, ao in zip(row, a)]
        rows.append(row)
    return rows


_NUMBERS: dict = {}


def as_network(K, ws, bs, outs, bias) -> Network:
    def num(u):  # K.to_number, memoized across examples (it isolates a root: slow-ish)
        key = (K.theta.poly, K.theta.low, K.key(u))  # sqrt2 and -sqrt2 share a polynomial
        if key not in _NUMBERS:
            _NUMBERS[key] = K.to_number(u)
        return _NUMBERS[key]

    return Network(tuple(Neuron((num(w[0]), num(w[1])), num(b), (num(a[0]), num(a[1])))
                         for w, b, a in zip(ws, bs, outs)), (num(bias[0]), num(bias[1])))


@settings(max_examples=5, deadline=None)
@given(cases(), st.sampled_from([1, 32, 10 ** 9]))
def test_field_grouped_equals_naive(case, dense):
    # dense 1: every point on the exact line path; 10**9: every point through the float filter
    K, pts, ws, bs, outs, bias = case
    net = as_network(K, ws, bs, outs, bias)
    const, rows = sweep._field_rows(net, pts, dense, K)
    want = naive(K, pts, ws, bs, outs, bias)
    got = [rows.get(i, const) for i in range(len(pts))]
    assert [[K.key(v) for v in r] for r in got] == [[K.key(v) for v in r] for r in want]


@settings(max_examples=3, deadline=None)
@given(cases(large=False))
def test_public_entry_points_with_irrational_weights(case):
    # evaluate_points / exact_fit pick their own field (common_field): compare as numbers,
    # with the plain AlgebraicNumber evaluation (no number field at all) on a few points
    K, pts, ws, bs, outs, bias = case
    net = as_network(K, ws, bs, outs, bias)
    want = [tuple(K.to_number(v) for v in r) for r in naive(K, pts, ws, bs, outs, bias)]
    assert sweep.evaluate_points(net, pts) == want
    for i in (0, len(pts) - 1):  # a dense-line point and a scattered one
        assert evaluate(net, pts[i]) == want[i]
    # labels: the exact outputs where rational, else 0; two rational ones broken
    labels = [tuple(v if isinstance(v, Fraction) else Fraction(0) for v in r) for r in want]
    for j in (0, len(pts) // 2):
        labels[j] = (labels[j][0] + Fraction(1, 3), labels[j][1])
    inst = TrainingInstance(tuple(DataPoint(x, y) for x, y in zip(pts, labels)), hidden=net.hidden)
    grouped, plain = exact_fit(inst, net, grouped=True), exact_fit(inst, net, grouped=False)
    expect = [i for i, (y, r) in enumerate(zip(labels, want)) if y != r]
    assert [m.index for m in grouped.misfits] == [m.index for m in plain.misfits] == expect
    assert [m.got for m in grouped.misfits] == [m.got for m in plain.misfits]


def test_kinks_closer_than_doubles_are_ordered_exactly():
    # two parallel neurons whose kinks differ by ~2^-100 (irrational), a dense line through
    # both breaklines: the sweep must order them and place each point exactly
    K = field("sqrt2")
    r2 = K.embed(K.theta)
    eps = K.scale(K.sub(r2, K.constant(Fraction(99, 70))), Fraction(1, 2 ** 90))  # > 0, tiny
    one, zero = K.constant(Fraction(1)), K.constant(Fraction(0))
    ws = [(one, r2), (one, r2), (K.neg(one), K.neg(r2))]
    bs = [K.neg(r2), K.add(K.neg(r2), eps), r2]   # breaklines x + sqrt2 y = sqrt2 (+ eps)
    outs = [(one, zero), (K.neg(one), one), (one, one)]
    bias = (zero, zero)
    pts = [(Fraction(0), Fraction(k, 8)) for k in range(-40, 41)] + [(Fraction(0), Fraction(1) + TINY),
                                                                     (Fraction(0), Fraction(1) - TINY)]
    net = as_network(K, ws, bs, outs, bias)
    want = naive(K, pts, ws, bs, outs, bias)
    for dense in (1, 10 ** 9):
        const, rows = sweep._field_rows(net, pts, dense, K)
        got = [rows.get(i, const) for i in range(len(pts))]
        assert [[K.key(v) for v in r] for r in got] == [[K.key(v) for v in r] for r in want]


@settings(max_examples=10, deadline=None)
@given(st.sampled_from(["cbrt2", "plastic", "sqrt2"]), st.data())
def test_membership_through_shapes_is_exact(name, data):
    # NumberField.embed proposes eps * b - shift from numbers of the same shape (rational
    # shift, sign) embedded before; every proposal is confirmed exactly, so the results
    # equal the elements the numbers came from
    K = field(name)
    u = data.draw(element(K, rational_ok=False))
    fresh = NumberField(K.theta)
    a = K.to_number(u)
    assert K.key(fresh.embed(a)) == K.key(u)
    for _ in range(3):
        q = data.draw(small)
        eps = data.draw(st.sampled_from([1, -1]))
        b = add(mul(Fraction(eps), a), q)
        assert K.key(fresh.embed(b)) == K.key(K.add(K.scale(u, Fraction(eps)), K.constant(q)))


def test_same_shape_outside_the_field_is_rejected():
    # x^3 - 4x + 1 has three real roots and a non-square discriminant (229): Q(r1) holds
    # neither r2 nor r3, which have r1's shape (same polynomial)
    roots = [algebraic([1, 0, -4, 1], lo, hi) for lo, hi in ((-3, -2), (0, 1), (1, 3))]
    K = NumberField(roots[0])
    assert K.contains(roots[0]) and K.contains(add(roots[0], Fraction(1, 3)))
    assert not K.contains(roots[1]) and not K.contains(add(mul(Fraction(-1), roots[2]), Fraction(5)))


def test_membership_decides_a_value_a_hair_beyond_an_interval_end():
    """A root of a's polynomial 2^-70 sqrt2 above the end of a's isolating interval (the
    draw that hung CI): the ends' Arb balls must shrink with the precision, or neither
    "inside" nor "outside" is ever shown."""
    from flint import fmpq, fmpq_poly

    K = NumberField(algebraic((1, 0, -2), 1, 2))
    a = algebraic((98001321673230277477451886940349244899328000000, -724425769808518211113102987334177103676440576000,
                   1338738822606141654136605245596980704577425752823), Fraction(85, 23), Fraction(462, 125))
    u = fmpq_poly([fmpq(409074996578583016636291, 110680464442257309696000), fmpq(1, 2 ** 70)])
    assert K._is_value_of(a, u) is False  # before the fix: an endless loop
