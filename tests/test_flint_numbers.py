"""The FLINT arithmetic (nnsolve.numbers, nnsolve.fields) against the pre-FLINT sympy
implementation (tests/reference_numbers.py) and against sympy as an independent oracle,
on random real algebraic numbers of degree up to 8.

What must agree: the canonical JSON spelling (to_json), sums, products, inverses, signs,
comparisons, the to_json round trip, and the number-field path used by exact_fit.
"""

from fractions import Fraction

import reference_numbers as old
import sympy
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from nnsolve import numbers as new
from nnsolve.fields import common_field

X = sympy.Symbol("x")
DIGITS = 60
SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


@st.composite
def algebraic_numbers(draw, max_degree=8):
    """(poly, low, high, sympy root) for a real root of a random irreducible integer
    polynomial, isolated by sympy (the interval is sympy's, the number built by both)."""
    degree = draw(st.integers(2, max_degree))
    coeffs = [draw(st.integers(1, 4))] + [draw(st.integers(-6, 6)) for _ in range(degree)]
    p = sympy.Poly(coeffs, X, domain="ZZ")
    assume(p.is_irreducible)
    intervals = p.intervals()
    assume(intervals)
    i = draw(st.integers(0, len(intervals) - 1))
    (a, b), _ = intervals[i]
    low, high = Fraction(int(a.p), int(a.q)), Fraction(int(b.p), int(b.q))
    return coeffs, low, high, sympy.CRootOf(p, i)


rationals = st.fractions(min_value=-3, max_value=3, max_denominator=12)


def value(root) -> sympy.Float:
    return sympy.N(root, DIGITS)


def assert_is(number, expected):
    """``number`` (new) is the real number sympy computes as ``expected`` (60 digits):
    rational equal, or an irreducible polynomial (per sympy) whose isolating interval
    holds the value and exactly one root (per sympy)."""
    if isinstance(number, Fraction):
        assert abs(sympy.Rational(number.numerator, number.denominator) - expected) < sympy.Float(10) ** -40
        return
    p = sympy.Poly(list(number.poly), X, domain="ZZ")
    assert p.is_irreducible and p.degree() >= 2
    lo = sympy.Rational(number.low.numerator, number.low.denominator)
    hi = sympy.Rational(number.high.numerator, number.high.denominator)
    assert lo < expected < hi
    assert p.count_roots(lo, hi) == 1


def both(spec):
    coeffs, low, high, root = spec
    return new.algebraic(coeffs, low, high), old.algebraic(coeffs, low, high), root


@settings(max_examples=25, **SETTINGS)
@given(algebraic_numbers(), rationals)
def test_single_numbers(spec, q):
    a, a_old, root = both(spec)
    assert new.to_json(a) == old.to_json(a_old)
    assert new.from_json(new.to_json(a)) == a
    assert repr(a) == repr(a_old)
    v = value(root)
    # sign and comparison with a rational, exactly as sympy says
    expected_sign = 1 if v > sympy.Rational(q.numerator, q.denominator) else -1
    assert new.sign(a - q) == expected_sign == old.sign(a_old - q)
    assert new.compare(a, q) == expected_sign
    # shifts, scalings, inverse: same spelling as before, and the right number
    for got, was, expected in ((a + q, a_old + q, v + sympy.Rational(q.numerator, q.denominator)),
                               (a * q, a_old * q, v * sympy.Rational(q.numerator, q.denominator)),
                               (new.inv(a), old.inv(a_old), 1 / v)):
        assert new.to_json(got) == old.to_json(was)
        assert_is(got, expected)


@settings(max_examples=12, **SETTINGS)
@given(algebraic_numbers(max_degree=8), algebraic_numbers(max_degree=3))
def test_sums_products_and_comparisons(spec_a, spec_b):
    a, a_old, ra = both(spec_a)
    b, b_old, rb = both(spec_b)
    assume((len(a.poly) - 1) * (len(b.poly) - 1) <= 16)
    va, vb = value(ra), value(rb)
    s, p = a + b, a * b
    assert_is(s, va + vb)
    assert_is(p, va * vb)
    assert new.compare(a, b) == (1 if va > vb else -1 if va < vb else 0)
    assert new.from_json(new.to_json(s)) == s and new.from_json(new.to_json(p)) == p
    if (len(a.poly) - 1) * (len(b.poly) - 1) <= 6:  # the sympy implementation is slow beyond
        assert new.to_json(s) == old.to_json(a_old + b_old)
        assert new.to_json(p) == old.to_json(a_old * b_old)
        assert repr(s) == repr(a_old + b_old)


@settings(max_examples=12, **SETTINGS)
@given(algebraic_numbers(max_degree=8), algebraic_numbers(max_degree=3), rationals)
def test_number_field_agrees(spec_a, spec_b, q):
    """The field path of exact_fit: embed, arithmetic, sign, back to numbers."""
    a, _, ra = both(spec_a)
    b, _, rb = both(spec_b)
    assume((len(a.poly) - 1) * (len(b.poly) - 1) <= 9)  # fields of degree <= 9 (gcds over larger
    # fields of degree 16-24 take seconds: docs/numbers.md)
    K = common_field([a, b, q])
    ea, eb, eq = K.embed(a), K.embed(b), K.embed(q)
    va, vb = value(ra), value(rb)
    assert K.sign(K.sub(ea, eb)) == (1 if va > vb else -1 if va < vb else 0)
    assert K.sign(K.sub(ea, ea)) == 0
    assert K.to_number(ea) == a and K.to_number(eb) == b
    prod = K.add(K.mul(ea, eb), eq)  # a * b + q
    assert_is(K.to_number(prod), va * vb + sympy.Rational(q.numerator, q.denominator))
    assert K.to_number(prod) == a * b + q


def test_membership_is_exact():
    from nnsolve.fields import NumberField
    r2, r3 = new.algebraic([1, 0, -2], 1, 2), new.algebraic([1, 0, -3], 1, 2)
    K = NumberField(r2)
    assert not K.contains(r3)                       # same degree, other field
    assert not K.contains(new.algebraic([1, 0, 0, -2], 1, 2))  # degree 3 does not divide 2
    assert not K.contains(-r2 * r3)
    assert K.to_number(K.embed(new.inv(r2) + 5)) == new.inv(r2) + 5
    L = NumberField(r2 + r3)                        # Q(sqrt2, sqrt3), degree 4
    assert L.contains(r2) and L.contains(r3) and L.contains(r2 * r3)
    assert not L.contains(new.algebraic([1, 0, -5], 2, 3))
    # -sqrt2 is the other conjugate: embed must not confuse the two roots
    assert L.sign(L.add(L.embed(r2), L.embed(-r2))) == 0
    assert L.sign(L.embed(-r2)) == -1


def test_sign_survives_cancellation():
    """theta - q for a rational q within 1e-60 of theta: the Arb level must grow."""
    from nnsolve.fields import NumberField
    r2 = new.algebraic([1, 0, -2], 1, 2)
    K = NumberField(r2)
    lo, hi = new.refine(r2, 220)
    assert hi - lo < Fraction(1, 10**60)
    assert K.sign(K.sub(K.embed(r2), K.constant(lo))) == 1
    assert K.sign(K.sub(K.embed(r2), K.constant(hi))) == -1
    big = K.scale(K.sub(K.embed(r2), K.constant(lo)), Fraction(10**80))
    assert K.sign(big) == 1
