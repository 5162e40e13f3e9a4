"""Gadget lemmas as QF_LRA: "every continuous piecewise-linear function with at
most K kinks that fits these 1D data satisfies P".

Why this covers 2D networks: restricted to a line x(t) = p + t d, a network is
sum_j a_j relu(t - k_j) + alpha t + beta, with one kink per breakline that
crosses the line (a neuron whose breakline misses the segment, or flipped
orientation relu(k - t) = relu(t - k) - (t - k), only adds to the affine part).
We let alpha, beta be free: a relaxation, so unsat here implies unsat for
every network.

Linearization (exact for this relaxation): order the kinks k_1 <= ... <= k_K
(permutation symmetry) and give each a Boolean choice of the closed interval
between consecutive breakpoints (data and reading positions) that contains it.
Then at a breakpoint t_i the value is sum over kinks left of t_i of
(a_jo t_i - u_jo) + alpha_o t_i + beta_o, linear in a, u, alpha, beta, where
u_jo = a_jo k_j; "k_j in [lo, hi]" is the linear condition
lo a_jo <= u_jo <= hi a_jo (a_jo >= 0) or hi a_jo <= u_jo <= lo a_jo
(a_jo <= 0), which is equivalent to u_jo = a_jo k_j for some k_j in [lo, hi].
Each output may place its own k_j within the chosen interval (a further
relaxation; lemmas that need one kink shared by both outputs are not
expressible here).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Mapping, Sequence

from nnsolve.terms import num


def pl_lemma_query(samples: Sequence[tuple[Fraction, Sequence[Fraction]]], kinks: int,
                   readings: Mapping[str, tuple[Fraction, int]] = {}, negated_claim: str | None = None,
                   source: str = "", shared_kinks: bool = False) -> str:
    """SMT-LIB text: sat iff some PL function with <= ``kinks`` kinks fits ``samples``
    and (if given) satisfies ``negated_claim``, a term over the reading names.

    ``readings`` maps a name to (t, output index 1-based): the name denotes the
    function's value there.  ``shared_kinks`` adds, per kink, the bilinear
    a_j1 u_j2 = a_j2 u_j1 (both equal a_j1 a_j2 k_j): all outputs bend at the same
    k_j, as they do in a network (QF_NRA then; without it the query is QF_LRA).
    """
    outputs = len(samples[0][1])
    points = sorted({Fraction(t) for t, _ in samples} | {Fraction(t) for t, _ in readings.values()})
    # intervals: (-inf, p0], [p0, p1], ..., [p_last, inf)
    bounds = [(None, points[0])] + list(zip(points, points[1:])) + [(points[-1], None)]
    logic = "QF_NRA" if shared_kinks and outputs > 1 else "QF_LRA"
    out = ["(set-info :smt-lib-version 2.6)", f"(set-logic {logic})"]
    if source:
        out.append(f'(set-info :source "{source}")')
    for o in range(1, outputs + 1):
        out += [f"(declare-fun alpha_{o} () Real)", f"(declare-fun beta_{o} () Real)"]
    for j in range(1, kinks + 1):
        for o in range(1, outputs + 1):
            out += [f"(declare-fun a_{j}_{o} () Real)", f"(declare-fun u_{j}_{o} () Real)"]
        for q in range(len(bounds)):
            out.append(f"(declare-fun in_{j}_{q} () Bool)")
        out.append("(assert (or " + " ".join(f"in_{j}_{q}" for q in range(len(bounds))) + "))")
        if logic == "QF_NRA":
            for o in range(2, outputs + 1):
                out.append(f"(assert (= (* a_{j}_1 u_{j}_{o}) (* a_{j}_{o} u_{j}_1)))")
        for q, (lo, hi) in enumerate(bounds):
            for o in range(1, outputs + 1):
                clause = _between(f"a_{j}_{o}", f"u_{j}_{o}", lo, hi)
                out.append(f"(assert (=> in_{j}_{q} {clause}))")
        if j > 1:  # sorted kinks: interval index non-decreasing
            for q in range(len(bounds)):
                earlier = " ".join(f"in_{j - 1}_{r}" for r in range(q + 1))
                out.append(f"(assert (=> in_{j}_{q} (or {earlier})))")

    def value(t: Fraction, o: int) -> str:
        i = points.index(t)
        terms = [f"(* {num(t)} alpha_{o})", f"beta_{o}"]
        for j in range(1, kinks + 1):
            # kink left of t: its interval ends at or before t (index <= i); at a
            # shared endpoint both choices give 0 contribution difference.
            left = " ".join(f"in_{j}_{q}" for q in range(i + 1))
            terms.append(f"(ite (or {left}) (- (* {num(t)} a_{j}_{o}) u_{j}_{o}) 0.0)")
        return "(+ " + " ".join(terms) + ")"

    for t, ys in samples:
        for o, y in enumerate(ys, start=1):
            out.append(f"(assert (= {value(Fraction(t), o)} {num(Fraction(y))}))")
    for name, (t, o) in readings.items():
        out.append(f"(declare-fun {name} () Real)")
        out.append(f"(assert (= {name} {value(Fraction(t), o)}))")
    if negated_claim:
        out.append(f"(assert {negated_claim})")
    out += ["(check-sat)", "(exit)"]
    return "\n".join(out) + "\n"


def _between(a: str, u: str, lo: Fraction | None, hi: Fraction | None) -> str:
    """u = a k for some k in [lo, hi] (None: unbounded), linear in (a, u):
    a = u = 0, or lo a <= u <= hi a with a > 0, or hi a <= u <= lo a with a < 0."""
    pos, neg = [], []
    if lo is not None:
        pos.append(f"(<= (* {num(lo)} {a}) {u})")
        neg.append(f"(<= {u} (* {num(lo)} {a}))")
    if hi is not None:
        pos.append(f"(<= {u} (* {num(hi)} {a}))")
        neg.append(f"(<= (* {num(hi)} {a}) {u})")
    return (f"(or (and (= {a} 0.0) (= {u} 0.0)) (and (> {a} 0.0) {' '.join(pos)}) "
            f"(and (< {a} 0.0) {' '.join(neg)}))")


def kink_in(j: int, lo: Fraction, hi: Fraction, outputs: int = 2) -> str:
    """SMT term: kink j lies in [lo, hi] (for every output that bends there).

    Stated on u = a k, not on the interval choice: a kink exactly at a breakpoint
    may choose either neighbouring interval.
    """
    parts = [_between(f"a_{j}_{o}", f"u_{j}_{o}", lo, hi) for o in range(1, outputs + 1)]
    return "(and " + " ".join(parts) + ")"
