"""SMT-LIB text for what exact elimination leaves over: bilinear definitions,
bounds and piecewise-linear equations in the free variables of a
:class:`nnsolve.elimination.LinearSystem`.

Every term is rewritten in the free variables first, so the solver sees only
the nonlinear core.  Names are made from the variable keys (tuples of strings
and integers) and are distinct for distinct keys (:func:`name`).

>>> from nnsolve.elimination import LinearSystem
>>> s = LinearSystem()
>>> s.equate({"x": 1, "y": -2})
>>> s.define("u", "x", "x")
>>> print(residual_query(s, [Bound({"y": 1}, Fraction(1), None)]).strip().splitlines()[-4])
(assert (= u (* (* 2.0 y) (* 2.0 y))))
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction
from typing import Hashable, Iterable, Mapping, Sequence

from nnsolve.elimination import LinearSystem
from nnsolve.terms import num


_IDENT = re.compile(r"[A-Za-z][A-Za-z0-9]*\Z")
_RESERVED = re.compile(r"[mv][0-9]")  # spellings of negative integers ("m5") and of the digit guard ("v0")
#: SMT-LIB 2.6 reserved words and the Core and Reals symbols a solver will not let a
#: declaration take (only a bare string key can spell one: a tuple's name holds "_")
#: (those with a "-", like check-sat, cannot be spelled by a readable name at all)
_TAKEN = frozenset("""BINARY DECIMAL HEXADECIMAL NUMERAL STRING as let exists forall match par
    assert exit push pop true false not and or xor distinct ite abs div mod""".split())


def name(variable: Hashable) -> str:
    """An SMT-LIB symbol for a variable key, distinct for distinct keys.

    Readable for the keys the deciders use: an integer (``m`` for minus) or a string of
    letters and digits alone, or a tuple of those and of tuples of two or more of them
    (``_`` between items, ``.`` inside a nested tuple, a trailing ``_`` for a tuple of
    one; ``v`` in front when the name would start with a digit).  Every other key is
    ``k~`` followed by its ``repr`` with each character but ASCII letters and digits
    written ``~<hex>.``.  Why distinct: the readable names never contain ``~``, and
    each is read back uniquely (a leading ``v`` and a digit is the guard, since the
    strings taken as they are never start so; ``_`` splits items, ``.`` nested items,
    and an item is an integer, a minus integer or a string by its first character);
    the others are ``repr``, distinct for distinct tuples of integers and strings.
    A bare string that SMT-LIB reserves (``let``, ``true``, ``and``, ...) is escaped too.
    Keys are integers (not bools), strings and tuples of them; equal keys of other
    types (``1`` and ``1.0``) are not promised one name.

    >>> name(("K", 3, 1, 0)), name((("x", 2), "k", 0)), name(((0, 1), "K")), name(("x",)), name("k")
    ('K_3_1_0', 'x.2_k_0', 'v0.1_K', 'x_', 'k')
    >>> name(("K_3", 1)) != name(("K", 3, 1)), name(("x", -3)), name(("m3",))
    (True, 'x_m3', 'k~~28.~27.m3~27.~2c.~29.')
    """
    text = _readable(variable)
    if text is None or text in _TAKEN:
        return "k~" + "".join(ch if ch.isascii() and ch.isalnum() else f"~{ord(ch):x}." for ch in repr(variable))
    return "v" + text if text[:1].isdigit() else text  # a symbol may not start with a digit


def _atom(x: Hashable) -> str | None:
    if isinstance(x, int) and not isinstance(x, bool):
        return str(x) if x >= 0 else "m" + str(-x)
    if isinstance(x, str) and _IDENT.match(x) and not _RESERVED.match(x):
        return x
    return None


def _readable(variable: Hashable) -> str | None:
    atom = _atom(variable)
    if atom is not None or not isinstance(variable, tuple) or not variable:
        return atom
    parts = []
    for p in variable:
        atom = _atom(p)
        if atom is None:
            inner = [_atom(q) for q in p] if isinstance(p, tuple) and len(p) >= 2 else [None]
            if None in inner:
                return None
            atom = ".".join(inner)
        parts.append(atom)
    return "_".join(parts) + ("_" if len(parts) == 1 else "")


@dataclass(frozen=True)
class Bound:
    """lo <= expr <= hi (None: unbounded on that side; ``strict``: lo < expr < hi)."""

    expr: Mapping
    lo: Fraction | None
    hi: Fraction | None
    strict: bool = False


@dataclass(frozen=True)
class PiecewiseEquation:
    """base + sum over (cond, t, term): (ite (<= cond t) term 0) = 0, all expressions linear."""

    base: Mapping
    pieces: tuple[tuple[Mapping, Fraction, Mapping], ...]


@dataclass(frozen=True)
class NonZero:
    """Not all of these expressions are 0 (a jump vector that is not zero)."""

    exprs: tuple[Mapping, ...]


def term(expr: Mapping) -> str:
    parts = []
    for k, c in expr.items():
        if k is None:
            parts.append(num(c))
        elif c == 1:
            parts.append(name(k))
        else:
            parts.append(f"(* {num(c)} {name(k)})")
    if len(parts) == 1:
        return parts[0]  # cvc5 rejects a unary +
    return "(+ " + " ".join(parts) + ")" if parts else "0.0"


def assertions(system: LinearSystem, bounds: Iterable[Bound] = (),
               equations: Iterable[PiecewiseEquation] = (), nonzero: Iterable[NonZero] = (),
               slack: Fraction | None = None) -> tuple[list[str], set]:
    """The residual's assertions (without declarations) and the free variables they use.
    With ``slack`` each bilinear definition U = K k is relaxed to |U - K k| <= slack (a
    relaxation: every solution stays one)."""
    used: set = set()
    out = []

    def t(expr: Mapping) -> str:
        e = system.reduce_stored(expr)  # exact rationals, written by num without a Fraction
        used.update(k for k in e if k is not None)
        return term(e)

    for product, left, right in system.bilinear:
        if slack is None:
            out.append(f"(assert (= {t({product: 1})} (* {t({left: 1})} {t({right: 1})})))")
        else:
            gap = f"(- {t({product: 1})} (* {t({left: 1})} {t({right: 1})}))"
            out.append(f"(assert (and (<= {gap} {num(slack)}) (<= {num(-slack)} {gap})))")
    for b in bounds:
        e = t(b.expr)
        op = "<" if b.strict else "<="
        if b.lo is not None:
            out.append(f"(assert ({op} {num(b.lo)} {e}))")
        if b.hi is not None:
            out.append(f"(assert ({op} {e} {num(b.hi)}))")
    for eq in equations:
        parts = [t(eq.base)] + [f"(ite (<= {t(cond)} {num(at)}) {t(piece)} 0.0)" for cond, at, piece in eq.pieces]
        out.append(f"(assert (= (+ {' '.join(parts)}) 0.0))")
    for nz in nonzero:
        out.append("(assert (or " + " ".join(f"(not (= {t(e)} 0.0))" for e in nz.exprs) + "))")
    return out, used


def residual_components(system: LinearSystem, bounds: Sequence[Bound] = (),
                        equations: Sequence[PiecewiseEquation] = (), source: str = "",
                        slack: Fraction | None = None) -> list[str]:
    """The residual as one QF_NRA script per connected component (assertions that share
    a free variable, transitively, are in one component; assertions without variables
    form their own).  The components have disjoint variables, so the residual is sat iff
    every component is, and the union of their models is a model of it.  ``slack``: the
    bilinear definitions relaxed as in :func:`assertions`.

    >>> from nnsolve.elimination import LinearSystem
    >>> s = LinearSystem()
    >>> s.define(("u",), ("x",), ("x",))
    >>> s.define(("v",), ("y",), ("z",))
    >>> [q.count("declare-fun") for q in residual_components(s, [Bound({("x",): 1}, Fraction(1), None)])]
    [2, 3]
    """
    return [component_script(group, source) for group in component_items(system, bounds, equations, slack)]


def component_items(system: LinearSystem, bounds: Sequence[Bound] = (),
                    equations: Sequence[PiecewiseEquation] = (),
                    slack: Fraction | None = None) -> list[list[tuple[str, set]]]:
    """The residual's assertions as ``(text, free variables)`` items, one list per
    connected component, fewest variables first (the components of
    :func:`residual_components`, before they are written as scripts)."""
    groups = connected_groups(_items(system, bounds, equations, slack))
    return sorted(groups, key=lambda group: len(set().union(*(used for _, used in group))))


def component_script(items: Sequence[tuple[str, set]], source: str = "") -> str:
    """A QF_NRA script of these ``(text, free variables)`` items: each variable declared
    once, the assertions in order, one ``(check-sat)``.

    >>> print(component_script([("(assert (<= x 1.0))", {"x"})]), end="")
    (set-info :smt-lib-version 2.6)
    (set-logic QF_NRA)
    (declare-fun x () Real)
    (assert (<= x 1.0))
    (check-sat)
    (exit)
    """
    head = ["(set-info :smt-lib-version 2.6)", "(set-logic QF_NRA)"]
    if source:
        head.append(f'(set-info :source "{source}")')
    declared = set().union(*(used for _, used in items)) if items else set()
    decls = [f"(declare-fun {name(v)} () Real)" for v in sorted(declared, key=repr)]
    return "\n".join(head + decls + [text for text, _ in items] + ["(check-sat)", "(exit)"]) + "\n"


def connected_groups(items: Sequence[tuple[object, set]]) -> list[list[tuple[object, set]]]:
    """``(tag, variables)`` items grouped by shared variables, transitively (union-find);
    items without variables form one group of their own.

    >>> [[t for t, _ in g] for g in connected_groups([("a", {1}), ("b", {2}), ("c", {1, 3}), ("d", set())])]
    [['a', 'c'], ['b'], ['d']]
    """
    parent: dict = {}

    def find(v):
        while parent.setdefault(v, v) != v:
            parent[v] = parent[parent[v]]
            v = parent[v]
        return v

    # any variable of an item can stand for it: the groups (and their order, by first
    # item) do not depend on which one, so set order (hash seeds) does not matter
    for _, used in items:
        if not used:
            continue
        it = iter(used)
        first = find(next(it))
        for v in it:
            root = find(v)
            if root != first:
                parent[root] = first
    groups: dict = {}
    for item in items:
        used = item[1]
        groups.setdefault(find(next(iter(used))) if used else None, []).append(item)
    return list(groups.values())


def _items(system: LinearSystem, bounds, equations, slack=None) -> list[tuple[str, set]]:
    """Each assertion of :func:`assertions` with the free variables it uses."""
    out = []
    for product, left, right in system.bilinear:
        out.append(assertions(_Only(system, (product, left, right)), (), (), slack=slack))
    for b in bounds:
        out.append(assertions(_Only(system, None), (b,), ()))
    for eq in equations:
        out.append(assertions(_Only(system, None), (), (eq,)))
    return [(line, used) for lines, used in out for line in lines]


def selected_items(system: LinearSystem, bounds: Sequence[Bound], equations: Sequence[PiecewiseEquation],
                   tags: Iterable[tuple[str, int]]) -> list[tuple[str, set]]:
    """The items of :func:`_items` for the chosen assertions only: ``("d", i)`` the i-th
    bilinear definition of ``system``, ``("b", i)`` the i-th bound, ``("e", i)`` the i-th
    equation (a bound with two ends is two items).  Costs what is chosen, not the
    whole residual.

    >>> s = LinearSystem()
    >>> s.define("u", "x", "y")
    >>> [t for t, _ in selected_items(s, [Bound({"x": 1}, Fraction(0), Fraction(1))], [], [("b", 0), ("d", 0)])]
    ['(assert (<= 0.0 x))', '(assert (<= x 1.0))', '(assert (= u (* x y)))']
    """
    out = []
    for kind, i in tags:
        if kind == "d":
            out.append(assertions(_Only(system, system.bilinear[i]), (), ()))
        elif kind == "b":
            out.append(assertions(_Only(system, None), (bounds[i],), ()))
        else:
            out.append(assertions(_Only(system, None), (), (equations[i],)))
    return [(line, used) for lines, used in out for line in lines]


class _Only:
    """A view of a system with at most one of its bilinear definitions (for _items)."""

    def __init__(self, system: LinearSystem, definition) -> None:
        self.reduce_stored = system.reduce_stored
        self.bilinear = [definition] if definition is not None else []


def residual_query(system: LinearSystem, bounds: Sequence[Bound] = (),
                   equations: Sequence[PiecewiseEquation] = (), source: str = "",
                   nonzero: Sequence[NonZero] = (), slack: Fraction | None = None) -> str:
    """A QF_NRA script: sat iff the system with these bounds, equations and nonzero
    conditions has a real solution (with ``slack``: the relaxation of :func:`assertions`)."""
    body, used = assertions(system, bounds, equations, nonzero, slack)
    head = ["(set-info :smt-lib-version 2.6)", "(set-logic QF_NRA)"]
    if source:
        head.append(f'(set-info :source "{source}")')
    head += [f"(declare-fun {name(v)} () Real)" for v in sorted(used, key=repr)]
    return "\n".join(head + body + ["(check-sat)", "(exit)"]) + "\n"


def disjunction_query(parts: Sequence[tuple[LinearSystem, Sequence[Bound]]], source: str = "") -> str:
    """A QF_NRA script: sat iff some part (system and bounds, with disjoint variables)
    has a real solution."""
    head = ["(set-info :smt-lib-version 2.6)", "(set-logic QF_NRA)"]
    if source:
        head.append(f'(set-info :source "{source}")')
    declared: set = set()
    disjuncts = []
    for system, bounds in parts:
        body, used = assertions(system, bounds)
        declared |= used
        inner = [line[len("(assert "):-1] for line in body]
        disjuncts.append("(and " + " ".join(inner) + " true)")
    head += [f"(declare-fun {name(v)} () Real)" for v in sorted(declared, key=repr)]
    return "\n".join(head + ["(assert (or " + " ".join(disjuncts) + " false))", "(check-sat)", "(exit)"]) + "\n"
