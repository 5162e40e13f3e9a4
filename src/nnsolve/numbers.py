"""Exact real numbers: rationals and real algebraic numbers.

Every verdict, certificate and witness check in nnsolve runs on these; no float
ever decides anything.  A number is either a :class:`fractions.Fraction` or an
:class:`AlgebraicNumber`, the unique real root of an irreducible integer
polynomial of degree >= 2 inside a rational isolating interval.

The project's JSON number format (used by every file nnsolve reads or writes):

* a rational is a string ``"p/q"`` or an integer string ``"-3"``;
* an irrational is ``{"poly": [integer coefficients, highest degree first],
  "interval": ["p/q", "p/q"]}``, the unique real root of ``poly`` in that closed
  interval.

>>> r2 = algebraic([1, 0, -2], Fraction(1), Fraction(2))   # sqrt(2)
>>> r2 * r2
Fraction(2, 1)
>>> sign(r2 - Fraction(1414213562, 10**9))
1
>>> to_json(r2 + 1)
{'poly': [1, -2, -1], 'interval': ['2', '3']}
>>> from_json("3/6")
Fraction(1, 2)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import Iterable, Union

from flint import arb, arb_poly, fmpq, fmpq_poly, fmpz_mpoly_ctx, fmpz_poly

# Polynomial arithmetic, factoring, resultants and root isolation run in FLINT
# (python-flint).  sympy is imported lazily, in one place only: the canonical
# isolating interval of an irreducible polynomial's root (see _canonical_intervals
# and docs/numbers.md).
_YX = fmpz_mpoly_ctx.get(("y", "x"), "lex")  # Z[y, x]; y is eliminated by resultants


class NumberFormatError(ValueError):
    """A value that is not an exact number in the project's format."""


@dataclass(frozen=True, eq=False)
class AlgebraicNumber:
    """The unique root of ``poly`` in the open interval ``(low, high)``.

    Invariants (established by :func:`algebraic`, never by hand): ``poly`` is
    irreducible over Q, primitive, of degree >= 2 with a positive leading
    coefficient, highest degree first; it has exactly one root in
    ``[low, high]`` and, being irreducible of degree >= 2, no rational roots, so
    the endpoints are never roots and ``poly`` changes sign across the interval.
    """

    poly: tuple[int, ...]
    low: Fraction
    high: Fraction

    # -- identity -------------------------------------------------------
    def __eq__(self, other: object) -> bool:
        if isinstance(other, (int, Fraction)):
            return False  # irrational
        if not isinstance(other, AlgebraicNumber):
            return NotImplemented
        if self.poly != other.poly:
            return False
        lo, hi = max(self.low, other.low), min(self.high, other.high)
        return lo <= hi and _count_roots(self.poly, lo, hi) == 1

    def __hash__(self) -> int:
        return hash(self.poly)

    def __repr__(self) -> str:
        return f"AlgebraicNumber(poly={list(self.poly)}, interval=[{self.low}, {self.high}])"

    def __str__(self) -> str:
        lo, hi = refine(self, 40)
        return f"root of {list(self.poly)} in [{self.low}, {self.high}] (~{float((lo + hi) / 2):.12g})"

    # -- arithmetic -----------------------------------------------------
    def __neg__(self) -> Number:
        return neg(self)

    def __add__(self, other: object) -> Number:
        return add(self, other) if _is_number(other) else NotImplemented

    __radd__ = __add__

    def __sub__(self, other: object) -> Number:
        return add(self, neg(other)) if _is_number(other) else NotImplemented

    def __rsub__(self, other: object) -> Number:
        return add(other, neg(self)) if _is_number(other) else NotImplemented

    def __mul__(self, other: object) -> Number:
        return mul(self, other) if _is_number(other) else NotImplemented

    __rmul__ = __mul__

    def __truediv__(self, other: object) -> Number:
        return mul(self, inv(other)) if _is_number(other) else NotImplemented

    def __rtruediv__(self, other: object) -> Number:
        return mul(other, inv(self)) if _is_number(other) else NotImplemented

    def __lt__(self, other: object) -> bool:
        return sign(self - other) < 0

    def __le__(self, other: object) -> bool:
        return sign(self - other) <= 0

    def __gt__(self, other: object) -> bool:
        return sign(self - other) > 0

    def __ge__(self, other: object) -> bool:
        return sign(self - other) >= 0

    def __float__(self) -> float:
        lo, hi = refine(self, 60)
        return float((lo + hi) / 2)


