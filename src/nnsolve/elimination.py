"""Exact linear elimination with bilinear propagation.

A conjunction of linear equations over the rationals plus *bilinear*
definitions ``U = K * k`` (three variables).  :class:`LinearSystem` keeps the
linear part in reduced form (every pivot variable is a linear expression in
the free variables) and *propagates*: once ``K`` or ``k`` is a constant c, the
definition ``U = K * k`` is the linear equation ``U = c k`` (or ``U = c K``),
which joins the linear part; repeat until nothing changes.  Every step replaces
the conjunction by an equivalent one, so the solution set never changes: an
inconsistency (``c = 0`` with c != 0) proves that the conjunction has no real
solution, and what is left (pivots, remaining definitions) describes exactly
the same solutions.  Everything is exact rational arithmetic: the stored forms use
GMP's rationals (``gmpy2.mpq``, about twenty times faster than ``Fraction`` here), and
every public answer (:meth:`LinearSystem.reduce`, :meth:`LinearSystem.value`) is a
``Fraction``.  ``mpq`` is registered as a ``numbers.Rational`` and compares and mixes
exactly with ``Fraction`` (``mpq(1, 2) == Fraction(1, 2)``), so a stored coefficient
that reaches Fraction code by some path is never mis-compared; FLINT's ``fmpq`` was not
used for that reason (``fmpq(1, 2) == Fraction(1, 2)`` is False, silently).

Expressions are dicts {variable: coefficient}, the constant under the key
``None``; variables are any hashable values.

>>> s = LinearSystem()
>>> s.equate({"x": 1, "y": 1, None: -3})          # x + y = 3
>>> s.define("u", "x", "y")                        # u = x * y
>>> s.equate({"y": 1, None: -1})                   # y = 1
>>> s.propagate()
>>> s.value("x"), s.value("u")
(Fraction(2, 1), Fraction(2, 1))
>>> s.equate({"u": 1, None: -5})
Traceback (most recent call last):
...
nnsolve.elimination.Inconsistent: -3 = 0
"""

from __future__ import annotations

from collections import defaultdict
from fractions import Fraction
from typing import Callable, Hashable, Iterable, Mapping

from gmpy2 import mpq

Expr = dict  # {variable | None: Fraction}
_ONE = mpq(1)


class Inconsistent(ValueError):
    """The equations have no solution (a derived ``c = 0`` with c != 0)."""


def _acc(out: dict, expr: Mapping, factor) -> None:
    """out += factor * expr (any exact rational type; zero entries removed)."""
    for k, v in expr.items():
        w = out.get(k, 0) + factor * v
        if w:
            out[k] = w
        else:
            out.pop(k, None)


def fraction(v) -> Fraction:
    """An mpq as a Fraction of Python ints (``Fraction(mpq)`` would keep gmpy2 integers
    inside, which ``mpq()`` then rejects)."""
    return Fraction(int(v.numerator), int(v.denominator))


def _fraction_of(v) -> Fraction:
    """An int, mpq or other exact rational as a Fraction of Python ints."""
    return Fraction(v) if isinstance(v, int) else fraction(mpq(v))


def _fractions(expr: Mapping) -> Expr:
    return {k: fraction(v) for k, v in expr.items()}


