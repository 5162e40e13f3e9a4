"""Fast exact arithmetic inside one real number field Q(theta).

Exact evaluation of a network with irrational weights would need a resultant
per operation in :mod:`nnsolve.numbers`.  Instead, :func:`common_field` finds
one field Q(theta) holding every weight (a primitive element when needed) and
represents each number as a polynomial in theta of degree < deg(theta) with
rational coefficients, a ``flint.fmpq_poly``.  Sums and products are FLINT
polynomial arithmetic modulo the minimal polynomial; an element is 0 iff all its
coefficients are 0 (the minimal polynomial is irreducible); its sign comes from
Arb ball evaluation at an enclosure of theta, at increasing precision until the
ball excludes 0 (it ends: a nonzero element is not 0).

Field membership (``embed``) is exact: a in Q(theta) iff the primitive element
a + s*theta of Q(theta, a) has degree deg(theta); its coordinates come from a
gcd over Q(theta) (Trager's method; see :meth:`NumberField.embed`).

>>> from nnsolve.numbers import algebraic
>>> r2 = algebraic([1, 0, -2], 1, 2)
>>> K = common_field([r2, Fraction(1, 3)])
>>> e = K.mul(K.embed(r2), K.embed(r2))
>>> K.sign(K.sub(e, K.embed(Fraction(2))))
0
>>> K.sign(K.sub(K.embed(r2), K.constant(Fraction(99, 70))))   # sqrt(2) < 99/70
-1
"""

from __future__ import annotations

from fractions import Fraction
from typing import Iterable

import flint
from flint import arb, arb_poly, fmpq, fmpq_mat, fmpq_poly, fmpz_poly

from math import isqrt as _isqrt

from nnsolve.numbers import (AlgebraicNumber, Number, _dyadic, _flint, _frac, _normalize, _q,
                             _rational_root, _select_root, _tuple, add, mul, sign, sum_resultant)

Element = fmpq_poly  # c_0 + c_1 theta + ... + c_{d-1} theta^{d-1}, reduced modulo the minimal polynomial


