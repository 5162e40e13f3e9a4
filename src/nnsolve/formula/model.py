"""The ETR-INV formula model: conjunctions of x + y = z and x * y = 1.

>>> f = Formula(("x", "y"), (Inv("x", "y"), Add("x", "x", "y")))
>>> from fractions import Fraction
>>> check_assignment(f, {"x": Fraction(1), "y": Fraction(2)})
[Inv(x='x', y='y')]
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Mapping, Union

from nnsolve.numbers import Number, add, mul, sign

BOX_LOW = Fraction(1, 2)
BOX_HIGH = Fraction(2)


@dataclass(frozen=True)
class Add:
    """x + y = z (variables may repeat)."""

    x: str
    y: str
    z: str

    @property
    def variables(self) -> tuple[str, ...]:
        return (self.x, self.y, self.z)


@dataclass(frozen=True)
class Inv:
    """x * y = 1 (x and y may be the same variable)."""

    x: str
    y: str

    @property
    def variables(self) -> tuple[str, ...]:
        return (self.x, self.y)


Constraint = Union[Add, Inv]


@dataclass(frozen=True)
class Formula:
    """A conjunction of constraints over declared real variables.

    ``status`` is the expected status recorded in the file (``sat``, ``unsat``,
    ``promise-violated`` or None) and ``source`` a free-text provenance note;
    both are written back by :func:`nnsolve.formula.to_smtlib`.
    """

    variables: tuple[str, ...]
    constraints: tuple[Constraint, ...]
    status: str | None = None
    source: str | None = None

    def __post_init__(self) -> None:
        if len(set(self.variables)) != len(self.variables):
            raise ValueError("variables must be distinct")
        declared = set(self.variables)
        for c in self.constraints:
            missing = [v for v in c.variables if v not in declared]
            if missing:
                raise ValueError(f"constraint {c} uses undeclared variables {missing}")


def _holds(c: Constraint, values: Mapping[str, Number]) -> bool:
    if isinstance(c, Add):
        return sign(add(values[c.x], values[c.y]) - values[c.z]) == 0
    return sign(mul(values[c.x], values[c.y]) - 1) == 0


def check_assignment(formula: Formula, values: Mapping[str, Number]) -> list[Constraint]:
    """The constraints that ``values`` violates, decided exactly."""
    missing = [v for v in formula.variables if v not in values]
    if missing:
        raise ValueError(f"no value for variables {missing}")
    return [c for c in formula.constraints if not _holds(c, values)]


def satisfies(formula: Formula, values: Mapping[str, Number]) -> bool:
    """True iff ``values`` satisfies every constraint exactly."""
    return not check_assignment(formula, values)


def in_box(values: Mapping[str, Number], low: Fraction = BOX_LOW, high: Fraction = BOX_HIGH) -> bool:
    """True iff every value lies in [low, high] (exact comparisons)."""
    return all(sign(v - low) >= 0 and sign(high - v) >= 0 for v in values.values())