class LinearSystem:
    """Linear equations in reduced form plus pending bilinear definitions.

    ``priority(variable)`` orders pivot choices (lower is eliminated first), so a
    caller can keep the variables it wants to see in the residual free.  An index
    variable -> pivots whose expression uses it makes eliminating a variable touch only
    those pivots, so n sparse equations cost about n times their fill-in, not n^2.
    """

    def __init__(self, priority: Callable[[Hashable], object] = lambda v: 0) -> None:
        self._pivots: dict[Hashable, dict] = {}  # pivot -> its form in the free variables (mpq)
        self.bilinear: list[tuple[Hashable, Hashable, Hashable]] = []
        self._priority = priority
        self._uses: dict[Hashable, set] = defaultdict(set)
        #: variables whose reduced form changed since the owner last cleared this set
        self.changed: set = set()
        # the same since propagate last looked (None: look at every definition), and the
        # number of equations and definitions added, so propagate skips what cannot change
        self._dirty: set | None = None
        self._version = 0
        self._factored_at = -1

    @property
    def pivots(self) -> dict[Hashable, Expr]:
        """Each pivot variable's form in the free variables (Fraction coefficients; a
        fresh dict, so changing it does not change the system)."""
        return {k: _fractions(e) for k, e in self._pivots.items()}

    def copy(self) -> "LinearSystem":
        other = type(self)(self._priority)
        other._pivots = {k: dict(v) for k, v in self._pivots.items()}
        other.bilinear = list(self.bilinear)
        other._uses = defaultdict(set, {k: set(v) for k, v in self._uses.items() if v})
        other.changed = set(self.changed)
        other._dirty = None if self._dirty is None else set(self._dirty)
        other._version, other._factored_at = self._version, self._factored_at
        return other

    def restricted(self, keep: Iterable[Hashable] = ()) -> "LinearSystem":
        """A copy with every definition but only the pivots of ``keep`` and of the
        definitions' variables.  Its cost follows what it holds, not the whole system (at
        10,000 constraints the chain residual's branching copied a million pivots per case).

        Every free variable is free in both, and a kept pivot has the same form, so a form
        reduced by this system reduces to the same form in the copy, and after the same
        further equations it still does (an equation's pivot is a free variable, and
        substituting it touches the forms that use it, which the copy holds as far as it
        holds them).  A pivot left out reads as a free variable in the copy: callers reduce
        whatever else they will ask about first.

        >>> s = LinearSystem()
        >>> s.equate({"u": 1, "x": -2}); s.equate({"v": 1, "x": 1, "y": 1})   # u = 2x, v = -x - y
        >>> s.define("p", "x", "y")
        >>> r = s.restricted()
        >>> sorted(r.pivots), r.reduce({"u": 1})                             # u was left out
        ([], {'u': Fraction(1, 1)})
        >>> r.equate({"x": 1, None: -3}); r.propagate(); r.reduce({"p": 1})  # the definition is kept
        {'y': Fraction(3, 1)}
        """
        other = type(self)(self._priority)
        wanted = set(keep)
        for d in self.bilinear:
            wanted.update(d)
        other._pivots = {k: dict(self._pivots[k]) for k in wanted if k in self._pivots}
        other.bilinear = list(self.bilinear)
        for k, e in other._pivots.items():
            for x in e:
                if x is not None:
                    other._uses[x].add(k)
        other._dirty = None
        return other

    def renamed(self, rename: Callable[[Hashable], Hashable]) -> "LinearSystem":
        """A copy with every variable v replaced by ``rename(v)`` (an injective map)."""
        other = type(self)(lambda v: self._priority(v))
        other._pivots = {rename(k): {None if x is None else rename(x): c for x, c in e.items()}
                        for k, e in self._pivots.items()}
        other.bilinear = [tuple(rename(v) for v in triple) for triple in self.bilinear]
        other._dirty = None
        for k, e in other._pivots.items():
            for x in e:
                if x is not None:
                    other._uses[x].add(k)
        return other

    def absorb(self, other: "LinearSystem") -> None:
        """Add ``other``'s equations and definitions (its variables must not occur here)."""
        for k, e in other._pivots.items():
            self._pivots[k] = dict(e)
            for x in e:
                if x is not None:
                    self._uses[x].add(k)
        self.bilinear += other.bilinear
        self._dirty = None
        self._version += 1

    def reduce(self, expr: Mapping) -> Expr:
        """``expr`` rewritten in the free variables (Fraction coefficients)."""
        if self._uses_pivot(expr):
            return _fractions(self.reduce_stored(expr))
        # already in the free variables (a form kept reduced by its owner, the common case
        # when cases are settled again): the same dict as the general path, without the
        # round trip through mpq
        return {k: v if type(v) is Fraction else _fraction_of(v) for k, v in expr.items() if v}

    def free_variables(self, expr: Mapping) -> set:
        """The variables of ``expr`` rewritten in the free variables (the keys of
        :meth:`reduce` but None), without building the coefficients when no key is a pivot.

        >>> s = LinearSystem()
        >>> s.equate({"x": 1, "y": -1})                    # x = y
        >>> s.free_variables({"x": 1, "y": -1}), sorted(s.free_variables({"x": 1, "z": 2}))
        (set(), ['y', 'z'])
        """
        if self._uses_pivot(expr):
            return {k for k in self.reduce_stored(expr) if k is not None}
        return {k for k, v in expr.items() if k is not None and v}

    def _uses_pivot(self, expr: Mapping) -> bool:
        """Whether a key of ``expr`` is a pivot (else ``expr`` is already reduced)."""
        pivots = self._pivots
        return any(k is not None and k in pivots for k in expr)

    def reduce_stored(self, expr: Mapping) -> dict:
        """:meth:`reduce` with the coefficients in the stored rational type (``mpq``: exact,
        equal to the Fraction of the same value; no conversion, for writers of many terms).

        >>> s = LinearSystem()
        >>> s.equate({"x": 1, "y": -2})
        >>> s.reduce_stored({"x": 1}) == {"y": 2}
        True
        """
        return self.accumulate({}, expr)

    @staticmethod
    def rational(value) -> object:
        """``value`` (int, Fraction or mpq) in the stored rational type, for
        :meth:`accumulate`."""
        return mpq(value)

    def accumulate(self, out: dict, expr: Mapping, factor=None) -> dict:
        """Add ``expr`` (times ``factor``, if given) rewritten in the free variables to
        ``out`` (a dict of this system's stored rationals, as this method returns; zero
        entries removed) and return ``out``.  Sums of many expressions stay reduced as they grow, in the fast
        rational type; :meth:`equate` and :meth:`reduce` take the result as it is.

        >>> s = LinearSystem()
        >>> s.equate({"x": 1, "y": -1})                    # x = y
        >>> s.reduce(s.accumulate(s.accumulate({}, {"x": 2}), {"y": 1, None: 3}))
        {'y': Fraction(3, 1), None: Fraction(3, 1)}
        """
        pivots = self._pivots
        for k, v in expr.items():
            if not v:
                continue
            v = mpq(v) if factor is None else factor * v
            sub = pivots.get(k) if k is not None else None
            if sub is None:
                w = out.get(k, 0) + v
                if w:
                    out[k] = w
                else:
                    out.pop(k, None)
            else:
                _acc(out, sub, v)
        return out

    def _constant(self, variable: Hashable):
        """The variable's value (mpq) if the system fixes it, else None."""
        e = self._pivots.get(variable)
        if e is None:
            return None
        if not e:
            return mpq(0)
        return e[None] if len(e) == 1 and None in e else None

    def equate(self, expr: Mapping) -> None:
        """Add ``expr = 0``; raise :class:`Inconsistent` if that contradicts the system."""
        e = self.reduce_stored(expr)
        free = [k for k in e if k is not None]
        if not free:
            if e.get(None, 0) != 0:
                raise Inconsistent(f"{fraction(e[None])} = 0")
            return
        pivot = min(free, key=lambda v: (self._priority(v), repr(v))) if len(free) > 1 else free[0]
        c = e[pivot]
        solved = {k: -v / c for k, v in e.items() if k != pivot}
        self.changed.add(pivot)
        self.changed.update(self._uses.get(pivot, ()))
        self._version += 1
        if self._dirty is not None:
            self._dirty.add(pivot)
            self._dirty.update(self._uses.get(pivot, ()))
        for other in self._uses.pop(pivot, ()):
            sub = self._pivots[other]
            factor = sub.pop(pivot)
            _acc(sub, solved, factor)
            for k in solved:
                if k is None:
                    continue
                if k in sub:
                    self._uses[k].add(other)
                else:
                    self._uses[k].discard(other)
        self._pivots[pivot] = solved
        for k in solved:
            if k is not None:
                self._uses[k].add(pivot)

    def define(self, product: Hashable, left: Hashable, right: Hashable) -> None:
        """Add ``product = left * right`` (decided later by :meth:`propagate`)."""
        self.bilinear.append((product, left, right))
        self._version += 1
        if self._dirty is not None:
            self._dirty.update((left, right))

    def value(self, variable: Hashable) -> Fraction | None:
        """The variable's value if the system fixes it, else None."""
        c = self._constant(variable)
        return None if c is None else fraction(c)

    def propagate(self) -> None:
        """Turn definitions into linear equations where they are linear, to a fixpoint:
        a constant factor (``U = c k``), then common factors (:meth:`common_factors`)."""
        while True:
            # a factor becomes constant only if its reduced form changed: look only there
            while self._dirty is None or self._dirty:
                dirty, self._dirty = self._dirty, set()
                pending = []
                for product, left, right in self.bilinear:
                    if dirty is not None and left not in dirty and right not in dirty:
                        pending.append((product, left, right))
                        continue
                    cl, cr = self._constant(left), self._constant(right)
                    if cl is not None:
                        self.equate({product: 1, right: -cl})
                    elif cr is not None:
                        self.equate({product: 1, left: -cr})
                    else:
                        pending.append((product, left, right))
                self.bilinear = pending
            if self._factored_at == self._version:
                return
            self._factored_at = self._version
            if not self.common_factors():
                return

    def common_factors(self) -> bool:
        """Replace definitions that share a factor with a nonzero one by linear equations.

        With p, l, r the reduced forms of ``U = K * k``: when p = c + a l + b r for
        constants a, b, c (exact linear algebra), the definition reads
        (l - b)(r - a) = c + a b, a product of two linear forms equal to a constant.
        Write each such definition as F G = gamma for both choices of the factor F,
        with F scaled to a canonical form.  Two definitions with the same F,
        F G1 = gamma1 with gamma1 != 0 and F G2 = gamma2, are equivalent to
        F G1 = gamma1 and G2 = (gamma2 / gamma1) G1: the first makes F != 0, so
        G2 = gamma2 / F = (gamma2 / gamma1) G1, and back, F G2 = (gamma2 / gamma1) F G1
        = gamma2.  So the second definition is dropped and the linear equation joins
        the system.  A definition that anchors (the first) is never dropped in the
        same pass, and a dropped one never anchors, so every dropped definition
        follows from what is kept.  Returns whether anything changed.

        >>> s = LinearSystem()
        >>> s.define("u0", "k0", "q"); s.define("u1", "k1", "q")
        >>> s.equate({"u0": 1, "k0": -4, None: 3})    # k0 q = 4 k0 - 3, i.e. k0 (q - 4) = -3
        >>> s.equate({"u1": 1, "k1": -4})             # k1 q = 4 k1,     i.e. k1 (q - 4) = 0
        >>> s.propagate()
        >>> s.value("k1"), len(s.bilinear)
        (Fraction(0, 1), 1)
        """
        if len(self.bilinear) < 2:
            return False
        groups: dict = defaultdict(list)
        for index, (product, left, right) in enumerate(self.bilinear):
            l, r = self.reduce_stored({left: 1}), self.reduce_stored({right: 1})
            span = _span(self.reduce_stored({product: 1}), l, r)
            if span is None:
                continue
            a, b, c = span
            gamma = c + a * b
            f1, f2 = dict(l), dict(r)
            _acc(f1, {None: -b}, _ONE)
            _acc(f2, {None: -a}, _ONE)
            for f, g in ((f2, f1), (f1, f2)):
                key, scale = _canonical(f)
                groups[key].append((index, {k: v * scale for k, v in g.items()}, gamma))
        anchors: set = set()
        dropped: set = set()
        for entries in groups.values():
            if len(entries) < 2:
                continue
            live = [e for e in entries if e[0] not in dropped and e[2] != 0]
            if not live:
                continue
            anchor = next((e for e in live if e[0] in anchors), live[0])
            index1, g1, gamma1 = anchor
            for index, g, gamma in entries:
                if index == index1 or index in dropped or index in anchors:
                    continue
                anchors.add(index1)
                dropped.add(index)
                expr = dict(g)
                _acc(expr, g1, -gamma / gamma1)
                self.equate(expr)
        if not dropped:
            return False
        self.bilinear = [d for i, d in enumerate(self.bilinear) if i not in dropped]
        return True


