"""SMT-LIB 2.6 (QF_NRA) encodings of "an m-neuron network fits this instance".

>>> from fractions import Fraction as F
>>> from nnsolve.training import DataPoint, TrainingInstance
>>> inst = TrainingInstance((DataPoint((F(0), F(1)), (F(1), F(0))),), hidden=1)
>>> text = to_smtlib(inst, encoding="normalized")
>>> "(declare-fun w_1_1 () Real)" in text and "(check-sat)" in text
True
>>> sorted(ENCODINGS)
['direct', 'direct-ite', 'normalized', 'symmetry']
"""

from nnsolve.encodings.relu import (ENCODINGS, decode_network, encoding_variables, network_assignment,
                                    to_smtlib)

__all__ = ["ENCODINGS", "to_smtlib", "decode_network", "encoding_variables", "network_assignment"]
