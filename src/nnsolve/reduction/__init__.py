"""The reduction from ETR-INV to exact training of a 2-input, 2-output ReLU network.

gadgets (1D profiles and their canonical fits) -> layout (stripes in the plane,
constraint points, the training instance) -> witness maps (forward: solution to
network; backward: network to solution).  docs/reduction.md has the design.
"""

from nnsolve.reduction.gadgets import (BRIDGE_GADGET, INVERSION_GADGET, VARIABLE_GADGET, GadgetType,
                                       canonical_terms)
from nnsolve.reduction.layout import ConstraintPoint, PlacedGadget, Reduction, Stripe, reduce_formula
from nnsolve.reduction.witness import Extraction, backward_map, forward_map

__all__ = ["GadgetType", "VARIABLE_GADGET", "BRIDGE_GADGET", "INVERSION_GADGET", "canonical_terms",
           "Stripe", "PlacedGadget", "ConstraintPoint", "Reduction", "reduce_formula",
           "forward_map", "backward_map", "Extraction"]