Number = Union[Fraction, AlgebraicNumber]


def _is_number(value: object) -> bool:
    return isinstance(value, (int, Fraction, AlgebraicNumber)) and not isinstance(value, bool)


def as_number(value: object) -> Number:
    """Coerce ints to Fraction; reject floats and anything inexact."""
    if isinstance(value, bool):
        raise NumberFormatError(f"not a number: {value!r}")
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, (Fraction, AlgebraicNumber)):
        return value
    raise NumberFormatError(f"not an exact number: {value!r} (floats are never accepted)")


# -- polynomials ------------------------------------------------------------------
# Public form: integer coefficient tuples, highest degree first, primitive with a
# positive leading coefficient.  Internal form: flint.fmpz_poly (lowest first).

def _q(x: Fraction) -> fmpq:
    return fmpq(x.numerator, x.denominator)


def _frac(x: fmpq) -> Fraction:
    return Fraction(int(x.p), int(x.q))


@lru_cache(maxsize=8192)
def _flint(poly: tuple[int, ...]) -> fmpz_poly:
    """The fmpz_poly of a coefficient tuple (memoized: polynomials recur)."""
    return fmpz_poly(list(reversed(poly)))


def _tuple(p: fmpz_poly) -> tuple[int, ...]:
    """Primitive, positive leading coefficient, highest degree first."""
    cs = [int(c) for c in reversed(p.coeffs())]
    g = 0
    for c in cs:
        g = _gcd(g, c)
    cs = [c // g for c in cs] if g else cs
    if cs and cs[0] < 0:
        cs = [-c for c in cs]
    return tuple(cs)


def _gcd(a: int, b: int) -> int:
    while b:
        a, b = b, a % b
    return abs(a)


def _primitive(coeffs: list[int]) -> tuple[int, ...]:
    g = 0
    for c in coeffs:
        g = _gcd(g, c)
    cs = [c // g for c in coeffs] if g else list(coeffs)
    if cs and cs[0] < 0:
        cs = [-c for c in cs]
    return tuple(cs)


def _eval(poly: tuple[int, ...], x: Fraction) -> Fraction:
    return _frac(_flint(poly)(_q(x)))


@lru_cache(maxsize=8192)
def _irreducible_factors(poly: tuple[int, ...]) -> tuple[tuple[int, ...], ...]:
    """The distinct irreducible factors of ``poly`` (degree >= 1), by FLINT."""
    _, factors = _flint(poly).factor()
    return tuple(_tuple(f) for f, _mult in factors if f.degree() >= 1)


def _dyadic(x) -> fmpq:
    """The exact value of an arb ball's midpoint or radius (a dyadic rational)."""
    m, e = x.man_exp()
    m, e = int(m), int(e)
    return fmpq(m << e) if e >= 0 else fmpq(m, 1 << -e)


@lru_cache(maxsize=8192)
def _isolate(irreducible: tuple[int, ...]) -> tuple[tuple[fmpq, fmpq], ...]:
    """Isolating intervals ``(a, b)`` of the real roots of an irreducible polynomial
    of degree >= 2, ascending: each open interval holds exactly one root and the
    polynomial has opposite signs at a and b.

    From FLINT's certified complex root isolation (arb_fmpz_poly_complex_roots): the
    output balls are pairwise disjoint, each contains exactly one root, and real
    roots come out with imaginary part exactly 0.  A ball's rational endpoints are
    never roots (no rational roots), and the sign change is checked exactly.
    """
    p = _flint(irreducible)
    out = []
    for root, _mult in p.complex_roots():
        if not root.imag.is_zero():
            continue
        mid, rad = _dyadic(root.real.mid()), _dyadic(root.real.rad())
        a, b = mid - rad, mid + rad
        if not (rad > 0 and p(a) * p(b) < 0):  # pragma: no cover - FLINT's guarantee
            raise AssertionError(f"FLINT root ball {root} does not isolate a root of {irreducible}")
        out.append((a, b))
    return tuple(out)


def _count_irreducible(irreducible: tuple[int, ...], lo: fmpq, hi: fmpq) -> int:
    """Real roots of an irreducible polynomial in the closed interval [lo, hi], exactly."""
    if len(irreducible) == 2:
        r = _q(_rational_root(irreducible))
        return int(lo <= r <= hi)
    p = _flint(irreducible)
    n = 0
    for a, b in _isolate(irreducible):
        pa_pos = p(a) > 0
        while True:  # the root r in (a, b) is irrational: never lo or hi, so this ends
            if b <= lo or a >= hi:
                break
            if lo <= a and b <= hi:
                n += 1
                break
            mid = (a + b) / 2
            if (p(mid) > 0) == pa_pos:
                a = mid
            else:
                b = mid
    return n


def _count_roots(poly: tuple[int, ...], lo: Fraction, hi: Fraction) -> int:
    """Number of distinct real roots in the closed interval [lo, hi]."""
    ql, qh = _q(lo), _q(hi)
    return sum(_count_irreducible(f, ql, qh) for f in _irreducible_factors(tuple(poly)))


def _rational_root(poly: tuple[int, ...]) -> Fraction:
    a, b = poly  # a x + b
    return Fraction(-b, a)


# -- construction ------------------------------------------------------------

def algebraic(poly: Iterable[int], low: Fraction | int | str, high: Fraction | int | str) -> Number:
    """The unique real root of ``poly`` in the closed interval ``[low, high]``.

    ``poly`` is any nonzero integer polynomial, highest degree first.  Raises
    :class:`NumberFormatError` unless exactly one distinct real root lies in the
    interval.  Returns a Fraction when that root is rational.
    """
    coeffs = [int(c) for c in poly]
    while coeffs and coeffs[0] == 0:
        coeffs.pop(0)
    low, high = Fraction(low), Fraction(high)
    if not coeffs or len(coeffs) == 1:
        raise NumberFormatError("a defining polynomial must have degree >= 1")
    if low > high:
        raise NumberFormatError(f"empty interval [{low}, {high}]")
    ql, qh = _q(low), _q(high)
    counts = [(f, _count_irreducible(f, ql, qh)) for f in _irreducible_factors(tuple(coeffs))]
    n = sum(c for _, c in counts)
    if n != 1:
        raise NumberFormatError(
            f"polynomial {coeffs} has {n} real roots in [{low}, {high}], not exactly one")
    factor = next(f for f, c in counts if c == 1)
    return _normalize(factor, low, high)


def real_roots(poly: Iterable[int]) -> list[Number]:
    """Every distinct real root of a nonzero integer polynomial (highest degree first),
    ascending, exactly: rational roots of its linear factors, the others isolated by
    FLINT (:func:`_isolate`) and spelled canonically.

    >>> real_roots([1, 0, -2])
    [AlgebraicNumber(poly=[1, 0, -2], interval=[-2, -1]), AlgebraicNumber(poly=[1, 0, -2], interval=[1, 2])]
    >>> real_roots([2, -1])
    [Fraction(1, 2)]
    """
    coeffs = [int(c) for c in poly]
    while coeffs and coeffs[0] == 0:
        coeffs.pop(0)
    if len(coeffs) < 2:
        return []
    out: list[Number] = []
    for f in _irreducible_factors(tuple(coeffs)):
        if len(f) == 2:
            out.append(_rational_root(f))
        else:
            out.extend(_normalize(f, _frac(a), _frac(b)) for a, b in _isolate(f))
    from functools import cmp_to_key
    return sorted(out, key=cmp_to_key(compare))


@lru_cache(maxsize=4096)
def _canonical_intervals(irreducible: tuple[int, ...]) -> tuple[tuple[Fraction, Fraction], ...]:
    """sympy's exact isolating intervals of the real roots (the canonical spelling).

    The one place sympy remains: the JSON format spells a root with the interval
    sympy's real root isolation (Vincent-Akritas-Strzebonski continued fractions)
    gives it, and FLINT's isolation gives other intervals.  Memoized per polynomial.
    """
    import sympy

    x = sympy.Symbol("x")
    return tuple((Fraction(int(a.p), int(a.q)), Fraction(int(b.p), int(b.q)))
                 for (a, b), _ in sympy.Poly(list(irreducible), x, domain="ZZ").intervals())


def _normalize(irreducible: tuple[int, ...], low: Fraction, high: Fraction) -> Number:
    if len(irreducible) == 2:
        return _rational_root(irreducible)
    # Endpoints of an irreducible poly of degree >= 2 are never roots.
    # Canonical interval: sympy's exact isolating interval of this root, so the
    # same number always prints the same way.
    for a, b in _canonical_intervals(irreducible):
        lo, hi = max(a, low), min(b, high)
        if lo <= hi and _count_roots(irreducible, lo, hi) == 1:
            return AlgebraicNumber(irreducible, a, b)
    raise AssertionError("unreachable: the root has an isolating interval")  # pragma: no cover


def _refine_q(a: AlgebraicNumber, steps: int) -> tuple[fmpq, fmpq]:
    p = _flint(a.poly)
    lo, hi = _q(a.low), _q(a.high)
    slo = p(lo) > 0
    for _ in range(steps):
        mid = (lo + hi) / 2
        if (p(mid) > 0) == slo:  # never zero: no rational roots
            lo = mid
        else:
            hi = mid
    return lo, hi


def refine(a: Number, steps: int) -> tuple[Fraction, Fraction]:
    """An interval containing ``a`` after ``steps`` bisections (exact)."""
    if isinstance(a, Fraction):
        return a, a
    lo, hi = _refine_q(a, steps)
    return _frac(lo), _frac(hi)


def approximate(a: Number, bits: int = 53) -> Fraction:
    """A rational within 2**-bits of ``a`` (for display and search only)."""
    if isinstance(a, Fraction):
        return a
    width = a.high - a.low
    steps = max(0, bits + width.numerator.bit_length() - width.denominator.bit_length() + 1)
    lo, hi = refine(a, steps)
    return (lo + hi) / 2


# -- interval arithmetic driving root selection ---------------------------------

def _iadd(x, y):
    return x[0] + y[0], x[1] + y[1]


def _imul(x, y):
    ps = (x[0] * y[0], x[0] * y[1], x[1] * y[0], x[1] * y[1])
    return min(ps), max(ps)


def _no_root_in(irreducible: tuple[int, ...], lo: fmpq, hi: fmpq) -> bool:
    """True if an Arb evaluation of the polynomial on the ball around [lo, hi] excludes 0
    (then it has no root there; a cheap test that spares exact isolation)."""
    ball = arb(lo).union(arb(hi))
    value = arb_poly(list(reversed(irreducible)))(ball)
    return value > 0 or value < 0


def _select_root(candidate: fmpz_poly, enclose, start: int = 0) -> tuple[tuple[int, ...], fmpq, fmpq]:
    """The factor of ``candidate`` with the root that ``enclose(k)`` pins down as k
    grows, and the first enclosure that holds no other root of any factor.

    ``enclose(k)`` returns an interval (of fmpq) that contains the true value and
    shrinks to it; the true value is a root of ``candidate``.  We factor and refine
    (k = 0, 4, 8, ...) until exactly one root of one factor remains in the interval.
    """
    _, factors = candidate.factor()
    polys = [_tuple(f) for f, _ in factors if f.degree() >= 1]
    k = start
    while True:
        lo, hi = enclose(k)
        hits = [(p, 0 if _no_root_in(p, lo, hi) else _count_irreducible(p, lo, hi)) for p in polys]
        total = sum(n for _, n in hits)
        if total == 1:
            return next(p for p, n in hits if n == 1), lo, hi
        if total == 0:  # pragma: no cover - would mean a wrong resultant
            raise AssertionError("root selection lost the value")
        k += 4


def _select(candidate: fmpz_poly, enclose) -> Number:
    """The root of ``candidate`` that ``enclose(k)`` pins down (see _select_root)."""
    p, lo, hi = _select_root(candidate, enclose)
    if len(p) == 2:
        return _rational_root(p)
    return AlgebraicNumber(p, _frac(lo), _frac(hi))


def _select_factor(candidate: fmpz_poly, enclose, start: int = 32) -> tuple[int, ...]:
    """The minimal polynomial of the root that ``enclose(k)`` pins down (k from ``start``)."""
    return _select_root(candidate, enclose, start)[0]


def _refine_enclosure(a: Number):
    if isinstance(a, Fraction):
        q = _q(a)
        return lambda k: (q, q)
    return lambda k: _refine_q(a, k)


def _horner_yx(poly: tuple[int, ...], arg):
    """poly(arg) in Z[y, x] (poly highest degree first)."""
    acc = _YX.from_dict({})
    for c in poly:
        acc = acc * arg + c
    return acc


def _to_univariate(r) -> fmpz_poly:
    """An element of Z[y, x] free of y as an fmpz_poly in x."""
    coeffs: dict[int, int] = {}
    for (ey, ex), c in r.to_dict().items():
        assert ey == 0
        coeffs[ex] = int(c)
    return fmpz_poly([coeffs.get(i, 0) for i in range(max(coeffs) + 1)])


def sum_resultant(p: tuple[int, ...], q: tuple[int, ...]) -> fmpz_poly:
    """Res_y(p(y), q(x - y)): its roots are the sums of a root of p and a root of q."""
    y, x = _YX.gens()
    return _to_univariate(_horner_yx(p, y).resultant(_horner_yx(q, x - y), "y"))


def product_resultant(p: tuple[int, ...], q: tuple[int, ...]) -> fmpz_poly:
    """Res_y(p(y), y^d q(x / y)), d = deg q: its roots are the products of roots."""
    y, x = _YX.gens()
    d = len(q) - 1
    hom = _YX.from_dict({(d - i, i): c for i, c in enumerate(reversed(q)) if c})
    return _to_univariate(_horner_yx(p, y).resultant(hom, "y"))


def neg(a: Number) -> Number:
    a = as_number(a)
    if isinstance(a, Fraction):
        return -a
    d = len(a.poly) - 1
    coeffs = tuple(c if (d - i) % 2 == 0 else -c for i, c in enumerate(a.poly))
    if coeffs[0] < 0:
        coeffs = tuple(-c for c in coeffs)
    return AlgebraicNumber(coeffs, -a.high, -a.low)


def inv(a: Number) -> Number:
    a = as_number(a)
    if isinstance(a, Fraction):
        if a == 0:
            raise ZeroDivisionError("division by zero")
        return 1 / a
    coeffs = tuple(reversed(a.poly))
    if coeffs[0] < 0:
        coeffs = tuple(-c for c in coeffs)
    lo, hi = a.low, a.high
    while lo <= 0 <= hi:  # shrink away from 0 (a != 0)
        lo, hi = refine(AlgebraicNumber(a.poly, lo, hi), 1)
    return AlgebraicNumber(coeffs, 1 / hi, 1 / lo)


def add(a: Number, b: Number) -> Number:
    a, b = as_number(a), as_number(b)
    if isinstance(a, Fraction) and isinstance(b, Fraction):
        return a + b
    if isinstance(a, Fraction):
        a, b = b, a
    if isinstance(b, Fraction):
        # a + c is a root of p(x - c); denominators cleared by _tuple.
        shifted = fmpq_poly(_flint(a.poly))(fmpq_poly([-_q(b), 1]))
        return AlgebraicNumber(_tuple(shifted.numer()), a.low + b, a.high + b)
    ea, eb = _refine_enclosure(a), _refine_enclosure(b)
    return _select(sum_resultant(a.poly, b.poly), lambda k: _iadd(ea(k), eb(k)))


def mul(a: Number, b: Number) -> Number:
    a, b = as_number(a), as_number(b)
    if isinstance(a, Fraction) and isinstance(b, Fraction):
        return a * b
    if isinstance(a, Fraction):
        a, b = b, a
    if isinstance(b, Fraction):
        if b == 0:
            return Fraction(0)
        # a * c is a root of p(x / c) * c^d.
        d = len(a.poly) - 1
        num, den = b.numerator, b.denominator
        coeffs = [c * den ** (d - i) * num ** i for i, c in enumerate(a.poly)]
        lo, hi = sorted((a.low * b, a.high * b))
        return AlgebraicNumber(_primitive(coeffs), lo, hi)
    ea, eb = _refine_enclosure(a), _refine_enclosure(b)
    return _select(product_resultant(a.poly, b.poly), lambda k: _imul(ea(k), eb(k)))


def sign(a: Number) -> int:
    """-1, 0 or 1, exactly."""
    a = as_number(a)
    if isinstance(a, Fraction):
        return (a > 0) - (a < 0)
    lo, hi = a.low, a.high
    if not lo <= 0 <= hi:
        return 1 if lo > 0 else -1
    k = 0
    qlo = qhi = fmpq(0)
    while qlo <= 0 <= qhi:  # an irrational is never 0, so this ends
        k += 4
        qlo, qhi = _refine_q(a, k)
    return 1 if qlo > 0 else -1


def compare(a: Number, b: Number) -> int:
    """sign(a - b)."""
    return sign(add(a, neg(b)))


# -- the project's JSON format -------------------------------------------------

def to_json(a: Number | int) -> str | dict:
    """Encode an exact number in the project's format."""
    a = as_number(a)
    if isinstance(a, Fraction):
        return str(a.numerator) if a.denominator == 1 else f"{a.numerator}/{a.denominator}"
    a = _normalize(a.poly, a.low, a.high)  # canonical interval: one number, one spelling
    return {"poly": list(a.poly), "interval": [to_json(a.low), to_json(a.high)]}


#: what parse_rational reads: ASCII digits only (Python's int() also takes other scripts'
#: digits, and underscores), an optional sign, then p, p/q or a finite decimal
RATIONAL = re.compile(r"[+-]?(?:[0-9]+(?:/[0-9]+)?|[0-9]+\.[0-9]*|\.[0-9]+)", re.ASCII)
#: Python refuses to convert longer digit strings (sys.get_int_max_str_digits)
MAX_DIGITS = 4300


def parse_rational(text: str) -> Fraction:
    """Parse ``"p/q"``, an integer, or a finite decimal such as ``"0.5"`` (surrounding
    blanks are ignored).

    >>> [parse_rational(t) for t in ("-3/6", "7", " 0.25", "+.5")]
    [Fraction(-1, 2), Fraction(7, 1), Fraction(1, 4), Fraction(1, 2)]
    """
    if not isinstance(text, str):
        raise NumberFormatError(f"expected a string, got {text!r}")
    t = text.strip()
    shown = text if len(text) <= 40 else text[:37] + "..."
    if not RATIONAL.fullmatch(t):
        raise NumberFormatError(f"not an exact rational: {shown!r} (write p/q, an integer or a decimal)")
    if len(t) > MAX_DIGITS:
        raise NumberFormatError(f"a number of {len(t):,} characters: at most {MAX_DIGITS:,} digits are read")
    try:
        return Fraction(t)
    except ZeroDivisionError as exc:
        raise NumberFormatError(f"not an exact rational: {shown!r} (zero denominator)") from exc


def from_json(value: object) -> Number:
    """Decode an exact number in the project's format (strict: no floats)."""
    if isinstance(value, bool):
        raise NumberFormatError(f"not a number: {value!r}")
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, str):
        return parse_rational(value)
    if isinstance(value, dict):
        if set(value) != {"poly", "interval"}:
            raise NumberFormatError(
                f"an algebraic number needs exactly the keys 'poly' and 'interval', got {sorted(value)}")
        poly, interval = value["poly"], value["interval"]
        if (not isinstance(poly, list) or len(poly) < 2
                or not all(isinstance(c, int) and not isinstance(c, bool) for c in poly)):
            raise NumberFormatError(f"'poly' must be a list of >= 2 integers, got {poly!r}")
        if not isinstance(interval, list) or len(interval) != 2:
            raise NumberFormatError(f"'interval' must be a list of two rationals, got {interval!r}")
        lo, hi = (from_json(v) for v in interval)
        if not (isinstance(lo, Fraction) and isinstance(hi, Fraction)):
            raise NumberFormatError("interval endpoints must be rationals")
        return algebraic(poly, lo, hi)
    raise NumberFormatError(
        f"not an exact number: {value!r} (use \"p/q\", an integer string, or "
        "{\"poly\": [...], \"interval\": [\"p/q\", \"p/q\"]})")
