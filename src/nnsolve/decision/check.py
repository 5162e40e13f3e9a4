"""The cross-check: decide a formula, reduce it, decide the training side, compare.

Verdicts:

* ``agree``: both sides decided with the same status;
* ``disagree``: both decided, different statuses: a bug in the reduction or in
  a solver; the report says which side to suspect;
* ``inconclusive``: a side is unknown (reason given);
* ``promise-violated``: the formula breaks the ETR-INV promise; nothing compared.

The training side's status comes from a certificate (ETR sat: the forward
witness, confirmed by exact_fit) or from a solver on a training encoding (a sat
answer is confirmed by exact_fit and taken back through the backward map).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

from nnsolve.decision.certificate import forward_certificate
from nnsolve.decision.etr import PROMISE_VIOLATED, EtrResult, decide_etr
from nnsolve.decision.structured import decide_with
from nnsolve.decision.training import TrainingResult
from nnsolve.formula.model import Formula
from nnsolve.reduction import Extraction, Reduction, backward_map, reduce_formula
from nnsolve.solvers import SAT, UNKNOWN, UNSAT, Limits

AGREE, DISAGREE, INCONCLUSIVE = "agree", "disagree", "inconclusive"


@dataclass(frozen=True)
class CheckReport:
    instance: str
    formula: Formula
    etr: EtrResult
    training: TrainingResult | None
    verdict: str
    seconds: float
    reduction: Reduction | None = None
    encoding: str = "structured"   # the training-side method
    extraction: Extraction | None = None
    certificate_failure: str | None = None
    suspect: str | None = None
    reason: str | None = None


def _suspect(etr: EtrResult, training: TrainingResult, extraction: Extraction | None,
             certificate_failure: str | None) -> str:
    if etr.status == SAT and training.status == UNSAT:
        text = ("the ETR side is certified by an exact model in the box; suspect the reduction's "
                "completeness (the training instance should then be fittable)")
        if certificate_failure:
            text += f" -- confirmed: {certificate_failure}"
        return text + f", or the training solver's unsat ({training.solver})"
    if etr.status == UNSAT and training.status == SAT:
        if extraction is not None and extraction.ok:
            return ("the training network is certified by exact_fit and the backward map extracts an exact "
                    f"solution: the ETR solver's unsat ({etr.solver}) is wrong")
        return ("the training network is certified by exact_fit but the backward map does not yield a "
                "solution: suspect the reduction's soundness, or the ETR solver's unsat "
                f"({etr.solver})")
    return "statuses differ"


def check_formula(formula: Formula, solver, limits: Limits = Limits(), instance: str = "<formula>",
                  encoding: str = "structured",
                  reducer: Callable[[Formula], Reduction] = reduce_formula,
                  max_work: int | None = None) -> CheckReport:
    """Run the cross-check.  ``reducer`` is injectable so tests can break it on purpose.

    ``max_work`` bounds points x neurons of what the training-side methods are handed
    (the structured method and the baseline encodings); beyond it the training side is
    reported unknown with that reason, unless the forward certificate (checked at any
    size by the grouped exact evaluation) already decided it.
    """
    start = time.monotonic()
    etr = decide_etr(formula, solver, limits)
    if etr.status == PROMISE_VIOLATED:
        return CheckReport(instance, formula, etr, None, PROMISE_VIOLATED, time.monotonic() - start,
                           encoding=encoding, reason="the formula has real solutions but none in [1/2, 2]^n")
    red = reducer(formula)
    training: TrainingResult | None = None
    certificate_failure = None
    work = len(red.instance.points) * red.instance.hidden
    if etr.status == SAT:  # at any size: exact_fit evaluates by direction groups
        cert = forward_certificate(red, etr)
        if cert.status == SAT:
            training = cert
        else:
            certificate_failure = cert.reason
    if training is None and max_work is not None and work > max_work:
        training = TrainingResult(UNKNOWN, "none", "-", 0.0,
                                  reason=f"training instance too large for the encodings ({len(red.instance.points)} "
                                         f"points x {red.instance.hidden} neurons > {max_work}; raise --max-work)")
    if training is None:
        training = decide_with(encoding, red.instance, solver, limits)
    extraction = None
    if training.status == SAT and training.network is not None and training.method != "certificate:forward-map":
        extraction = backward_map(red, training.network)
    seconds = time.monotonic() - start
    if etr.status == UNKNOWN or training.status == UNKNOWN:
        reasons = [f"ETR side: {etr.reason}" if etr.status == UNKNOWN else None,
                   f"training side: {training.reason}" if training.status == UNKNOWN else None,
                   certificate_failure]
        return CheckReport(instance, formula, etr, training, INCONCLUSIVE, seconds, red, encoding, extraction,
                           certificate_failure, reason="; ".join(r for r in reasons if r))
    if etr.status == training.status:
        return CheckReport(instance, formula, etr, training, AGREE, seconds, red, encoding, extraction,
                           certificate_failure)
    return CheckReport(instance, formula, etr, training, DISAGREE, seconds, red, encoding, extraction,
                       certificate_failure, suspect=_suspect(etr, training, extraction, certificate_failure))
