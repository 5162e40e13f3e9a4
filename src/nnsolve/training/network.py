"""One-hidden-layer ReLU networks and their exact evaluation.

f(x) = sum_j a_j * relu(w_j . x + b_j) + bias, with a_j and bias in R^outputs.
Weights are exact numbers (Fraction or AlgebraicNumber); evaluation decides
every sign exactly.

>>> from fractions import Fraction as F
>>> net = Network((Neuron((F(1), F(0)), F(0), (F(1), F(-1))),), (F(0), F(0)))
>>> evaluate(net, (F(3), F(5)))
(Fraction(3, 1), Fraction(-3, 1))
>>> evaluate(net, (F(-3), F(5)))
(Fraction(0, 1), Fraction(0, 1))
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from functools import cmp_to_key
from typing import Sequence

from flint import arb, fmpq

from nnsolve.fields import common_field
from nnsolve.numbers import Number, add, mul, sign
from nnsolve.training.instance import TrainingInstance


@dataclass(frozen=True)
class Neuron:
    w: tuple[Number, ...]
    b: Number
    a: tuple[Number, ...]


@dataclass(frozen=True)
class Network:
    neurons: tuple[Neuron, ...]
    bias: tuple[Number, ...]

    @property
    def hidden(self) -> int:
        return len(self.neurons)


def preactivation(neuron: Neuron, x: Sequence[Number]) -> Number:
    total: Number = neuron.b
    for wk, xk in zip(neuron.w, x, strict=True):
        total = add(total, mul(wk, xk))
    return total


def evaluate(network: Network, x: Sequence[Number]) -> tuple[Number, ...]:
    """The network's output at ``x``, exactly."""
    out = list(network.bias)
    for neuron in network.neurons:
        z = preactivation(neuron, x)
        if sign(z) > 0:
            for o, ao in enumerate(neuron.a):
                out[o] = add(out[o], mul(ao, z))
    return tuple(out)


@dataclass(frozen=True)
class Misfit:
    index: int
    x: tuple[Number, ...]
    expected: tuple[Number, ...]
    got: tuple[Number, ...]


@dataclass(frozen=True)
class FitReport:
    """Result of :func:`exact_fit`: ``ok`` and every point that fails."""

    ok: bool
    misfits: tuple[Misfit, ...]
    error: Number | None = None  # the training error, for target_error > 0


def training_error(instance: TrainingInstance, network: Network) -> Number:
    """Sum over points of the squared Euclidean error, exactly."""
    total: Number = Fraction(0)
    for p in instance.points:
        for got, want in zip(evaluate(network, p.x), p.y):
            d = add(got, -want)
            total = add(total, mul(d, d))
    return total


def _check_shape(instance: TrainingInstance, network: Network) -> None:
    if network.hidden != instance.hidden:
        raise ValueError(f"network has {network.hidden} neurons, instance asks for {instance.hidden}")
    for j, n in enumerate(network.neurons):
        if len(n.w) != instance.inputs or len(n.a) != instance.outputs:
            raise ValueError(f"neuron {j} has the wrong shape for {instance.inputs} inputs "
                             f"and {instance.outputs} outputs")
    if len(network.bias) != instance.outputs:
        raise ValueError("output bias has the wrong length")


def _weights(network: Network) -> list[Number]:
    out = list(network.bias)
    for n in network.neurons:
        out += list(n.w) + [n.b] + list(n.a)
    return out


def _dot(field, w, xs):
    s = field.scale(w[0], xs[0])
    for wk, xk in zip(w[1:], xs[1:]):
        s = field.add(s, field.scale(wk, xk))
    return s


