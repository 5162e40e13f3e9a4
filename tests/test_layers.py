"""The brief's rule: the code runs in one direction and a lower layer never imports
a higher one.  Order: formula -> reduction -> training -> encodings -> solvers ->
decision (check pipeline), plot -> cli; numbers, errors, files, format and terms are the base."""

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "nnsolve"
# The training data model (instances, networks, exact evaluation) sits below the
# reduction, which builds instances and networks (docs/architecture.md).
LAYERS = {"numbers": 0, "fields": 0, "elimination": 0, "errors": 0, "files": 0, "format": 0, "terms": 0, "formula": 1, "training": 2,
          "reduction": 3, "encodings": 4, "solvers": 5, "decision": 6, "decider": 6, "plot": 6, "cli": 7, "__main__": 7, "shortcuts": 7,
          "__init__": 0}


def layer_of(module: str) -> int:
    parts = module.split(".")
    assert parts[0] == "nnsolve"
    if len(parts) == 1:
        return 0
    name = parts[1]
    assert name in LAYERS, f"module nnsolve.{name} has no layer: add it to LAYERS"
    return LAYERS[name]


MODULES = sorted(p for p in SRC.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(SRC)))
def test_no_upward_imports(path):
    rel = path.relative_to(SRC.parent).with_suffix("")
    own = layer_of(".".join(rel.parts))
    for node in ast.walk(ast.parse(path.read_text())):
        names = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        for name in names:
            if name.startswith("nnsolve"):
                assert layer_of(name) <= own, f"{rel} (layer {own}) imports {name} (layer {layer_of(name)})"