class NumberField:
    """Q(theta) for a real algebraic theta (irreducible minimal polynomial)."""

    def __init__(self, theta: AlgebraicNumber) -> None:
        self.theta = theta
        self.degree = len(theta.poly) - 1
        self.modulus = fmpq_poly(_flint(theta.poly))
        self._gen = fmpq_poly([0, 1]) % self.modulus
        self._intervals: dict[int, tuple[fmpq, fmpq]] = {}
        self._balls: dict[int, arb] = {}
        self._embedded: dict[AlgebraicNumber, Element] = {}
        #: shape (see _shape) -> elements b, each the normalized eps * (a + shift) of an embedded a
        self._by_shape: dict[tuple, list[Element]] = {}
        self._sign_level = 64

    # -- elements --------------------------------------------------------------
    def constant(self, q: Fraction) -> Element:
        q = Fraction(q)
        return fmpq_poly([fmpq(q.numerator, q.denominator)])

    def embed(self, a: Number) -> Element:
        """The element equal to ``a``; raises ValueError if ``a`` is not in the field.

        For irrational ``a`` with minimal polynomial p of degree e: a is not in
        Q(theta) when e does not divide d = [Q(theta):Q].  Otherwise pick the
        smallest s >= 1 for which N(x) = Res_y(m(y), p(x - s y)) is squarefree
        (m: theta's minimal polynomial); its roots a_i + s theta_j are then pairwise
        distinct, so gamma = a + s theta generates Q(theta, a), and its minimal
        polynomial R (the factor of N that has gamma as a root) has degree
        [Q(theta, a):Q].  So a is in Q(theta) iff deg R = d.  Then
        g = gcd(p(x), R(x + s theta)) over Q(theta) is x - a (its roots are the
        conjugates of a over Q(theta)), which gives a's coordinates.  The result
        is checked: p(u) = 0 exactly and u's value lies in a's isolating interval.
        """
        if isinstance(a, int):
            a = Fraction(a)
        if isinstance(a, Fraction):
            return self.constant(a)
        cached = self._embedded.get(a)
        if cached is not None:
            return cached
        u = self._express(a)
        if u is None:
            raise ValueError(f"{a} is not in Q(theta)")
        self._embedded[a] = u
        return u

    def contains(self, a: Number) -> bool:
        try:
            self.embed(a)
            return True
        except ValueError:
            return False

    def _express(self, a: AlgebraicNumber) -> Element | None:
        e = len(a.poly) - 1
        if self.degree % e:
            return None
        if a.poly == self.theta.poly and a == self.theta:
            return self._gen
        if self.degree == 2 and e == 2:
            return self._express_quadratic(a)
        # a = eps * b - shift for a b already embedded with the same shape (below): no Trager
        key, shift, eps = _shape(a.poly)
        for b in self._by_shape.get(key, ()):
            u = self.scale(b, Fraction(eps)) - self.constant(shift)
            if self._is_value_of(a, u):
                return u
        u = self._express_trager(a)
        if u is not None:
            self._by_shape.setdefault(key, []).append(self.scale(u + self.constant(shift), Fraction(eps)))
        return u

    def _express_trager(self, a: AlgebraicNumber) -> Element | None:
        s, norm = self._squarefree_norm(a)
        # R (the minimal polynomial of a + s theta) is a factor of the norm of degree d
        # when a is in K; the check picks the right one without isolating any root.
        _, factors = norm.factor()
        for f, _mult in factors:
            if f.degree() != self.degree:
                continue
            u = self._linear_factor_root(a, s, _tuple(f))
            if u is not None and self._is_value_of(a, u):
                return u
        return None

    def _express_quadratic(self, a: AlgebraicNumber) -> Element | None:
        """a in Q(theta), both of degree 2, in closed form (no resultant, no factoring).

        With p = A x^2 + B x + C (a's minimal polynomial), m = M2 y^2 + M1 y + M0
        (theta's) and discriminants Dp, Dm (positive non-squares: real irrational
        roots): a = -B/(2A) + ea sqrt(Dp)/(2A), theta = -M1/(2 M2) + et sqrt(Dm)/(2 M2)
        with signs ea, et = +-1 (which root).  a in Q(theta) iff Q(sqrt Dp) = Q(sqrt Dm)
        iff Dp Dm is a square t^2 (then sqrt Dp = r sqrt Dm with r = t / Dm > 0), and
        then a = c0 + c1 theta with c1 = ea et r M2 / A, c0 = -B/(2A) + c1 M1 / (2 M2).
        The result is confirmed exactly as in :meth:`_express` (_is_value_of)."""
        big_a, big_b, big_c = a.poly
        m2, m1, m0 = self.theta.poly
        dp, dm = big_b * big_b - 4 * big_a * big_c, m1 * m1 - 4 * m2 * m0
        t = _isqrt(dp * dm)
        if t * t != dp * dm:
            return None
        ea = sign(add(a, Fraction(big_b, 2 * big_a)))
        et = sign(add(self.theta, Fraction(m1, 2 * m2)))
        c1 = Fraction(ea * et * t * m2, dm * big_a)
        c0 = Fraction(-big_b, 2 * big_a) + c1 * Fraction(m1, 2 * m2)
        u = fmpq_poly([fmpq(c0.numerator, c0.denominator), fmpq(c1.numerator, c1.denominator)])
        if not self._is_value_of(a, u):  # pragma: no cover - the argument above
            raise AssertionError(f"quadratic embedding of {a} failed its check")
        return u

    def _squarefree_norm(self, a: AlgebraicNumber) -> tuple[int, fmpz_poly]:
        """(s, N): the smallest s >= 1 making N = Res_y(m(y), p(x - s y)) squarefree."""
        for s in range(1, 1000):
            scaled = mul(Fraction(s), self.theta)
            norm = sum_resultant(a.poly, scaled.poly)  # roots a_i + s theta_j
            if norm.gcd(norm.derivative()).degree() == 0:
                return s, norm
        raise AssertionError("no s makes the norm squarefree")  # pragma: no cover

    def primitive_with(self, a: AlgebraicNumber) -> AlgebraicNumber:
        """A generator of Q(theta, a): a + s theta with a squarefree norm (see embed)."""
        s, _ = self._squarefree_norm(a)
        gamma = add(a, mul(Fraction(s), self.theta))
        assert isinstance(gamma, AlgebraicNumber)
        return gamma

    def _linear_factor_root(self, a: AlgebraicNumber, s: int, gamma_poly: tuple[int, ...]) -> Element | None:
        """The root in K of gcd_K(p(x), R(x + s theta)) if that gcd is linear, else None."""
        m = self.modulus
        t = self._gen * s % m  # s * theta
        # R(x + t) over K by Horner: coefficient lists lowest first, entries in K.
        shifted: list[fmpq_poly] = []
        for c in gamma_poly:  # highest degree first
            nxt = [fmpq_poly()] * (len(shifted) + 1)
            for i, ci in enumerate(shifted):
                nxt[i + 1] = nxt[i + 1] + ci
                nxt[i] = (nxt[i] + ci * t) % m
            nxt[0] = nxt[0] + c
            shifted = nxt
        p = [fmpq_poly([c]) for c in reversed(a.poly)]
        g = self._poly_gcd(p, shifted)
        if len(g) != 2:
            return None
        return -g[0] * self._inverse(g[1]) % m

    def _inverse(self, u: Element) -> Element:
        g, s, _ = u.xgcd(self.modulus)
        return s * self._inverse_const(g) % self.modulus

    @staticmethod
    def _inverse_const(g: fmpq_poly) -> fmpq_poly:
        if g.degree() != 0:  # pragma: no cover - m irreducible, u != 0
            raise AssertionError("element not invertible")
        return fmpq_poly([1 / g[0]])

    def _poly_gcd(self, f: list[fmpq_poly], g: list[fmpq_poly]) -> list[fmpq_poly]:
        """Monic gcd over K of two polynomials with coefficients in K (lowest first)."""
        m = self.modulus

        def trim(h):
            h = list(h)
            while h and h[-1].is_zero():
                h.pop()
            return h

        def rem(f, g):
            f = list(f)
            lead_inv = self._inverse(g[-1])
            while len(f) >= len(g):
                c = f[-1] * lead_inv % m
                shift = len(f) - len(g)
                for i, gi in enumerate(g):
                    f[shift + i] = (f[shift + i] - c * gi) % m
                f = trim(f)
            return f

        f, g = trim(f), trim(g)
        while g:
            f, g = g, rem(f, g)
        lead_inv = self._inverse(f[-1])
        return [c * lead_inv % m for c in f]

    def _is_value_of(self, a: AlgebraicNumber, u: Element) -> bool:
        """u = a exactly: p(u) = 0 in K, and u's value lies in a's isolating interval
        (which holds no other root of p).  Ends: u's value is a root of p, so either
        inside the open interval or outside the closed one, and Arb balls shrink."""
        m = self.modulus
        acc = fmpq_poly()
        for c in a.poly:
            acc = (acc * u + c) % m
        if not acc.is_zero():
            return False
        level = 64
        while True:
            v = self._value(u, level)
            with flint.ctx.workprec(level + 32):  # the ends' balls shrink with the level too
                lo, hi = arb(_q(a.low)), arb(_q(a.high))
            if v > lo and v < hi:
                return True
            if v < lo or v > hi:
                return False
            level *= 2

    def add(self, u: Element, v: Element) -> Element:
        return u + v

    def neg(self, u: Element) -> Element:
        return -u

    def sub(self, u: Element, v: Element) -> Element:
        return u - v

    def mul(self, u: Element, v: Element) -> Element:
        return u * v % self.modulus

    def inv(self, u: Element) -> Element:
        """1 / u for a nonzero u (extended Euclid with the irreducible modulus)."""
        if u.is_zero():
            raise ZeroDivisionError("0 has no inverse")
        return self._inverse(u)

    def scale(self, u: Element, q: Fraction | fmpq) -> Element:
        """u * q for a rational q (a Fraction, or an fmpq from :meth:`scalar`)."""
        return u * self.scalar(q)

    @staticmethod
    def scalar(q: Fraction | fmpq) -> fmpq:
        if isinstance(q, fmpq):
            return q
        q = Fraction(q)
        return fmpq(q.numerator, q.denominator)

    def ball(self, u: Element) -> arb:
        """A rigorous Arb enclosure of u's value (for fast sign filters)."""
        return self._value(u, self._sign_level)

    @staticmethod
    def key(u: Element) -> tuple:
        """A hashable key, equal for equal elements."""
        return tuple(u.coeffs())

    # -- order -------------------------------------------------------------------
    def _interval(self, level: int) -> tuple[fmpq, fmpq]:
        """An exact interval around theta of width below 2^-level."""
        if level not in self._intervals:
            lo, hi = _q(self.theta.low), _q(self.theta.high)
            p = _flint(self.theta.poly)
            slo = p(lo) > 0
            bound = fmpq(1, 1 << level)
            while hi - lo >= bound:
                mid = (lo + hi) / 2
                if (p(mid) > 0) == slo:
                    lo = mid
                else:
                    hi = mid
            self._intervals[level] = lo, hi
        return self._intervals[level]

    def _ball(self, level: int) -> arb:
        """An Arb ball around theta of radius below about 2^-level."""
        if level not in self._balls:
            lo, hi = self._interval(level)
            with flint.ctx.workprec(level + 32):
                self._balls[level] = arb(lo).union(arb(hi))
        return self._balls[level]

    def _value(self, u: Element, level: int) -> arb:
        """An Arb ball containing u(theta), at working precision level + 32 bits."""
        ball = self._ball(level)
        with flint.ctx.workprec(level + 32):
            return arb_poly(u.coeffs())(ball)

    def sign(self, u: Element) -> int:
        """-1, 0 or 1, exactly: 0 iff every coefficient is 0 (the minimal polynomial
        is irreducible, so a nonzero element of degree < d is not 0); otherwise Arb
        evaluation at a ball around theta, first at the ambient precision, then at
        doubling precision, until the ball excludes 0 (which it eventually does)."""
        if u.is_zero():
            return 0
        if u.degree() == 0:
            return 1 if u[0] > 0 else -1
        level = self._sign_level
        while True:
            v = self._value(u, level)
            if v > 0:
                break
            if v < 0:
                break
            level *= 2
        # start later calls where this one succeeded (speed only: every level is rigorous)
        self._sign_level = max(self._sign_level, level)
        return 1 if v > 0 else -1

    def to_number(self, u: Element) -> Number:
        """Back to a plain exact number.

        The minimal polynomial of u(theta) divides the characteristic polynomial of
        multiplication by u (a d x d rational matrix, FLINT's charpoly); the factor
        and root are selected by Arb enclosures of u(theta) (numbers._select_root),
        and the interval is made canonical as in :func:`nnsolve.numbers.algebraic`.
        """
        if u.degree() <= 0:
            return _frac(u[0]) if not u.is_zero() else Fraction(0)
        d, m = self.degree, self.modulus
        rows = []
        power = u
        for _ in range(d):
            cs = power.coeffs()
            rows.extend(list(cs) + [0] * (d - len(cs)))
            power = power * self._gen % m
        charpoly = fmpq_mat(d, d, rows).charpoly()

        def enclose(k: int) -> tuple[fmpq, fmpq]:
            v = self._value(u, 64 + 16 * k)
            mid, rad = _dyadic(v.mid()), _dyadic(v.rad())
            return mid - rad, mid + rad

        p, lo, hi = _select_root(charpoly.numer(), enclose)
        if len(p) == 2:
            return _rational_root(p)
        return _normalize(p, _frac(lo), _frac(hi))


