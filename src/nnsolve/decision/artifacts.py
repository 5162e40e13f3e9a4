"""Files that reproduce a check: etr.smt2, training.json, training.smt2,
witness.json (when the training side is sat) and report.json, each written
whole or not at all."""

from __future__ import annotations

import json
from pathlib import Path

from nnsolve.decision.check import CheckReport
from nnsolve.decider.structured import query_encoding
from nnsolve.encodings import to_smtlib as training_smtlib
from nnsolve.files import write_atomic
from nnsolve.formula.model import Formula
from nnsolve.formula.smtlib import to_smtlib as formula_smtlib
from nnsolve.numbers import to_json
from nnsolve.training import instance_to_json, network_to_json


def report_json(report: CheckReport) -> dict:
    """The --json form of a check report."""
    etr, tr = report.etr, report.training
    out = {
        "instance": report.instance,
        "etr": {"status": etr.status, "solver": etr.solver, "seconds": round(etr.seconds, 3),
                "model": None if etr.model is None else {v: to_json(etr.model[v]) for v in report.formula.variables}},
        "training": None if tr is None else {
            "status": tr.status, "method": tr.method, "solver": tr.solver, "seconds": round(tr.seconds, 3),
            "hidden": report.reduction.instance.hidden if report.reduction else None,
            "points": len(report.reduction.instance.points) if report.reduction else None},
        "blind": report.blind,
        "verdict": report.verdict,
        "seconds": round(report.seconds, 3),
    }
    if etr.reason:
        out["etr"]["reason"] = etr.reason
    if tr is not None and tr.reason:
        out["training"]["reason"] = tr.reason
    if tr is not None and tr.stages:
        out["training"]["stages"] = {name: seconds for name, seconds in tr.stages}
    if report.certificate is not None:
        out["certificate"] = {"status": report.certificate.status, "method": report.certificate.method,
                              "agrees": report.certificate_agrees}  # null: the blind side is undecided
        if report.certificate.reason:
            out["certificate"]["reason"] = report.certificate.reason
    if report.reason:
        out["reason"] = report.reason
    if report.suspect:
        out["suspect"] = report.suspect
    if report.extraction is not None:
        out["extraction"] = {"ok": report.extraction.ok,
                             "values": {v: to_json(x) for v, x in report.extraction.values.items()}}
    return out


def write_artifacts(report: CheckReport, folder: str | Path, reproduce: str) -> list[Path]:
    """Write the files that reproduce ``report`` into ``folder``; return their paths."""
    folder = Path(folder)
    written = []

    def put(name: str, text: str) -> None:
        write_atomic(folder / name, text)
        written.append(folder / name)

    f = report.formula
    put("etr.smt2", formula_smtlib(Formula(f.variables, f.constraints, status=f.status, source=f.source)))
    if report.reduction is not None:
        put("training.json", instance_to_json(report.reduction.instance))
        put("training.smt2", training_smtlib(report.reduction.instance, query_encoding(report.encoding),
                                             source=f"reduction of {report.instance}"))
    if report.training is not None and report.training.network is not None:
        put("witness.json", network_to_json(report.training.network))
    data = report_json(report)
    data["reproduce"] = reproduce
    data["files"] = [p.name for p in written] + ["report.json"]
    put("report.json", json.dumps(data, indent=1) + "\n")
    return written
