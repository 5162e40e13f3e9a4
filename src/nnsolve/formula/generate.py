"""Seeded ETR-INV formulas with a planted solution in [1/2, 2]^n.

>>> f, sol = planted_formula(constraints=6, seed=3)
>>> from nnsolve.formula.model import satisfies, in_box
>>> satisfies(f, sol) and in_box(sol)
True
"""

from __future__ import annotations

import random
from fractions import Fraction

from nnsolve.formula.model import Add, Formula, Inv

BOX_VALUES = tuple(sorted({Fraction(p, q) for q in range(1, 5) for p in range(1, 9)
                           if Fraction(1, 2) <= Fraction(p, q) <= 2}))


def planted_formula(constraints: int, seed: int, inversions: float = 0.4,
                    start_variables: int = 2) -> tuple[Formula, dict[str, Fraction]]:
    """A connected-ish random formula satisfied by a planted rational solution.

    Each step adds x * y = 1 (y new or an existing variable of value 1/x) or
    x + y = z with x + y in the box (z new or an existing variable of that value).
    """
    rng = random.Random(f"planted-formula-{constraints}-{seed}")
    sol: dict[str, Fraction] = {}
    by_value: dict[Fraction, list[str]] = {}

    def var(value: Fraction) -> str:
        existing = by_value.get(value)
        if existing and rng.random() < 0.5:
            return rng.choice(existing)
        name = f"x{len(sol)}"
        sol[name] = value
        by_value.setdefault(value, []).append(name)
        return name

    for _ in range(start_variables):
        v = rng.choice(BOX_VALUES)
        name = f"x{len(sol)}"
        sol[name] = v
        by_value.setdefault(v, []).append(name)
    cons = []
    names = list(sol)
    while len(cons) < constraints:
        names = list(sol)
        x = rng.choice(names)
        if rng.random() < inversions and Fraction(1, 2) <= 1 / sol[x] <= 2:
            cons.append(Inv(x, var(1 / sol[x])))
            continue
        partners = [y for y in rng.sample(names, min(len(names), 8)) if sol[x] + sol[y] <= 2]
        if partners:
            y = rng.choice(partners)
            cons.append(Add(x, y, var(sol[x] + sol[y])))
    return Formula(tuple(sol), tuple(cons), status="sat",
                   source=f"nnsolve gen: planted solution, {constraints} constraints, seed {seed}"), sol


def planted_contradiction(constraints: int, seed: int) -> Formula:
    """A planted formula made unsat over the reals: for a variable x in an
    inversion x * y = 1, add x + x = x, which forces x = 0 (no real solution)."""
    f, _ = planted_formula(max(constraints - 2, 1), seed)
    rng = random.Random(f"planted-contradiction-{constraints}-{seed}")
    x = rng.choice(f.variables)
    y = f"x{len(f.variables)}"
    cons = f.constraints + (Inv(x, y), Add(x, x, x))
    return Formula(f.variables + (y,), cons, status="unsat",
                   source=f"nnsolve gen: planted contradiction ({x} + {x} = {x} and {x} * {y} = 1), "
                          f"{len(cons)} constraints, seed {seed}")


# -- planted irrational solutions ------------------------------------------------------

