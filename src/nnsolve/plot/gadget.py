"""1D profiles of a gadget along one cross-section (what docs/reduction.md proves).

For each encoded value the canonical fit F(t) = sum a_j relu(t - k_j) is drawn
per output, exactly evaluated at its kinks (it is linear in between), with the
gadget's samples, the measuring lines and the free segment(s): the segment
between two kinks that move with the value, whose slope carries it.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Sequence

from nnsolve.numbers import Number, add, compare, sign
from nnsolve.plot.render import new_figure, to_float
from nnsolve.reduction.gadgets import (BRIDGE_GADGET, INVERSION_GADGET, VARIABLE_GADGET, GadgetType,
                                       canonical_terms, profile_value)
from nnsolve.reduction.layout import INV_UPPER2, LOWER, UPPER

F = Fraction
GADGETS = {"variable": VARIABLE_GADGET, "bridge": BRIDGE_GADGET, "inversion": INVERSION_GADGET}
DEFAULT_VALUES = (F(1, 2), F(1), F(2))
#: t of the measuring lines per gadget and output.
MEASURING = {("variable", 1): (LOWER, UPPER), ("bridge", 1): (LOWER, UPPER), ("bridge", 2): (LOWER, UPPER),
             ("inversion", 1): (LOWER, UPPER), ("inversion", 2): (INV_UPPER2 - 2, INV_UPPER2)}


def measuring_lines(name: str) -> list[Fraction]:
    """t of every measuring line of a gadget, in either output.

    >>> [str(t) for t in measuring_lines("inversion")]
    ['3', '5', '6', '8']
    """
    return sorted({t for (gadget, _), ts in MEASURING.items() if gadget == name for t in ts})


def profile_polyline(terms, lo: Number, hi: Number, output: int) -> list[tuple[Number, Number]]:
    """The exact vertices (t, F_output(t)) of the profile on [lo, hi].

    >>> terms = canonical_terms(VARIABLE_GADGET, F(1))
    >>> [(t, y) for t, y in profile_polyline(terms, F(0), F(16), 1)][:3]
    [(Fraction(0, 1), Fraction(0, 1)), (Fraction(5, 2), Fraction(0, 1)), (Fraction(11, 2), Fraction(6, 1))]
    """
    ts = [lo] + [k for k, _ in terms if compare(lo, k) < 0 and compare(k, hi) < 0] + [hi]
    return [(t, profile_value(terms, t)[output - 1]) for t in ts]


def moving_kinks(gadget: GadgetType) -> tuple[int, ...]:
    """Indices of the canonical kinks whose position depends on the value."""
    low, high = canonical_terms(gadget, F(1, 2)), canonical_terms(gadget, F(2))
    return tuple(i for i, ((k, _), (h, _)) in enumerate(zip(low, high)) if compare(k, h) != 0)


def free_segments(gadget: GadgetType, value: Number, output: int) -> list[tuple[Number, Number]]:
    """[k_i, k_{i+1}] for consecutive moving kinks where the output's slope is not 0.

    >>> [(float(a), float(b)) for a, b in free_segments(VARIABLE_GADGET, F(2), 1)]
    [(3.0, 5.0)]
    >>> free_segments(INVERSION_GADGET, F(1), 2)
    [(Fraction(11, 2), Fraction(17, 2))]
    """
    terms = canonical_terms(gadget, value)
    moving = moving_kinks(gadget)
    slope: Number = F(0)
    out = []
    for i, (k, a) in enumerate(terms[:-1]):
        slope = add(slope, a[output - 1])
        if i in moving and i + 1 in moving and sign(slope) != 0:
            out.append((k, terms[i + 1][0]))
    return out


def plot_gadget(name: str, values: Sequence[Number] = DEFAULT_VALUES, dpi: int = 100):
    """A Figure with one panel per output: the gadget's 1D profiles (an output the
    gadget does not use is drawn too, flat at 0, so every figure shows both).

    ``values`` are the encoded values (in [1/2, 2]; for the inversion gadget x,
    whose second output carries 1/x).
    """
    gadget = GADGETS[name]
    outputs = (1, 2)
    fig = new_figure(6.4 * len(outputs), 4.6, dpi)
    lo, hi = F(-1), gadget.support_end + 4
    cmap = _colormap("viridis")
    for col, output in enumerate(outputs):
        ax = fig.add_subplot(1, len(outputs), col + 1)
        for i, v in enumerate(values):
            color = cmap(0.1 + 0.75 * i / max(len(values) - 1, 1))
            terms = canonical_terms(gadget, v)
            poly = profile_polyline(terms, lo, hi, output)
            ax.plot([to_float(t) for t, _ in poly], [to_float(y) for _, y in poly], color=color, lw=1.6,
                    label=_value_label(name, v), gid="profile")
            for a, b in free_segments(gadget, v, output):
                seg = profile_polyline(terms, a, b, output)
                ax.plot([to_float(t) for t, _ in seg], [to_float(y) for _, y in seg], color=color, lw=7,
                        alpha=0.3, solid_capstyle="butt", gid="free-segment")
            kinks = [k for k, jump in terms if sign(jump[output - 1]) != 0]
            ax.plot([to_float(k) for k in kinks], [to_float(profile_value(terms, k)[output - 1]) for k in kinks],
                    "v", color=color, ms=6, gid="kink")
        samples = gadget.samples
        ax.plot([float(t) for t, _ in samples], [float(y[output - 1]) for _, y in samples], "o", color="black",
                ms=5, zorder=5, label=f"samples ({len(samples)})", gid="sample")
        for t in MEASURING.get((name, output), ()):
            ax.axvline(float(t), color="tab:red", ls="--", lw=0.9)
            ax.annotate(f"t={t}", (float(t), 0.97), xycoords=("data", "axes fraction"), color="tab:red",
                        fontsize=8, ha="center", va="top")
        ax.set_xlabel("t (vertical distance across the stripe)")
        ax.set_ylabel(f"output {output}")
        unused = "" if output in gadget.outputs else " (not used: labels 0)"
        ax.set_title(f"{name} gadget, output {output}{unused}")
        ax.grid(alpha=0.25)
        ax.legend(fontsize=8, loc="upper right")
    fig.suptitle(f"{name} gadget: {gadget.budget} neurons, {len(gadget.samples)} samples per cross-section; "
                 "shaded: free segment, triangles: kinks, dashed: measuring lines", fontsize=10)
    fig.tight_layout(rect=(0, 0, 1, 0.94))
    return fig


def _value_label(name: str, v: Number) -> str:
    if name == "inversion":
        return f"x = {v}, 1/x = {1 / v}" if isinstance(v, Fraction) else "x = ..."
    return f"value {v} (slope {v + 1})" if isinstance(v, Fraction) else "value ..."


def _colormap(name: str):
    from matplotlib import colormaps
    return colormaps[name]
