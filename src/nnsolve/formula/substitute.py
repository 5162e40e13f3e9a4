"""Exact solving of a residual part by substitution (a deduction, with no solver).

A residual part (:class:`nnsolve.formula.simplify.ResidualPart`) is a conjunction
of products ``L_x * L_y = 1`` of affine forms over free variables and, in box mode,
bounds ``1/2 <= L <= 2``.  Given values of some free variables, a product whose
forms mention exactly one variable t without a value is an equation in t of degree
at most 2:

* t in one form only, ``(a t + b) * l = 1`` with l the other form's value: no
  solution if l = 0, else ``t = (1/l - b) / a``, the only value t can take;
* t in both forms, ``(a t + b)(c t + d) = 1``: a quadratic (a c != 0); when its
  coefficients are rational, its real roots (exact, ``numbers.real_roots``) are
  all the values t can take: one branch each.

The search starts with no values, takes forced (linear) steps first and branches
on quadratic ones; after each round every product and bound whose variables all
have values is checked exactly, and a failed check ends the branch.  Each step
lists every value t can take given the values before it, so, when no branch is
given up, the complete surviving branches are exactly the part's solutions:

* none survives: the part has no solution (in box mode: none within the bounds);
* exactly one: it is the part's only solution;
* otherwise, or when a branch gets stuck (an unvalued variable in no product with
  one unvalued variable, a quadratic with irrational coefficients, a field that
  would pass degree ``MAX_DEGREE``) or the branch limit is reached: unknown.

Values live in one exact field per branch (:mod:`nnsolve.fields`): Q until the
first irrational root r, then Q(r), and Q(r + s r') when a root r' lies outside it
(two independent quadratic cores: degree 4).  The planted irrational formulas of degree 2
(``nnsolve gen --irrational 2``) reduce to one such quadratic and a chain of
forced steps (docs/etr-simplification.md, step 9).

>>> from fractions import Fraction as F
>>> from nnsolve.formula.simplify import ResidualPart
>>> golden = ResidualPart(("t", "u"), (((("t", F(1)),), ((None, F(1)), ("t", F(1)))),   # t (1 + t) = 1
...                                    ((("u", F(1)),), (("t", F(1)),))), ())              # u t = 1
>>> s = solve_part(golden)
>>> s.status, s.reason
('unknown', '2 solutions')
>>> boxed = ResidualPart(golden.variables, golden.products, ((("t", F(1)),),))   # 1/2 <= t <= 2
>>> s = solve_part(boxed)
>>> s.status, s.values["u"] - s.values["t"]
('sat', Fraction(1, 1))
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from fractions import Fraction
from typing import Mapping

from nnsolve.fields import NumberField, RationalField
from nnsolve.formula.model import BOX_HIGH, BOX_LOW
from nnsolve.numbers import AlgebraicNumber, Number, real_roots

SAT, UNSAT, UNKNOWN = "sat", "unsat", "unknown"
#: at most this many branches (quadratic steps double them)
MAX_BRANCHES = 64
#: a branch's field grows (a root outside it) up to this degree over Q
MAX_DEGREE = 12


@dataclass(frozen=True)
class PartSolution:
    status: str                                  # sat (the only solution), unsat, unknown
    values: Mapping[str, Number] | None = None
    reason: str | None = None


class _Stuck(Exception):
    pass


def form_variables(form) -> frozenset:
    """The variables an affine form (pairs (variable or None, coefficient)) mentions."""
    return frozenset(k for k, _ in form if k is not None)


def solve_part(part, max_branches: int = MAX_BRANCHES) -> PartSolution:
    """The part's solution if it is unique, or unsat, or unknown (module docstring)."""
    return _search(part, RationalField(), {}, max_branches, unique=True)