def _irrational_core(degree: int, rng: random.Random, prefix: str, attempts: int = 20000):
    """A small formula whose box solutions have a value of the given algebraic degree.

    Random straight-line programs over one unknown x and the constant 1 (u * u = 1):
    each step adds 1/v or v + w of earlier variables, tracked exactly as rational
    functions of x (FLINT fmpq_poly numerator/denominator); a closing constraint
    (v * w = 1 or v + w = z) gives a polynomial equation P(x) = 0.  A program is
    kept when P has an irreducible factor of the requested degree with a real root
    alpha at which every variable is defined and lies in [1/2, 2] (checked exactly in
    Q(alpha)).  Returns (variables, constraints, values as field elements, field) or None.
    """
    from flint import fmpq_poly

    one, gen = fmpq_poly([1]), fmpq_poly([0, 1])
    for _ in range(attempts):
        vals = [(gen, one), (one, one)]
        cons: list = [("inv", 1, 1)]
        for _step in range(rng.randint(1, 3 + 2 * degree)):
            if rng.random() < 0.5:
                i = rng.randrange(len(vals))
                n, d = vals[i]
                vals.append((d, n))
                cons.append(("inv", i, len(vals) - 1))
            else:
                i, j = rng.randrange(len(vals)), rng.randrange(len(vals))
                (n1, d1), (n2, d2) = vals[i], vals[j]
                n, d = n1 * d2 + n2 * d1, d1 * d2
                g = n.gcd(d)
                vals.append((n / g, d / g) if not g.is_zero() else (n, d))
                cons.append(("add", i, j, len(vals) - 1))
        if rng.random() < 0.5:
            i, j = rng.randrange(len(vals)), rng.randrange(len(vals))
            (n1, d1), (n2, d2) = vals[i], vals[j]
            closing = n1 * n2 - d1 * d2
            cons.append(("inv", i, j))
        else:
            i, j, k = (rng.randrange(len(vals)) for _ in range(3))
            (n1, d1), (n2, d2), (n3, d3) = vals[i], vals[j], vals[k]
            closing = (n1 * d2 + n2 * d1) * d3 - n3 * d1 * d2
            cons.append(("add", i, j, k))
        if closing.is_zero() or closing.degree() < degree:
            continue
        found = _valid_roots(closing, vals, degree)
        if found is None:
            continue
        alpha, field, elements = found
        names = [f"{prefix}{i}" for i in range(len(vals))]
        constraints = [Inv(names[c[1]], names[c[2]]) if c[0] == "inv"
                       else Add(names[c[1]], names[c[2]], names[c[3]]) for c in cons]
        return names, constraints, elements, field
    return None


def _valid_roots(closing, vals, degree: int):
    """The planted root for a core program, or None.

    Every real root of the closing polynomial in [1/2, 2] at which all the program's
    values are defined and in the box is a possible value of x in a box solution.  The
    program is kept only if such roots exist and all of them have the requested degree
    (so every box solution has it); returns (alpha, Q(alpha), the values in Q(alpha))
    for the first, else None.
    """
    from flint import fmpq

    from nnsolve.fields import NumberField
    from nnsolve.numbers import _frac, _isolate, _normalize, _rational_root, _tuple

    half, two = fmpq(1, 2), fmpq(2)
    planted = None
    for f, _mult in closing.numer().factor()[1]:
        poly = _tuple(f)
        if len(poly) == 2:
            r = _rational_root(poly)
            r = fmpq(r.numerator, r.denominator)
            if half <= r <= two:
                values = []
                for n, d in vals:
                    if d(r) == 0:
                        break
                    values.append(n(r) / d(r))
                else:
                    if all(half <= v <= two for v in values):
                        return None  # a rational box solution
            continue
        for a, b in _isolate(poly):
            if b < half or a > two:
                continue
            alpha = _normalize(poly, _frac(a), _frac(b))
            if _frac(half) > alpha or alpha > _frac(two):
                continue
            field = NumberField(alpha)
            elements = []
            for n, d in vals:
                dm = d % field.modulus
                if dm.is_zero():
                    break
                v = field.mul(n % field.modulus, field._inverse(dm))
                if (field.sign(field.sub(v, field.constant(Fraction(1, 2)))) < 0
                        or field.sign(field.sub(v, field.constant(Fraction(2)))) > 0):
                    break
                elements.append(v)
            else:
                if len(poly) - 1 != degree:
                    return None  # a box solution of another degree
                if planted is None:
                    planted = alpha, field, elements
    return planted


