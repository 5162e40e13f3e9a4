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
the same solutions.  Everything is Fraction arithmetic.

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
from typing import Callable, Hashable, Mapping

Expr = dict  # {variable | None: Fraction}


class Inconsistent(ValueError):
    """The equations have no solution (a derived ``c = 0`` with c != 0)."""


def _acc(out: dict, expr: Mapping, factor: Fraction) -> None:
    for k, v in expr.items():
        w = out.get(k, 0) + factor * v
        if w:
            out[k] = w
        else:
            out.pop(k, None)


class LinearSystem:
    """Linear equations in reduced form plus pending bilinear definitions.

    ``priority(variable)`` orders pivot choices (lower is eliminated first), so a
    caller can keep the variables it wants to see in the residual free.  An index
    variable -> pivots whose expression uses it makes eliminating a variable touch only
    those pivots, so n sparse equations cost about n times their fill-in, not n^2.
    """

    def __init__(self, priority: Callable[[Hashable], object] = lambda v: 0) -> None:
        self.pivots: dict[Hashable, Expr] = {}
        self.bilinear: list[tuple[Hashable, Hashable, Hashable]] = []
        self._priority = priority
        self._uses: dict[Hashable, set] = defaultdict(set)
        #: variables whose reduced form changed since the owner last cleared this set
        self.changed: set = set()

    def copy(self) -> "LinearSystem":
        other = type(self)(self._priority)
        other.pivots = {k: dict(v) for k, v in self.pivots.items()}
        other.bilinear = list(self.bilinear)
        other._uses = defaultdict(set, {k: set(v) for k, v in self._uses.items() if v})
        other.changed = set(self.changed)
        return other

    def renamed(self, rename: Callable[[Hashable], Hashable]) -> "LinearSystem":
        """A copy with every variable v replaced by ``rename(v)`` (an injective map)."""
        other = type(self)(lambda v: self._priority(v))
        other.pivots = {rename(k): {None if x is None else rename(x): c for x, c in e.items()}
                        for k, e in self.pivots.items()}
        other.bilinear = [tuple(rename(v) for v in triple) for triple in self.bilinear]
        for k, e in other.pivots.items():
            for x in e:
                if x is not None:
                    other._uses[x].add(k)
        return other

    def absorb(self, other: "LinearSystem") -> None:
        """Add ``other``'s equations and definitions (its variables must not occur here)."""
        for k, e in other.pivots.items():
            self.pivots[k] = dict(e)
            for x in e:
                if x is not None:
                    self._uses[x].add(k)
        self.bilinear += other.bilinear

    def reduce(self, expr: Mapping) -> Expr:
        """``expr`` rewritten in the free variables."""
        out: dict = {}
        for k, v in expr.items():
            if not v:
                continue
            sub = self.pivots.get(k) if k is not None else None
            if sub is None:
                _acc(out, {k: Fraction(v)}, Fraction(1))
            else:
                _acc(out, sub, Fraction(v))
        return out

    def equate(self, expr: Mapping) -> None:
        """Add ``expr = 0``; raise :class:`Inconsistent` if that contradicts the system."""
        e = self.reduce(expr)
        free = [k for k in e if k is not None]
        if not free:
            if e.get(None, 0) != 0:
                raise Inconsistent(f"{e[None]} = 0")
            return
        pivot = min(free, key=lambda v: (self._priority(v), repr(v)))
        c = e[pivot]
        solved = {k: -v / c for k, v in e.items() if k != pivot}
        self.changed.add(pivot)
        self.changed.update(self._uses.get(pivot, ()))
        for other in self._uses.pop(pivot, ()):
            sub = self.pivots[other]
            factor = sub.pop(pivot)
            _acc(sub, solved, factor)
            for k in solved:
                if k is None:
                    continue
                if k in sub:
                    self._uses[k].add(other)
                else:
                    self._uses[k].discard(other)
        self.pivots[pivot] = solved
        for k in solved:
            if k is not None:
                self._uses[k].add(pivot)

    def define(self, product: Hashable, left: Hashable, right: Hashable) -> None:
        """Add ``product = left * right`` (decided later by :meth:`propagate`)."""
        self.bilinear.append((product, left, right))

    def value(self, variable: Hashable) -> Fraction | None:
        """The variable's value if the system fixes it, else None."""
        e = self.reduce({variable: 1})
        return Fraction(e.get(None, 0)) if all(k is None for k in e) else None

    def propagate(self) -> None:
        """Turn definitions with a constant factor into linear equations, to a fixpoint."""
        changed = True
        while changed:
            changed = False
            pending = []
            for product, left, right in self.bilinear:
                cl, cr = self.value(left), self.value(right)
                if cl is not None:
                    self.equate({product: 1, right: -cl})
                    changed = True
                elif cr is not None:
                    self.equate({product: 1, left: -cr})
                    changed = True
                else:
                    pending.append((product, left, right))
            self.bilinear = pending
