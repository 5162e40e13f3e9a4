"""Stage 0: what needs no search (repeated inputs, widths at the interpolation bound).

The arguments are in :mod:`nnsolve.training.interpolate`.
"""

from __future__ import annotations

import time
from dataclasses import replace
from fractions import Fraction

from nnsolve.decider.result import TrainingResult
from nnsolve.solvers import SAT, UNSAT
from nnsolve.training import Network, Neuron, TrainingInstance, exact_fit
from nnsolve.training.interpolate import interpolating_network, interpolation_width, repeated_inputs


#: Up to this width a trivially fitting network is padded with zero neurons to the
#: instance's width; beyond it the network keeps only the neurons it needs.
PAD_LIMIT = 100_000


def decide_by_inspection(instance: TrainingInstance) -> TrainingResult | None:
    """What needs no search (arguments in :mod:`nnsolve.training.interpolate`):

    * target error 0 and two points with the same input and different labels: ``unsat``,
      the two points named;
    * width at least (distinct inputs - 1): ``sat`` by the interpolating network, checked
      with ``exact_fit`` (on the instance at the network's own width, which implies the
      instance's: extra neurons get zero output weights).

    None when neither applies.  Never builds anything of the instance's width beyond
    :data:`PAD_LIMIT` neurons, so a width of 10^11 costs nothing.
    """
    start = time.monotonic()
    pair = repeated_inputs(instance)
    if pair is not None:
        if not instance.exact:
            return None  # with a positive target error the loss decides; nothing is trivial
        i, j = pair
        p, q = instance.points[i], instance.points[j]
        return TrainingResult(UNSAT, "inspection:repeated-input", "-", time.monotonic() - start,
                              reason=f"points {i} and {j} have the same input ({_text(p.x)}) and different "
                                     f"labels ({_text(p.y)} vs {_text(q.y)}): no function fits both")
    width = interpolation_width(instance)
    if instance.hidden < width:
        return None
    network = interpolating_network(instance)
    report = exact_fit(replace(instance, hidden=network.hidden), network)
    if not report.ok:  # pragma: no cover - would be a bug in interpolating_network
        return None
    note = (f"{instance.hidden} neurons >= {width + 1} distinct inputs - 1: the piecewise-linear "
            f"interpolant along a separating direction fits exactly ({network.hidden} neurons, checked)")
    if instance.hidden <= PAD_LIMIT:
        zero = Neuron(tuple(Fraction(0) for _ in range(instance.inputs)), Fraction(0),
                      tuple(Fraction(0) for _ in range(instance.outputs)))
        network = Network(network.neurons + (zero,) * (instance.hidden - network.hidden), network.bias)
    else:
        note += f"; the other {instance.hidden - network.hidden} neurons have zero output weights"
    return TrainingResult(SAT, "inspection:interpolation", "-", time.monotonic() - start, network=network,
                          reason=note)


def _text(values) -> str:
    return "(" + ", ".join(str(v) for v in values) + ")"
