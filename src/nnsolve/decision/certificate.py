"""The training side decided by certificate: the reduction's forward witness.

If the formula has a solution in the box, the forward map turns it into a
network; :func:`nnsolve.training.exact_fit` (code that did not build it)
confirms the fit, which proves the training instance is sat.
"""

from __future__ import annotations

import time

from nnsolve.decision.etr import EtrResult
from nnsolve.decider.result import TrainingResult
from nnsolve.reduction import Reduction, forward_map
from nnsolve.solvers import SAT, UNKNOWN
from nnsolve.training import exact_fit

METHOD = "certificate:forward-map"


def forward_certificate(red: Reduction, etr: EtrResult) -> TrainingResult:
    """A sat TrainingResult carrying the confirmed witness, or unknown with the reason."""
    start = time.monotonic()
    if etr.status != SAT or etr.model is None:
        return TrainingResult(UNKNOWN, METHOD, "-", 0.0,
                              reason=f"no box solution to build a witness from (ETR side: {etr.status})")
    network = forward_map(red, etr.model)
    try:
        report = exact_fit(red.instance, network)
    except ValueError as exc:  # the witness does not even have the instance's shape
        return TrainingResult(UNKNOWN, METHOD, "-", time.monotonic() - start,
                              reason=f"forward witness does not match the instance ({exc}): reduction bug")
    seconds = time.monotonic() - start
    if not report.ok:
        return TrainingResult(UNKNOWN, METHOD, "-", seconds,
                              reason=f"forward witness fails exact_fit at {len(report.misfits)} points "
                                     f"(first: {report.misfits[0].index}): reduction bug")
    return TrainingResult(SAT, METHOD, "-", seconds, network=network)
