"""nnsolve: training a 2-layer ReLU network exactly is complete for the existential
theory of the reals (Bertschinger, Hertrich, Jungeblut, Miltzow, Weber, NeurIPS 2023),
made executable and cross-checked."""

__version__ = "0.1.0"
