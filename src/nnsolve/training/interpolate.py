"""Repeated points and the interpolation bound: what is decided before any search.

Two facts about exact training (target error 0) that need no solver:

* **Repeated inputs.**  A network is a function, so two points with the same
  input and different labels cannot both be fitted: the instance is unsat, and
  the two points are the certificate.  Points with the same input *and* the
  same label are one constraint; merging them keeps the answer.
* **Interpolation bound.**  ``n`` points with distinct inputs are always fitted
  exactly by ``n - 1`` neurons.  Choose a direction ``v`` on which the inputs
  project to distinct values ``s_1 < ... < s_n`` (it exists: each pair of
  distinct inputs excludes at most ``d - 1`` of the candidates
  ``v = (1, k, k^2, ...)``), and take the piecewise-linear interpolant
  ``f(s) = y_1 + sum_k a_k relu(s - s_k)``, ``k = 1 .. n-1``, with ``a_k`` the
  change of slope at ``s_k``.  A network with more neurons gives the extra ones
  zero output weights, so every width ``>= n - 1`` is sat.

The interpolating network is built here and, like every witness, checked with
:func:`nnsolve.training.exact_fit` by the caller.

>>> from fractions import Fraction as F
>>> from nnsolve.training.instance import DataPoint, TrainingInstance
>>> pts = (DataPoint((F(0), F(0)), (F(0), F(1))), DataPoint((F(1), F(0)), (F(2), F(0))),
...        DataPoint((F(0), F(1)), (F(5), F(5))))
>>> net = interpolating_network(TrainingInstance(pts, 2))
>>> net.hidden
2
>>> from nnsolve.training.network import exact_fit
>>> exact_fit(TrainingInstance(pts, 2), net).ok
True
"""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction
from itertools import count

from nnsolve.training.instance import DataPoint, TrainingInstance
from nnsolve.training.network import Network, Neuron


def repeated_inputs(instance: TrainingInstance) -> tuple[int, int] | None:
    """The first pair ``(i, j)``, ``i < j``, of points with the same input and different
    labels, or None.  Linear time (a dictionary over the inputs).

    >>> from fractions import Fraction as F
    >>> from nnsolve.training.instance import DataPoint
    >>> p = lambda x, y: DataPoint((F(x), F(0)), (F(y), F(0)))
    >>> repeated_inputs(TrainingInstance((p(0, 0), p(1, 0), p(0, 0), p(1, 3)), 1))
    (1, 3)
    """
    first: dict[tuple, int] = {}
    for j, p in enumerate(instance.points):
        i = first.setdefault(p.x, j)
        if i != j and instance.points[i].y != p.y:
            return i, j
    return None


def merge_repeated(instance: TrainingInstance) -> TrainingInstance:
    """The instance with every repeated (input, label) pair kept once, in first-seen order.

    Fitting the merged instance exactly is the same question (a repeated point is the
    same equation twice).  Call :func:`repeated_inputs` first: inputs repeated with
    different labels are kept, not resolved.
    """
    seen: set[DataPoint] = set()
    kept = []
    for p in instance.points:
        if p not in seen:
            seen.add(p)
            kept.append(p)
    if len(kept) == len(instance.points):
        return instance
    return replace(instance, points=tuple(kept))


def distinct_inputs(instance: TrainingInstance) -> int:
    """How many different inputs the instance has."""
    return len({p.x for p in instance.points})


def interpolation_width(instance: TrainingInstance) -> int:
    """The width from which an exact fit always exists: distinct inputs - 1 (0 for <= 1)."""
    return max(0, distinct_inputs(instance) - 1)


def _separating_direction(xs: list[tuple[Fraction, ...]], inputs: int) -> tuple[Fraction, ...]:
    for k in count(1):
        v = tuple(Fraction(k) ** e for e in range(inputs))
        projections = {sum((vi * xi for vi, xi in zip(v, x)), Fraction(0)) for x in xs}
        if len(projections) == len(xs):
            return v
    raise AssertionError("unreachable")  # pragma: no cover - count() is infinite


def interpolating_network(instance: TrainingInstance) -> Network:
    """A network with :func:`interpolation_width` neurons that fits every point exactly.

    Needs distinct inputs (see :func:`repeated_inputs`; repeated consistent points are
    merged here).  Rational weights; the caller checks the fit with ``exact_fit``.
    """
    if repeated_inputs(instance) is not None:
        raise ValueError("two points share an input but not a label: no function fits them")
    merged = merge_repeated(instance)
    xs = [p.x for p in merged.points]
    zero_out = tuple(Fraction(0) for _ in range(instance.outputs))
    if len(xs) <= 1:
        return Network((), merged.points[0].y if xs else zero_out)
    v = _separating_direction(xs, instance.inputs)
    order = sorted(((sum((vi * xi for vi, xi in zip(v, p.x)), Fraction(0)), p.y) for p in merged.points))
    neurons = []
    previous = zero_out
    for (s0, y0), (s1, y1) in zip(order, order[1:]):
        slope = tuple((b - a) / (s1 - s0) for a, b in zip(y0, y1))
        neurons.append(Neuron(v, -s0, tuple(m - q for m, q in zip(slope, previous))))
        previous = slope
    return Network(tuple(neurons), order[0][1])