def _span(p: Mapping, l: Mapping, r: Mapping) -> tuple | None:
    """(a, b, c) with p = c + a l + b r as linear forms, when l and r are not proportional
    (apart from constants) and such a, b exist; else None (mpq)."""
    rows = [(mpq(l.get(v, 0)), mpq(r.get(v, 0)), mpq(p.get(v, 0)))
            for v in set(p) | set(l) | set(r) if v is not None]
    first = next((row for row in rows if row[0] or row[1]), None)
    if first is None:
        return None
    second = next((row for row in rows if first[0] * row[1] - first[1] * row[0]), None)
    if second is None:
        return None  # l and r proportional (or one constant): not this rule's case
    det = first[0] * second[1] - first[1] * second[0]
    a = (first[2] * second[1] - first[1] * second[2]) / det
    b = (first[0] * second[2] - first[2] * second[0]) / det
    if any(row[2] != a * row[0] + b * row[1] for row in rows):
        return None
    c = mpq(p.get(None, 0)) - a * mpq(l.get(None, 0)) - b * mpq(r.get(None, 0))
    return a, b, c


def _canonical(f: Mapping) -> tuple[tuple, object]:
    """(key, s) with f = s * form(key) and the first variable's coefficient 1 in key."""
    items = sorted(((k, mpq(v)) for k, v in f.items() if k is not None), key=lambda kv: repr(kv[0]))
    lead = items[0][1]
    const = mpq(f.get(None, 0)) / lead
    return (const, tuple((k, v / lead) for k, v in items)), lead
