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