def extend_part(part, seeds: Mapping[str, Number], max_branches: int = MAX_BRANCHES,
                deadline: float | None = None) -> PartSolution:
    """A solution of ``part`` that gives the variables of ``seeds`` their values, found by
    the same forced and quadratic steps: ``sat`` with the first complete branch's values
    (every product and bound of the part checked exactly; *not* claimed to be the only
    solution), else ``unknown`` (never ``unsat``: the seeds may simply be wrong).  Past
    ``deadline`` (a ``time.monotonic()`` value) it stops between steps with ``unknown``.

    For a part whose core no single step opens (a bivariate core, as the generated
    formulas of degree 3 and up have), a seed from elsewhere (a solver's model of a small
    piece of the part) can open it; the values found are then checked like any model.

    >>> from fractions import Fraction as F
    >>> from nnsolve.formula.simplify import ResidualPart
    >>> from nnsolve.numbers import AlgebraicNumber
    >>> # s t = 1, u = s + t ... written as products: s * t = 1, u * w = 1 with w = s + t
    >>> part = ResidualPart(("s", "t", "w"), (((("s", F(1)),), (("t", F(1)),)),
    ...                                       ((("w", F(1)),), (("s", F(1)), ("t", F(1))))), ())
    >>> extend_part(part, {"s": F(2)}).values == {"s": F(2), "t": F(1, 2), "w": F(2, 5)}
    True
    >>> extend_part(part, {"s": F(0)}).status
    'unknown'
    """
    field, known = RationalField(), {}
    for t, r in seeds.items():  # one seed at a time, as a branch takes its roots: degrees multiply
        if t not in part.variables:
            return PartSolution(UNKNOWN, reason=f"seed {t} is not a variable of the part")
        grown = _with_value(field, known, t, r)
        if grown is None:
            return PartSolution(UNKNOWN, reason=f"the seeds need a field of degree over {MAX_DEGREE}")
        field, known = grown
    found = _search(part, field, known, max_branches, unique=False, deadline=deadline)
    if found.status == UNSAT:
        return PartSolution(UNKNOWN, reason=f"no solution extends the seeds ({found.reason})")
    return found


def _search(part, field, known: dict, max_branches: int, unique: bool,
            deadline: float | None = None) -> PartSolution:
    """Forced steps and quadratic branches from (``field``, ``known``).  ``unique``: every
    branch is followed and sat means the only solution; else the first complete branch."""
    products = [(tuple(a), tuple(b), form_variables(a) | form_variables(b)) for a, b in part.products]
    bounds = [(tuple(b), form_variables(b)) for b in part.bounds]
    variables = list(part.variables)
    uses: dict = {v: [] for v in variables}  # variable -> items (products, then bounds) using it
    for i, (_, _, vs) in enumerate(products):
        for v in vs:
            uses[v].append(i)
    for i, (_, vs) in enumerate(bounds):
        for v in vs:
            uses[v].append(len(products) + i)
    solutions: list[tuple] = []
    stack = [(field, dict(known))]
    created = 1
    while stack:
        if deadline is not None and time.monotonic() > deadline:
            return PartSolution(UNKNOWN, reason="out of time")
        field, known = stack.pop()
        try:
            children = _step(field, known, products, bounds, variables, uses)
        except _Stuck as e:
            return PartSolution(UNKNOWN, reason=str(e))
        if children is None:           # dead branch
            continue
        if children == "complete":
            solutions.append((field, known))
            if not unique:
                break
            if len(solutions) > 1:
                return PartSolution(UNKNOWN, reason="2 solutions")
            continue
        created += len(children)
        if created > max_branches:
            return PartSolution(UNKNOWN, reason=f"more than {max_branches} branches")
        stack.extend(children)
    if not solutions:
        return PartSolution(UNSAT, reason="every value the products allow fails a product or a bound")
    field, known = solutions[0]
    return PartSolution(SAT, {v: field.to_number(known[v]) for v in variables})


def _value(field, form, known, skip=None):
    """(coefficient of ``skip``, value of the rest) of an affine form."""
    a, total = Fraction(0), field.constant(Fraction(0))
    for k, c in form:
        if k is None:
            total = field.add(total, field.constant(c))
        elif k == skip:
            a += c
        else:
            total = field.add(total, field.scale(known[k], c))
    return a, total


