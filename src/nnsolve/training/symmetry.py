"""Function-preserving transformations of networks: scaling and neuron order.

These are the arguments behind the normalized and symmetry-broken encodings
(docs/encodings.md): every network can be brought into the form those
encodings demand without changing the function it computes, so adding the
demands keeps "some network fits" equisatisfiable.

* Positive homogeneity: for l > 0, a * relu(w.x + b) = (a / l) * relu(l w.x + l b).
  Take l = |a_o| for the first output o with a_o != 0; then a_o in {-1, 1} and
  every earlier output weight is 0.  A neuron with a = 0 contributes nothing and
  may be replaced by w = 0, b = 0.
* Permutation: the output is a sum over neurons, so any order computes the same
  function; sort neurons by (a_1, b) lexicographically.

>>> from fractions import Fraction as F
>>> n = Neuron((F(1), F(2)), F(3), (F(-4), F(8)))
>>> normalize_neuron(n)
Neuron(w=(Fraction(4, 1), Fraction(8, 1)), b=Fraction(12, 1), a=(Fraction(-1, 1), Fraction(2, 1)))
"""

from __future__ import annotations

from fractions import Fraction
from functools import cmp_to_key

from nnsolve.numbers import compare, inv, mul, sign
from nnsolve.training.network import Network, Neuron


def normalize_neuron(neuron: Neuron) -> Neuron:
    """The scaled neuron whose first nonzero output weight is +-1 (or a zero neuron)."""
    for ao in neuron.a:
        s = sign(ao)
        if s != 0:
            scale = ao if s > 0 else -ao  # |a_o| > 0
            factor = inv(scale)
            return Neuron(tuple(mul(wk, scale) for wk in neuron.w), mul(neuron.b, scale),
                          tuple(mul(a, factor) for a in neuron.a))
    zero = Fraction(0)
    return Neuron(tuple(zero for _ in neuron.w), zero, tuple(zero for _ in neuron.a))


def normalize_network(network: Network) -> Network:
    return Network(tuple(normalize_neuron(n) for n in network.neurons), network.bias)


def _key_compare(p: Neuron, q: Neuron) -> int:
    return compare(p.a[0], q.a[0]) or compare(p.b, q.b)


def canonical_network(network: Network) -> Network:
    """Normalized, with neurons sorted by (a_1, b): the symmetry-broken form."""
    normalized = normalize_network(network)
    return Network(tuple(sorted(normalized.neurons, key=cmp_to_key(_key_compare))), network.bias)
