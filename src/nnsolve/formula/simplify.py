"""Exact simplification of ETR-INV formulas before any solver sees them.

:class:`Propagation` keeps the additions as a linear system over the rationals
(:class:`nnsolve.elimination.LinearSystem`, with an occurrence index so that
elimination costs what the fill-in costs) and applies rules to the inversions
until nothing changes.  With ``L_x`` and ``L_y`` the reduced linear forms of the
two sides of an inversion x * y = 1:

1. ``L_x`` is a constant c: c = 0 is a contradiction, else y = 1/c joins the
   linear system (and symmetrically for ``L_y``);
2. ``L_x = a t`` and ``L_y = b t`` for one free variable t: ``a b t^2 = 1``, a
   contradiction if ``a b <= 0``; otherwise t = ±r with r^2 = 1/(ab).  When r is
   rational the sign is chosen (a) in *box mode* by x = a t > 0 (a box fact:
   every point of [1/2, 2]^n is positive), (b) otherwise by symmetry: negating
   every variable of a connected component maps solutions to solutions (x + y =
   z and x * y = 1 are invariant), so at most once per component the choice t =
   +r loses no solution up to that symmetry;
3. two inversions whose sides have proportional forms, ``L_x = c1 L`` and
   ``L_x' = c2 L``: then ``c1 y = 1/L = c2 y'``, a linear equation (the inverse
   of a nonzero number is unique);
4. in box mode, a variable fixed to a value outside [1/2, 2] is a (box)
   contradiction.

What is left goes to the solver with repeated polynomials L_x L_y written once
(the same equation).  Every rule replaces the conjunction by an equivalent one (rules 1, 3; rule 2's
contradiction), or one with the same solutions in the box (box facts), or one
that is satisfiable iff the previous one is (the once-per-component sign
choice).  Hence: a contradiction found without box facts proves that the
formula has no real solution; with box facts, that it has none in the box; and
a model of the residual, extended through the linear system, is a candidate
that callers check exactly on the original formula.  The argument in full is in
docs/etr-simplification.md.

>>> from nnsolve.formula.model import Add, Formula, Inv
>>> f = Formula(("x", "y", "z"), (Inv("x", "x"), Add("x", "x", "z"), Inv("z", "y")))
>>> p = Propagation(f, box=True)
>>> p.propagate()
>>> p.value("y")
Fraction(1, 2)
>>> g = Formula(("x", "y"), (Add("x", "x", "x"), Inv("x", "y")))
>>> q = Propagation(g, box=False)
>>> try:
...     q.propagate()
... except Contradiction as c:
...     print(c.real, c.reason)
True x * y = 1 with x = 0
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from fractions import Fraction
from typing import Hashable, Mapping

import networkx as nx

from nnsolve.elimination import Inconsistent, LinearSystem
from nnsolve.formula.graph import components
from nnsolve.formula.model import BOX_HIGH, BOX_LOW, Add, Formula, Inv
from nnsolve.numbers import Number, add, mul

Form = tuple  # ((variable | None, Fraction), ...) sorted, the constant under None first


class Contradiction(Exception):
    """No solution: over the reals if ``real``, else in the box [1/2, 2]^n."""

    def __init__(self, reason: str, real: bool) -> None:
        super().__init__(reason)
        self.reason, self.real = reason, real


class IndexedLinearSystem(LinearSystem):
    """:class:`LinearSystem` (which keeps the occurrence index and the ``changed`` set
    this module relies on); the name is kept for callers."""


def _form(expr: Mapping) -> Form:
    return tuple(sorted(((k, Fraction(v)) for k, v in expr.items()),
                        key=lambda kv: (kv[0] is not None, repr(kv[0]))))


def _normalized(expr: Mapping) -> tuple[Form, Fraction]:
    """(form / its first coefficient, that coefficient): equal keys = proportional forms."""
    form = _form(expr)
    lead = form[0][1]
    return tuple((k, v / lead) for k, v in form), lead


def _product(lx: Mapping, ly: Mapping) -> frozenset:
    """The expanded polynomial L_x * L_y as a set of (monomial, coefficient)."""
    out: dict = {}
    for a, ca in lx.items():
        for b, cb in ly.items():
            mono = tuple(sorted((v for v in (a, b) if v is not None), key=repr))
            out[mono] = out.get(mono, 0) + Fraction(ca) * Fraction(cb)
    return frozenset((m, c) for m, c in out.items() if c)


def _rational_sqrt(q: Fraction) -> Fraction | None:
    if q < 0:
        return None
    n, d = math.isqrt(q.numerator), math.isqrt(q.denominator)
    return Fraction(n, d) if n * n == q.numerator and d * d == q.denominator else None


def _in_box(q: Fraction) -> bool:
    return BOX_LOW <= q <= BOX_HIGH


@dataclass(frozen=True)
class ResidualPart:
    """One connected part of what is left: free variables, products ``L_x * L_y = 1``
    and (box mode) bounds ``1/2 <= L <= 2`` on the forms of the unfixed variables."""

    variables: tuple[str, ...]
    products: tuple[tuple[Form, Form], ...]
    bounds: tuple[Form, ...]


class Propagation:
    """The simplification state of one formula (see the module docstring)."""

    def __init__(self, formula: Formula, box: bool) -> None:
        self.formula, self.box = formula, box
        order = {v: i for i, v in enumerate(formula.variables)}
        # later variables are eliminated first, so the free ones are the early "roots"
        self.system = IndexedLinearSystem(lambda v: -order[v])
        self.box_facts = False
        #: True once a value was *chosen* (not derived): contradictions then prove nothing
        self.guessed = False
        self._component = {v: i for i, part in enumerate(components(formula)) for v in part.variables}
        self._sign_chosen: set[int] = set()
        #: pending inversions by index; the worklist of those to revisit
        self._pending: dict[int, Inv] = {}
        self._watch: dict[str, list[int]] = defaultdict(list)
        self._groups: dict[Form, tuple[Fraction, str]] = {}
        for i, c in enumerate(formula.constraints):
            if isinstance(c, Add):
                e: dict = {}
                for v, k in ((c.x, 1), (c.y, 1), (c.z, -1)):
                    e[v] = e.get(v, 0) + k
                self._equate(e, f"{c.x} + {c.y} = {c.z}")
            else:
                self._pending[i] = c
                self._watch[c.x].append(i)
                if c.y != c.x:
                    self._watch[c.y].append(i)
        self._queue: set[int] = set(self._pending)

    @property
    def pending(self) -> list[Inv]:
        """The inversions not yet turned into linear facts, in formula order."""
        return [self._pending[i] for i in sorted(self._pending)]

    # -- facts ---------------------------------------------------------------------
    def _equate(self, expr: Mapping, why: str) -> None:
        try:
            self.system.equate(expr)
        except Inconsistent:
            raise Contradiction(f"{why} contradicts the linear system", real=not self.box_facts) from None

    def copy(self) -> "Propagation":
        other = object.__new__(Propagation)
        other.__dict__.update(self.__dict__)
        other.system = self.system.copy()
        other._pending = dict(self._pending)
        other._queue = set(self._queue)
        other._groups = dict(self._groups)
        other._sign_chosen = set(self._sign_chosen)
        return other

    def guess(self, values: Mapping[str, Fraction]) -> None:
        """Add ``v = value`` as a choice: a model found afterwards is a candidate like any
        other, but a contradiction only refutes the choice (``guessed`` is set)."""
        self.guessed = True
        self.fix(values, box_fact=True)

    def fix(self, values: Mapping[str, Fraction], box_fact: bool) -> None:
        """Add ``v = value`` for each entry (``box_fact``: known only for box solutions)."""
        self.box_facts |= box_fact
        for v, q in values.items():
            self._equate({v: 1, None: -Fraction(q)}, f"{v} = {q}")

    def form(self, variable: str) -> dict:
        """The variable's reduced linear form (a fresh dict)."""
        return self.system.reduce({variable: 1})

    def value(self, variable: str) -> Fraction | None:
        return self.system.value(variable)

    # -- the rules -------------------------------------------------------------------
    def propagate(self) -> None:
        """Apply rules 1-4 to a fixpoint; raise :class:`Contradiction`.

        A worklist: an inversion is revisited only when the form of one of its
        two variables changed (the linear system records those variables)."""
        while True:
            fresh = self.system.changed
            if fresh:
                self.system.changed = set()
                for v in fresh:
                    self._queue.update(self._watch.get(v, ()))
                    # box mode: a forced value outside [1/2, 2] ends the search at once
                    q = self.system.value(v) if self.box else None
                    if q is not None:
                        if not _in_box(q):
                            raise Contradiction(f"{v} = {q} is forced, outside [1/2, 2]", real=False)
            if not self._queue:
                break
            i = self._queue.pop()
            c = self._pending.get(i)
            if c is None:
                continue
            lx, ly = self.form(c.x), self.form(c.y)
            if self._constant_side(c.x, lx, c.y) or self._constant_side(c.y, ly, c.x) or self._square(c, lx, ly):
                del self._pending[i]
                continue
            for l, other in ((lx, c.y), (ly, c.x)):
                # the key stays a valid fact after the forms change: x = lead * L forever
                key, lead = _normalized(l)
                known = self._groups.get(key)
                if known is None:
                    self._groups[key] = (lead, other)
                    continue
                lead2, other2 = known
                e = {other: lead}
                e[other2] = e.get(other2, 0) - lead2
                self._equate(e, f"inverse of one form ({other}, {other2})")

    def _constant_side(self, x: str, lx: dict, y: str) -> bool:
        if any(k is not None for k in lx):
            return False
        c = Fraction(lx.get(None, 0))
        if c == 0:
            raise Contradiction(f"{x} * {y} = 1 with {x} = 0", real=not self.box_facts)
        self._equate({y: 1, None: -1 / c}, f"{y} = 1/({c})" if c.denominator != 1 else f"{y} = 1/{c}")
        return True

    def _square(self, c: Inv, lx: dict, ly: dict) -> bool:
        if len(lx) != 1 or len(ly) != 1 or set(lx) != set(ly):
            return False
        (t, a), = lx.items()
        b = ly[t]
        if a * b <= 0:
            raise Contradiction(f"{c.x} * {c.y} = 1 reduces to ({a * b}) {t}^2 = 1", real=not self.box_facts)
        r = _rational_sqrt(1 / (a * b))
        if r is None:
            return False
        if self.box:
            self.fix({t: r if a > 0 else -r}, box_fact=True)
            return True
        comp = self._component[t]
        if comp in self._sign_chosen:
            return False
        self._sign_chosen.add(comp)  # once per component: the negation symmetry
        self.fix({t: r}, box_fact=False)
        return True

    # -- what is left ------------------------------------------------------------------
    def residual(self) -> list[ResidualPart]:
        """The products and bounds left, split into variable-disjoint parts (networkx)."""
        products = []
        seen: set[frozenset] = set()
        for c in self.pending:
            lx, ly = self.form(c.x), self.form(c.y)
            poly = _product(lx, ly)
            if poly not in seen:  # a repeated polynomial is the same equation
                seen.add(poly)
                products.append((_form(lx), _form(ly)))
        bounds = []
        if self.box:
            for v in self.formula.variables:
                l = self.form(v)
                if any(k is not None for k in l):
                    bounds.append(_form(l))
        g = nx.Graph()
        items = [("p", p) for p in products] + [("b", b) for b in bounds]
        for i, (_, it) in enumerate(items):
            forms = it if _ == "p" else (it,)
            vs = [k for f in forms for k, _v in f if k is not None]
            g.add_node(("item", i))
            for v in vs:
                g.add_edge(("item", i), ("var", v))
        order = {v: i for i, v in enumerate(self.formula.variables)}
        parts = []
        for nodes in nx.connected_components(g):
            vs = sorted((n[1] for n in nodes if n[0] == "var"), key=order.__getitem__)
            idx = sorted(n[1] for n in nodes if n[0] == "item")
            if not vs:
                continue
            parts.append(ResidualPart(tuple(vs), tuple(items[i][1] for i in idx if items[i][0] == "p"),
                                      tuple(items[i][1] for i in idx if items[i][0] == "b")))
        parts.sort(key=lambda p: order[p.variables[0]])
        return parts

    def assemble(self, values: Mapping[str, Number]) -> dict[str, Number]:
        """All variables from values of (some) free variables; other free ones get 1."""
        out: dict[str, Number] = {}
        for v in self.formula.variables:
            total: Number = Fraction(0)
            for k, coef in self.form(v).items():
                term = Fraction(coef) if k is None else mul(Fraction(coef), values.get(k, Fraction(1)))
                total = add(total, term)
            out[v] = total
        return out

    def support_groups(self, limit: int) -> list[tuple[frozenset, list[tuple[Form, Form]]]]:
        """Pending products grouped by their set of free variables (at most ``limit`` of
        them), those with at least as many products as variables, most products first."""
        groups: dict[frozenset, list] = defaultdict(list)
        seen: set[frozenset] = set()
        for c in self.pending:
            lx, ly = self.form(c.x), self.form(c.y)
            s = frozenset(k for k in list(lx) + list(ly) if k is not None)
            if len(s) <= limit:
                poly = _product(lx, ly)
                if poly in seen:
                    continue
                seen.add(poly)
                groups[s].append((_form(lx), _form(ly)))
        out = [(s, ps) for s, ps in groups.items() if len(ps) >= len(s)]
        out.sort(key=lambda sp: (-len(sp[1]), sorted(sp[0])))
        return out