def _field_misfits(instance: TrainingInstance, network: Network, field) -> list[Misfit]:
    """Misfits computed inside one field holding every weight (Q or a number field Q(theta)).

    Neurons with the same input weights w form a group; within a group the
    neuron j is active at x iff b_j > -(w . x), so after sorting the group by
    b (exact comparisons) the active neurons at any x are a suffix of that order,
    found by binary search, and the group's contribution to output o is
    (w . x) * sum_j a_jo + sum_j a_jo b_j over the suffix: precomputed suffix
    sums.  Same value as the neuron-by-neuron sum, in O(groups * log) field
    operations per point instead of O(neurons).  Each sign of b_j + w . x is
    first tried on Arb balls (rigorous enclosures, ``field.ball``); only when the
    ball contains 0 is the exact field sign computed.
    """
    e = field.embed
    bias = [e(c) for c in network.bias]
    outputs = len(bias)
    groups: dict[tuple, tuple[list, list]] = {}
    for n in network.neurons:
        w = [e(wk) for wk in n.w]
        key = tuple(field.key(wk) for wk in w)
        groups.setdefault(key, (w, []))[1].append((e(n.b), [e(a) for a in n.a]))
    prepared = []
    for w, members in groups.values():
        members.sort(key=cmp_to_key(lambda u, v: field.sign(field.sub(u[0], v[0]))))
        zero = field.constant(Fraction(0))
        sa = [[zero] * outputs]  # suffix sums, built from the end
        sb = [[zero] * outputs]
        for b, a in reversed(members):
            sa.append([field.add(t, ao) for t, ao in zip(sa[-1], a)])
            sb.append([field.add(t, field.mul(ao, b)) for t, ao in zip(sb[-1], a)])
        sa.reverse()
        sb.reverse()
        bs = [b for b, _ in members]
        prepared.append((w, [field.ball(wk) for wk in w], bs, [field.ball(b) for b in bs], sa, sb))
    misfits = []
    for i, p in enumerate(instance.points):
        out = list(bias)
        xs = [field.scalar(xk) for xk in p.x]
        xballs = [arb(fmpq(xk.numerator, xk.denominator)) for xk in map(Fraction, p.x)]
        for w, wballs, bs, bballs, sa, sb in prepared:
            sball = wballs[0] * xballs[0]
            for wb, xb in zip(wballs[1:], xballs[1:]):
                sball += wb * xb
            s = None
            lo, hi = 0, len(bs)
            while lo < hi:  # first neuron with b + s > 0
                mid = (lo + hi) // 2
                zb = bballs[mid] + sball
                if zb > 0:
                    positive = True
                elif zb < 0:
                    positive = False
                else:
                    if s is None:
                        s = _dot(field, w, xs)
                    positive = field.sign(field.add(bs[mid], s)) > 0
                if positive:
                    hi = mid
                else:
                    lo = mid + 1
            if lo < len(bs):
                if s is None:
                    s = _dot(field, w, xs)
                out = [field.add(o, field.add(field.mul(s, ta), tb)) for o, ta, tb in zip(out, sa[lo], sb[lo])]
        if any(field.sign(field.sub(o, field.constant(y))) != 0 for o, y in zip(out, p.y)):
            misfits.append(Misfit(i, p.x, p.y, evaluate(network, p.x)))
    return misfits


#: above this many point-neuron pairs, :func:`exact_fit` evaluates networks by direction
#: groups (:mod:`nnsolve.training.sweep`, rational or number-field weights) instead of
#: point by point
GROUPED_WORK = 200_000


def exact_fit(instance: TrainingInstance, network: Network, grouped: bool | None = None) -> FitReport:
    """Check ``network`` against ``instance`` exactly.

    ``grouped`` forces (True) or forbids (False) the grouped evaluation of
    :mod:`nnsolve.training.sweep`; by default it is used when points x neurons
    exceeds :data:`GROUPED_WORK` (irrational weights: in one number field).

    For target error 0 every point must be fitted exactly; each point that is
    not is listed.  For target error > 0 the summed squared error must be at
    most the target (the misfits are listed for information).  Irrational
    weights are handled in one common number field (:mod:`nnsolve.fields`).
    """
    _check_shape(instance, network)
    bad = None
    if grouped or (grouped is None and len(instance.points) * network.hidden > GROUPED_WORK):
        from nnsolve.training.sweep import mismatches
        bad = mismatches(network, [p.x for p in instance.points], [p.y for p in instance.points])
    if bad is not None:  # the grouped evaluation (always a list now)
        misfits = [Misfit(i, instance.points[i].x, instance.points[i].y, o) for i, o in bad]
    else:
        misfits = _field_misfits(instance, network, common_field(_weights(network)))
    if instance.exact:
        return FitReport(not misfits, tuple(misfits))
    err = training_error(instance, network)
    return FitReport(sign(add(err, -instance.target_error)) <= 0, tuple(misfits), err)
