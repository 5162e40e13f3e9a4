"""Witness maps of the reduction.

forward_map: an exact solution in [1/2, 2]^n -> a network (the sum over gadgets
of their canonical fits along their stripes) that fits the instance exactly.

backward_map: any exactly fitting network -> values read off the variable
gadgets' measuring lines (x_v = f_1(V_v at t = 5) - 4, i.e. s - 1 with the
reading 3 + s saturating at s = 3), checked exactly against the formula.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Mapping

from nnsolve.formula.model import Constraint, check_assignment, in_box
from nnsolve.numbers import Number, add, sign
from nnsolve.reduction.gadgets import canonical_terms
from nnsolve.reduction.layout import UPPER, Reduction
from nnsolve.training.network import Network, Neuron
from nnsolve.training.sweep import evaluate_points


def forward_map(red: Reduction, solution: Mapping[str, Number]) -> Network:
    """The network encoding ``solution`` (must satisfy the formula and lie in the box)."""
    broken = check_assignment(red.formula, solution)
    if broken:
        raise ValueError(f"not a solution: violates {broken[0]}")
    if not in_box({v: solution[v] for v in red.formula.variables}):
        raise ValueError("the solution must lie in the box [1/2, 2]^n")
    neurons = []
    terms: dict = {}  # one canonical fit per (gadget kind, variable): gadgets of a variable share it
    for g in red.gadgets:
        w = (-g.stripe.slope, Fraction(1))
        key = (g.kind.name, g.variable)
        if key not in terms:
            terms[key] = canonical_terms(g.kind, solution[g.variable])
        for k, a in terms[key]:
            # a * relu(t - k) with t = y - m x - c
            neurons.append(Neuron(w, add(-g.stripe.intercept, -k), a))
    return Network(tuple(neurons), (Fraction(0), Fraction(0)))


@dataclass(frozen=True)
class Extraction:
    values: Mapping[str, Number]
    violated: tuple[Constraint, ...]
    consistent: bool   # every cross-section of a variable gadget gave the same reading

    @property
    def ok(self) -> bool:
        return self.consistent and not self.violated


def backward_map(red: Reduction, network: Network) -> Extraction:
    """Read a solution off any network; the result says whether it checks out exactly.

    The readings (every variable gadget at every cross-section) are evaluated together
    by :func:`nnsolve.training.sweep.evaluate_points`, which visits only the neuron
    groups whose support holds a point (one ``evaluate`` per reading cost variables x
    cross-sections x neurons: 311 s at 1,000 constraints)."""
    variables = list(red.formula.variables)
    sections = len(red.cross_sections)
    points = [red.gadgets[red.variable_gadget[v]].stripe.at(xi, UPPER) for v in variables
              for xi in red.cross_sections]
    outputs = evaluate_points(network, points) if points else []
    values: dict[str, Number] = {}
    consistent = True
    for n, v in enumerate(variables):
        readings = [out[0] for out in outputs[n * sections:(n + 1) * sections]]
        if any(sign(add(r, -readings[0])) != 0 for r in readings[1:]):
            consistent = False
        values[v] = add(readings[0], -4)
    violated = tuple(check_assignment(red.formula, values))
    return Extraction(values, violated, consistent)