def _shape(poly: tuple[int, ...]) -> tuple[tuple, Fraction, int]:
    """(key, shift, eps) with b = eps * (a + shift) for a root a of ``poly`` (degree e):
    shift = c_{e-1} / (e c_e) removes b's x^{e-1} term, eps = +-1 picks the smaller of
    P(x), (-1)^e P(-x) (P: the monic polynomial of a + shift).  Numbers differing by a
    rational shift or a sign have the same key; the key only proposes candidates,
    which _express confirms exactly (_is_value_of), so a collision costs a check, never
    a wrong answer."""
    e = len(poly) - 1
    lead = Fraction(poly[0])
    shift = Fraction(poly[1]) / (e * lead)
    p = fmpq_poly([fmpq(c) for c in reversed(poly)]) / fmpq(lead.numerator, lead.denominator)
    depressed = p(fmpq_poly([-_q(shift), 1]))     # P(x) = p(x - shift) / lead
    cs = tuple(depressed.coeffs())
    flipped = tuple(c if i % 2 == e % 2 else -c for i, c in enumerate(cs))   # (-1)^e P(-x)
    if flipped < cs:
        return flipped, shift, -1
    return cs, shift, 1


class RationalField:
    """Q itself, with NumberField's interface (elements are FLINT fmpq rationals)."""

    degree = 1

    @staticmethod
    def embed(a: Number) -> fmpq:
        if isinstance(a, AlgebraicNumber):
            raise ValueError(f"{a} is not rational")
        a = Fraction(a)
        return fmpq(a.numerator, a.denominator)

    constant = embed
    scalar = embed

    @staticmethod
    def add(u: fmpq, v: fmpq) -> fmpq:
        return u + v

    @staticmethod
    def neg(u: fmpq) -> fmpq:
        return -u

    @staticmethod
    def sub(u: fmpq, v: fmpq) -> fmpq:
        return u - v

    @staticmethod
    def mul(u: fmpq, v: fmpq) -> fmpq:
        return u * v

    @staticmethod
    def inv(u: fmpq) -> fmpq:
        return 1 / u

    @staticmethod
    def scale(u: fmpq, q: Fraction | fmpq) -> fmpq:
        return u * (q if isinstance(q, fmpq) else RationalField.embed(q))

    @staticmethod
    def sign(u: fmpq) -> int:
        return (u > 0) - (u < 0)

    @staticmethod
    def key(u: fmpq) -> fmpq:
        return u

    @staticmethod
    def ball(u: fmpq) -> arb:
        """A rigorous Arb enclosure of u (for fast sign filters)."""
        return arb(u)

    @staticmethod
    def to_number(u: fmpq) -> Fraction:
        return _frac(u)


def common_field(numbers: Iterable[Number]) -> NumberField | RationalField:
    """A field containing every number: Q when all are rational, else some Q(theta)."""
    irr: list[AlgebraicNumber] = []
    seen: set[AlgebraicNumber] = set()  # hashed by polynomial, equal iff the same number
    for a in numbers:
        if isinstance(a, AlgebraicNumber) and a not in seen:
            seen.add(a)
            irr.append(a)
    if not irr:
        return RationalField()
    irr.sort(key=lambda a: -len(a.poly))
    field = NumberField(irr[0])
    for a in irr[1:]:
        if not field.contains(a):
            # a + s theta generates Q(theta, a) (embed's squarefree norm condition).
            field = NumberField(field.primitive_with(a))
    return field


def _contains(field: NumberField, a: Number) -> bool:
    return field.contains(a)
