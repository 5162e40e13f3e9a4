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


def _shortcuts():
    import importlib

    return importlib.import_module("nnsolve.shortcuts")  # the top layer, loaded on first use


def __getattr__(name: str):
    if name.startswith("__"):
        raise AttributeError(name)
    shortcuts = _shortcuts()
    if name in shortcuts.__all__:
        return getattr(shortcuts, name)
    raise AttributeError(f"module 'nnsolve' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_shortcuts().__all__))
