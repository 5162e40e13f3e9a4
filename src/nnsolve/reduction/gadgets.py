"""Gadget profiles: the data of one cross-section, and the canonical fit.

A gadget lives on a stripe with coordinate t across it.  Its data repeat on
several cross-sections; on each, the canonical fit is a sum of ReLU kinks
F(t) = sum_j a_j relu(t - k_j) with a_j in Q^2 (or algebraic), zero for
t <= k_1 and for t >= ``support_end``, so a gadget is invisible outside its
stripe.  The encoded value v enters through the slope s = v + 1 of the flank
through the central point (t = 4, label 3): v in [1/2, 2] <-> s in [3/2, 3].

Measuring lines: at t = 3 and t = 5 the first output reads 3 - s and 3 + s;
the inversion gadget's second output reads 3 - s' and 3 + s' at t = 6 and 8,
where (s - 1)(s' - 1) = 1.

>>> from fractions import Fraction as F
>>> [k for k, _ in canonical_terms(VARIABLE_GADGET, F(1))]   # value 1: s = 2
[Fraction(5, 2), Fraction(11, 2), Fraction(9, 1), Fraction(15, 1)]
>>> profile_value(canonical_terms(VARIABLE_GADGET, F(1)), F(5))
(Fraction(5, 1), Fraction(0, 1))
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Sequence

from nnsolve.numbers import Number, add, as_number, inv, mul, sign

F = Fraction


def _pts(rows) -> tuple[tuple[Fraction, tuple[Fraction, Fraction]], ...]:
    return tuple((F(t), (F(y1), F(y2))) for t, (y1, y2) in rows)


@dataclass(frozen=True)
class GadgetType:
    """A gadget's cross-section data and neuron budget.

    ``samples``: (t, label) pairs of one cross-section.  ``support_end``: the
    canonical fit is 0 for t >= support_end (and for t <= 2, the lowest first
    kink).  ``readings``: t of the measuring lines this gadget offers, with the
    output they are read in.
    """

    name: str
    budget: int
    samples: tuple[tuple[Fraction, tuple[Fraction, Fraction]], ...]
    support_end: Fraction
    outputs: tuple[int, ...]


#: Output 1 only.  Kinks 4 -+ 3/s (free flank through (4, 3)), 9 and 15 (fixed).
VARIABLE_GADGET = GadgetType(
    "variable", 4,
    _pts([(0, (0, 0)), (1, (0, 0)), (2, (0, 0)), (4, (3, 0)), (7, (6, 0)), (8, (6, 0)),
          (10, (5, 0)), (11, (4, 0)), (16, (0, 0)), (17, (0, 0)), (18, (0, 0))]),
    F(15), (1,))

#: The variable profile in both outputs (labels (y, y)): one value shown in both.
BRIDGE_GADGET = GadgetType(
    "bridge", 4,
    _pts([(0, (0, 0)), (1, (0, 0)), (2, (0, 0)), (4, (3, 3)), (7, (6, 6)), (8, (6, 6)),
          (10, (5, 5)), (11, (4, 4)), (16, (0, 0)), (17, (0, 0)), (18, (0, 0))]),
    F(15), (1, 2))

#: Output 1 rises through (4, 3) with slope s on [k1, k2]; output 2 rises from the
#: shared kink k2 through (7, 3) with slope s' on [k2, k3]; k1 + k2 = 8 and
#: k2 + k3 = 14 give 1/s + 1/s' = 1, i.e. (s - 1)(s' - 1) = 1.
INVERSION_GADGET = GadgetType(
    "inversion", 5,
    _pts([(0, (0, 0)), (1, (0, 0)), (2, (0, 0)), (4, (3, 0)), (7, (6, 3)), (9, (6, 6)),
          (10, (6, 6)), (13, (4, 4)), (15, (2, 2)), (18, (0, 0)), (19, (0, 0)), (20, (0, 0))]),
    F(17), (1, 2))

GADGET_TYPES = (VARIABLE_GADGET, BRIDGE_GADGET, INVERSION_GADGET)

Kink = tuple[Number, tuple[Number, Number]]


def canonical_terms(gadget: GadgetType, value: Number) -> tuple[Kink, ...]:
    """The canonical fit for the encoded value (v in [1/2, 2]) as (kink, jump) pairs.

    For the inversion gadget ``value`` is x, and the second output carries 1/x.
    """
    v = as_number(value)
    s = add(v, 1)
    r = mul(3, inv(s))  # 3/s: half-width of the flank
    k1, k2 = add(4, -r), add(4, r)
    zero = F(0)
    if gadget is VARIABLE_GADGET:
        return ((k1, (s, zero)), (k2, (-s, zero)), (F(9), (F(-1), zero)), (F(15), (F(1), zero)))
    if gadget is BRIDGE_GADGET:
        return ((k1, (s, s)), (k2, (-s, -s)), (F(9), (F(-1), F(-1))), (F(15), (F(1), F(1))))
    if gadget is INVERSION_GADGET:
        s2 = add(inv(v), 1)  # s' = 1/x + 1
        k3 = add(10, -r)     # 14 - k2
        return ((k1, (s, zero)), (k2, (-s, s2)), (k3, (zero, -s2)), (F(11), (F(-1), F(-1))),
                (F(17), (F(1), F(1))))
    raise ValueError(f"unknown gadget {gadget.name}")


def profile_value(terms: Sequence[Kink], t: Number) -> tuple[Number, Number]:
    """F(t) = sum a relu(t - k), exactly."""
    out: list[Number] = [F(0), F(0)]
    for k, a in terms:
        z = add(t, -k)
        if sign(z) > 0:
            out = [add(out[0], mul(a[0], z)), add(out[1], mul(a[1], z))]
    return out[0], out[1]
