from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nnsolve.numbers import (AlgebraicNumber, NumberFormatError, algebraic, approximate, compare,
                             from_json, inv, sign, to_json)

SQRT2 = algebraic([1, 0, -2], 1, 2)
SQRT3 = algebraic([1, 0, -3], 1, 2)
small = st.fractions(min_value=-5, max_value=5, max_denominator=20)


def test_rational_roots_become_fractions():
    assert algebraic([1, -3, 2], Fraction(3, 2), 3) == Fraction(2)
    assert algebraic([2, -1], 0, 1) == Fraction(1, 2)


def test_irrational_identities():
    assert SQRT2 * SQRT2 == Fraction(2)
    assert (SQRT2 + SQRT3) * (SQRT2 + SQRT3) == 5 + 2 * (SQRT2 * SQRT3)
    assert SQRT2 / SQRT2 == Fraction(1)
    assert inv(SQRT2) * 2 == SQRT2
    assert SQRT2 - SQRT2 == Fraction(0)


def test_close_rational_is_not_equal():
    near = Fraction(1414213562, 10**9)
    assert SQRT2 != near
    assert sign(SQRT2 - near) == 1
    assert compare(SQRT2, Fraction(1414213563, 10**9)) == -1


def test_interval_must_isolate():
    with pytest.raises(NumberFormatError):
        algebraic([1, 0, -2], -2, 2)  # two roots
    with pytest.raises(NumberFormatError):
        algebraic([1, 0, -2], 2, 3)  # none


@given(small, small)
def test_rational_shift_and_scale(p, q):
    a = SQRT2 * p + q
    if p == 0:
        assert a == q
    else:
        # (a - q)^2 = 2 p^2 exactly
        assert (a - q) * (a - q) == 2 * p * p
        assert sign(a - q) == sign(p)


@settings(max_examples=30, deadline=None)
@given(small, small)
def test_field_operations_agree_with_approximation(p, q):
    a = SQRT2 * p + SQRT3 * q
    approx = float(approximate(a, 60))
    assert abs(approx - (float(p) * 2 ** 0.5 + float(q) * 3 ** 0.5)) < 1e-9


@settings(max_examples=30, deadline=None)
@given(st.one_of(small, st.just(SQRT2), st.just(SQRT3 - 1)))
def test_json_round_trip(a):
    assert from_json(to_json(a)) == a


@pytest.mark.parametrize("bad", [1.5, "1e3", "nan", "inf", "x", {"poly": [1, 0, -2]},
                                 {"poly": [1, 0, -2], "interval": ["-2", "2"]}, True, None, [1]])
def test_from_json_rejects(bad):
    with pytest.raises(NumberFormatError):
        from_json(bad)


def test_equality_of_representations():
    a = algebraic([1, 0, -2], Fraction(1), Fraction(3, 2))
    b = algebraic([2, 0, -4], Fraction(13, 10), Fraction(2))
    assert a == b and hash(a) == hash(b)
    assert isinstance(a, AlgebraicNumber)