def _any_core(degree: int, rng: random.Random, prefix: str, tries: int = 20):
    """A core of the given degree: directly, or for degree = d1 * d2 two cores tied by
    one sum x + y = z whose value has the full degree (checked exactly)."""
    from nnsolve.fields import common_field

    core = _irrational_core(degree, rng, prefix)
    if core is not None:
        return core
    d1 = next((p for p in range(2, degree) if degree % p == 0), None)
    if d1 is None:
        return None
    for attempt in range(tries):
        first = _any_core(d1, rng, f"{prefix}a{attempt}_")
        second = _any_core(degree // d1, rng, f"{prefix}b{attempt}_")
        if first is None or second is None:
            return None
        values = {n: f.to_number(e) for (ns, _, es, f) in (first, second) for n, e in zip(ns, es)}
        field = common_field(values.values())
        if field.degree != degree:
            continue
        elements = {n: field.embed(values[n]) for n in values}
        two = field.constant(Fraction(2))
        for x in first[0]:
            for y in second[0]:
                s = field.add(elements[x], elements[y])
                z = field.to_number(s)
                if field.sign(field.sub(s, two)) <= 0 and len(getattr(z, "poly", ())) - 1 == degree:
                    names = first[0] + second[0] + [f"{prefix}s{attempt}"]
                    cons = first[1] + second[1] + [Add(x, y, names[-1])]
                    return names, cons, [elements[n] for n in names[:-1]] + [s], field
    return None


def planted_irrational_formula(constraints: int, degree: int, seed: int,
                               inversions: float = 0.4) -> tuple[Formula, dict]:
    """A formula whose every box solution has values of algebraic degree ``degree``,
    with one such solution planted (returned exactly, as numbers).

    A core (:func:`_irrational_core`, or for a degree no small program reaches, the
    sum of two cores of degrees d1 * d2 = degree, checked to have degree ``degree``)
    forces an algebraic value alpha; the rest grows like :func:`planted_formula`:
    x * y = 1 or x + y = z over existing values, every value computed exactly in
    Q(alpha) and kept in the box, so the planted solution lives in a number field of
    degree ``degree`` at every size.

    >>> f, sol = planted_irrational_formula(constraints=12, degree=3, seed=1)
    >>> from nnsolve.formula.model import satisfies, in_box
    >>> satisfies(f, sol) and in_box(sol) and len(f.constraints) >= 12
    True
    >>> max(len(getattr(v, "poly", (0, 0))) - 1 for v in sol.values())
    3
    """
    if degree < 2:
        raise ValueError("degree must be at least 2")
    rng = random.Random(f"planted-irrational-{constraints}-{degree}-{seed}")
    core = _any_core(degree, rng, "x")
    if core is None:
        raise ValueError(f"no core of degree {degree} found; try another seed")
    names, cons, elements, field = core
    sol_elements = dict(zip(names, elements))
    half, two = field.constant(Fraction(1, 2)), field.constant(Fraction(2))

    def in_box(v) -> bool:
        return field.sign(field.sub(v, half)) >= 0 and field.sign(field.sub(v, two)) <= 0

    by_value: dict = {}
    for n, v in sol_elements.items():
        by_value.setdefault(field.key(v), []).append(n)
    cons = list(cons)

    def var(value) -> str:
        existing = by_value.get(field.key(value))
        if existing and rng.random() < 0.5:
            return rng.choice(existing)
        name = f"y{len(sol_elements)}"
        sol_elements[name] = value
        by_value.setdefault(field.key(value), []).append(name)
        return name

    while len(cons) < constraints:
        names_now = list(sol_elements)
        x = rng.choice(names_now)
        vx = sol_elements[x]
        if rng.random() < inversions:
            inv = field._inverse(vx)
            if in_box(inv):
                cons.append(Inv(x, var(inv)))
            continue
        partners = [y for y in rng.sample(names_now, min(len(names_now), 8))
                    if in_box(field.add(vx, sol_elements[y]))]
        if partners:
            y = rng.choice(partners)
            cons.append(Add(x, y, var(field.add(vx, sol_elements[y]))))
    values_cache: dict = {}
    sol = {}
    for n, v in sol_elements.items():
        k = field.key(v)
        if k not in values_cache:
            values_cache[k] = field.to_number(v)
        sol[n] = values_cache[k]
    return Formula(tuple(sol_elements), tuple(cons), status="sat",
                   source=f"nnsolve gen: planted irrational solution (algebraic degree {degree}), "
                          f"{len(cons)} constraints, seed {seed}"), sol