def _step(field, known: dict, products, bounds, variables, uses):
    """Forced steps and checks in place; then None (dead), "complete", or the children
    of a quadratic step [(field, known), ...].  Raises _Stuck.  A worklist: an item
    (product or bound) is looked at again only when one of its variables got a value."""
    one = field.constant(Fraction(1))
    lo, hi = field.constant(BOX_LOW), field.constant(BOX_HIGH)
    queue = list(range(len(products) + len(bounds)))
    while queue:
        i = queue.pop()
        if i >= len(products):
            form, vs = bounds[i - len(products)]
            if all(v in known for v in vs):
                _, x = _value(field, form, known)
                if field.sign(field.sub(x, lo)) < 0 or field.sign(field.sub(x, hi)) > 0:
                    return None
            continue
        lx, ly, vs = products[i]
        unknown = [v for v in vs if v not in known]
        if not unknown:
            _, x = _value(field, lx, known)
            _, y = _value(field, ly, known)
            if field.sign(field.sub(field.mul(x, y), one)) != 0:
                return None
        elif len(unknown) == 1:
            t = unknown[0]
            a, b = _value(field, lx, known, t)
            c, d = _value(field, ly, known, t)
            if a and c:
                continue  # quadratic: after the forced steps
            if not a:     # swap: t in the first form only
                a, b, c, d = c, d, a, b
            if field.sign(d) == 0:
                return None  # (a t + b) * 0 = 1
            known[t] = field.scale(field.sub(field.inv(d), b), 1 / a)
            queue.extend(uses[t])
    if all(v in known for v in variables):
        return "complete"
    reason = "an unvalued variable in no product with one unvalued variable"
    for lx, ly, vs in products:
        unknown = [v for v in vs if v not in known]
        if len(unknown) != 1:
            continue
        t = unknown[0]
        a, b = _value(field, lx, known, t)
        c, d = _value(field, ly, known, t)
        # (a t + b)(c t + d) - 1 = ac t^2 + (ad + bc) t + (bd - 1)
        coeffs = [field.constant(a * c), field.add(field.scale(d, a), field.scale(b, c)),
                  field.sub(field.mul(b, d), one)]
        rational = [_rational(field, u) for u in coeffs]
        if any(q is None for q in rational):
            reason = "a quadratic with irrational coefficients"
            continue
        den = 1
        for q in rational:
            den = den * q.denominator // _gcd(den, q.denominator)
        children = []
        for r in real_roots([int(q * den) for q in rational]):
            child = _with_value(field, known, t, r)
            if child is None:
                raise _Stuck(f"a root of a quadratic in {t} would need a field of degree over {MAX_DEGREE}")
            children.append(child)
        return children
    raise _Stuck(reason)


def _with_value(field, known: dict, t: str, r: Number):
    """(field, known + {t: r}) in a field holding r: ``field`` itself, or a larger one
    generated by a primitive element of Q(theta, r); None when that could pass degree
    ``MAX_DEGREE``."""
    if isinstance(r, Fraction):
        out = dict(known)
        out[t] = field.constant(r)
        return field, out
    assert isinstance(r, AlgebraicNumber)
    if isinstance(field, RationalField):
        new = NumberField(r)
        out = {k: new.constant(field.to_number(v)) for k, v in known.items()}
        out[t] = new.embed(r)
        return new, out
    if field.contains(r):
        out = dict(known)
        out[t] = field.embed(r)
        return field, out
    if field.degree * (len(r.poly) - 1) > MAX_DEGREE:
        return None
    # a root of another field (two independent cores, degree 2 each): Q(theta, r) =
    # Q(r + s theta).  An element of Q(theta) is a polynomial in theta: written in the
    # grown field by substituting theta's image (one embedding, exact) instead of
    # embedding each value anew (about 5 s a value at degree 12)
    grown = NumberField(field.primitive_with(r))
    image = grown.embed(field.theta)
    out = {k: v(image) % grown.modulus for k, v in known.items()}
    out[t] = grown.embed(r)
    return grown, out


def _rational(field, u) -> Fraction | None:
    n = field.to_number(u) if isinstance(field, RationalField) or u.degree() <= 0 else None
    return n if isinstance(n, Fraction) else None


def _gcd(a: int, b: int) -> int:
    while b:
        a, b = b, a % b
    return a
