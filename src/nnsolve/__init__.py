"""nnsolve: training a 2-layer ReLU network exactly is complete for the existential
theory of the reals (Bertschinger, Hertrich, Jungeblut, Miltzow, Weber, NeurIPS 2023),
made executable and cross-checked.

The public functions live in :mod:`nnsolve.shortcuts` and are available here, loaded on
first use (so ``import nnsolve`` stays light and the layers below never import the
layers above; docs/api.md)::

    >>> import nnsolve
    >>> f = nnsolve.generate_formula(10, seed=1)
    >>> nnsolve.reduce(f).instance.outputs
    2
"""

__version__ = "0.1.0"


#: The public names, defined in nnsolve.shortcuts (tests/test_api.py checks that each
#: resolves).  Listed here so that looking up any other name (a submodule during its own
#: import, for instance) never loads the top layer.
__all__ = [
    "Formula", "Add", "Inv", "TrainingInstance", "DataPoint", "Network", "Neuron", "Reduction",
    "read_formula", "parse_formula", "formula_to_smtlib", "write_formula", "generate_formula", "FAMILIES",
    "reduce", "forward_map", "backward_map",
    "read_training", "write_training", "read_network", "write_network", "training_to_smtlib",
    "write_training_smtlib", "exact_fit", "ENCODINGS",
    "solve_formula", "solve_training", "check",
]


def _shortcuts():
    import importlib

    return importlib.import_module("nnsolve.shortcuts")  # the top layer, loaded on first use


def __getattr__(name: str):
    if name in __all__:
        return getattr(_shortcuts(), name)
    raise AttributeError(f"module 'nnsolve' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
