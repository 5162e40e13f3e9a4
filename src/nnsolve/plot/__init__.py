"""Pictures of the construction: instances, gadget profiles, witness breaklines.

Needs the optional extra ``nnsolve[plot]`` (matplotlib); rendering is headless
(Figures without pyplot).  See docs/figures/ and ``nnsolve plot --help``.
"""

from nnsolve.plot.gadget import GADGETS, plot_gadget
from nnsolve.plot.instance import plot_instance, plot_reduction
from nnsolve.plot.render import PlotUnavailable, save_figure

__all__ = ["GADGETS", "PlotUnavailable", "plot_gadget", "plot_instance", "plot_reduction", "save_figure"]
