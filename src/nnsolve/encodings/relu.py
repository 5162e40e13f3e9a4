"""The training encodings (see docs/encodings.md for each one's argument).

Variables: ``w_j_k`` (neuron j, input k), ``b_j``, ``a_j_o`` (neuron j, output o),
``c_o`` (output bias), all 1-based; the disjunctive ReLU adds ``h_i_j``
(post-activation of neuron j at point i).

* ``direct``: h_i_j = max(0, z_i_j) as (or (and (>= z 0) (= h z)) (and (<= z 0) (= h 0))),
  the baseline of ../shared/design/solving.md.
* ``direct-ite``: no auxiliaries; relu(z) = (ite (>= z 0) z 0) inline.
* ``normalized``: direct plus positive-homogeneity normalization: the first
  nonzero output weight of each neuron is 1 or -1; a neuron with all output
  weights 0 has w = 0, b = 0.
* ``symmetry``: normalized plus neurons ordered by (a_j_1, b_j) lexicographically.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Mapping

from nnsolve.numbers import Number, add, mul, sign
from nnsolve.terms import num
from nnsolve.training.instance import TrainingInstance
from nnsolve.training.network import Network, Neuron, preactivation

ENCODINGS = {
    "direct": "ReLU as a disjunction with one auxiliary real per (point, neuron)",
    "direct-ite": "ReLU as an if-then-else term, no auxiliaries",
    "normalized": "direct + positive-homogeneity normalization of output weights",
    "symmetry": "normalized + neurons ordered lexicographically by (a_1, b)",
}


def _sum(terms: list[str]) -> str:
    terms = [t for t in terms if t != "0.0"]
    if not terms:
        return "0.0"
    return terms[0] if len(terms) == 1 else "(+ " + " ".join(terms) + ")"


def encoding_variables(instance: TrainingInstance) -> tuple[str, ...]:
    """The weight variables, in a fixed order."""
    m, d, o = instance.hidden, instance.inputs, instance.outputs
    names = []
    for j in range(1, m + 1):
        names += [f"w_{j}_{k}" for k in range(1, d + 1)] + [f"b_{j}"] + [f"a_{j}_{p}" for p in range(1, o + 1)]
    return tuple(names + [f"c_{p}" for p in range(1, o + 1)])


def _preact(instance: TrainingInstance, i: int, j: int) -> str:
    x = instance.points[i].x
    terms = [f"b_{j}"]
    for k, xk in enumerate(x, start=1):
        if xk == 1:
            terms.append(f"w_{j}_{k}")
        elif xk != 0:
            terms.append(f"(* {num(xk)} w_{j}_{k})")
    return _sum(terms)


def _normalization(instance: TrainingInstance, j: int) -> str:
    """First nonzero output weight is +-1; all-zero output weights force w = 0, b = 0."""
    dead = " ".join([f"(= w_{j}_{k} 0.0)" for k in range(1, instance.inputs + 1)] + [f"(= b_{j} 0.0)"])
    clause = f"(and {dead})"
    for p in range(instance.outputs, 0, -1):
        a = f"a_{j}_{p}"
        clause = f"(or (= {a} 1.0) (= {a} (- 1.0)) (and (= {a} 0.0) {clause}))"
    return clause


def to_smtlib(instance: TrainingInstance, encoding: str = "direct", source: str | None = None,
              status: str | None = None) -> str:
    """SMT-LIB text: sat iff some ``instance.hidden``-neuron network meets the target error."""
    if encoding not in ENCODINGS:
        raise ValueError(f"unknown encoding {encoding!r}; choose one of {', '.join(sorted(ENCODINGS))}")
    m, n = instance.hidden, len(instance.points)
    aux = encoding != "direct-ite"
    out = ["(set-info :smt-lib-version 2.6)", "(set-logic QF_NRA)",
           f'(set-info :source "nnsolve training encoding \'{encoding}\': {ENCODINGS[encoding]}; '
           f'{n} points, {m} hidden neurons, target error {instance.target_error}'
           + (f"; {source}" if source else "") + '")']
    if status:
        out.append(f"(set-info :status {status})")
    out += [f"(declare-fun {v} () Real)" for v in encoding_variables(instance)]
    act: dict[tuple[int, int], str] = {}
    for i in range(n):
        for j in range(1, m + 1):
            z = _preact(instance, i, j)
            if aux:
                h = f"h_{i + 1}_{j}"
                out.append(f"(declare-fun {h} () Real)")
                out.append(f"(assert (or (and (>= {z} 0.0) (= {h} {z})) (and (<= {z} 0.0) (= {h} 0.0))))")
                act[i, j] = h
            else:
                act[i, j] = f"(ite (>= {z} 0.0) {z} 0.0)"
    if encoding in ("normalized", "symmetry"):
        out += [f"(assert {_normalization(instance, j)})" for j in range(1, m + 1)]
    if encoding == "symmetry":
        for j in range(1, m):
            k = j + 1
            out.append(f"(assert (or (< a_{j}_1 a_{k}_1) (and (= a_{j}_1 a_{k}_1) (<= b_{j} b_{k}))))")
    outputs = {}
    for i, p in enumerate(instance.points):
        for o in range(1, instance.outputs + 1):
            outputs[i, o] = _sum([f"c_{o}"] + [f"(* a_{j}_{o} {act[i, j]})" for j in range(1, m + 1)])
    if instance.exact:
        for i, p in enumerate(instance.points):
            for o in range(1, instance.outputs + 1):
                out.append(f"(assert (= {outputs[i, o]} {num(p.y[o - 1])}))")
    else:
        errs = []
        for i, p in enumerate(instance.points):
            for o in range(1, instance.outputs + 1):
                d = f"(- {outputs[i, o]} {num(p.y[o - 1])})"
                errs.append(f"(* {d} {d})")
        out.append(f"(assert (<= {_sum(errs)} {num(instance.target_error)}))")
    out += ["(check-sat)", "(exit)"]
    return "\n".join(out) + "\n"


def decode_network(instance: TrainingInstance, model: Mapping[str, Number]) -> Network:
    """The network a model describes (variables the model omits are 0)."""
    zero = Fraction(0)

    def get(name: str) -> Number:
        return model.get(name, zero)

    neurons = tuple(Neuron(tuple(get(f"w_{j}_{k}") for k in range(1, instance.inputs + 1)), get(f"b_{j}"),
                           tuple(get(f"a_{j}_{p}") for p in range(1, instance.outputs + 1)))
                    for j in range(1, instance.hidden + 1))
    return Network(neurons, tuple(get(f"c_{p}") for p in range(1, instance.outputs + 1)))


def network_assignment(instance: TrainingInstance, network: Network) -> dict[str, Number]:
    """Values for every variable of the encodings, including h_i_j, from a network."""
    values: dict[str, Number] = {}
    for j, neuron in enumerate(network.neurons, start=1):
        for k, wk in enumerate(neuron.w, start=1):
            values[f"w_{j}_{k}"] = wk
        values[f"b_{j}"] = neuron.b
        for p, ap in enumerate(neuron.a, start=1):
            values[f"a_{j}_{p}"] = ap
        for i, point in enumerate(instance.points, start=1):
            z = preactivation(neuron, point.x)
            values[f"h_{i}_{j}"] = z if sign(z) > 0 else Fraction(0)
    for p, cp in enumerate(network.bias, start=1):
        values[f"c_{p}"] = cp
    return values
