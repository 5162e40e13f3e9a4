"""Pictures of a training instance in the plane, optionally with a network's breaklines.

:func:`plot_instance` draws any instance (points coloured by label, one panel
per output).  :func:`plot_reduction` adds the reduction's structure: an
overview in true coordinates, then one row per cluster in *sheared*
coordinates (x, y - 2 a x + a^2) centred on the cluster's tangent parameter a.
The shear keeps x and every stripe's t (vertical distance), maps lines to
lines, and turns the cluster's nearly parallel stripes (slopes 2a, 2a + 3,
2a + 6) into slopes 0, 3, 6, so the stripes, measuring lines, constraint
points and breaklines become visible.  Drawing uses floats; nothing drawn
decides anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Sequence

from nnsolve.numbers import Number
from nnsolve.plot.gadget import measuring_lines
from nnsolve.plot.render import clip_line, new_figure, to_float, to_rational
from nnsolve.reduction.layout import Reduction, clusters
from nnsolve.training.instance import TrainingInstance
from nnsolve.training.network import Network

F = Fraction
PANEL = (6.4, 4.8)  # inches per panel
MARKERS = {"copy": "s", "add": "P", "transfer": "*"}


@dataclass(frozen=True)
class Shear:
    """(x, y) -> (x, y - 2 a x + a^2); a = 0 is the identity."""

    a: Fraction = F(0)

    def point(self, p: Sequence[Number]) -> tuple[float, float]:
        x, y, a = to_rational(p[0]), to_rational(p[1]), self.a
        return float(x), float(y - 2 * a * x + a * a)

    def line(self, w: Sequence[Number], b: Number) -> tuple[float, float, float]:
        """Coefficients (c0, c1, c2) of the image of {w . p + b = 0} (y = Y + 2 a x - a^2)."""
        w1, w2, b0, a = to_rational(w[0]), to_rational(w[1]), to_rational(b), self.a
        return float(w1 + 2 * a * w2), float(w2), float(b0 - a * a * w2)


def plot_instance(instance: TrainingInstance, network: Network | None = None,
                  outputs: Sequence[int] = (1, 2), title: str | None = None, dpi: int = 100):
    """Points in the plane coloured by label, one panel per output; a network's breaklines."""
    _check_inputs(instance)
    fig = new_figure(PANEL[0] * len(outputs), PANEL[1], dpi)
    for col, output in enumerate(outputs):
        ax = fig.add_subplot(1, len(outputs), col + 1)
        _overview(fig, ax, instance, network, output)
    fig.suptitle(title or _title(instance, network), fontsize=10)
    _tight(fig)
    return fig


def plot_reduction(red: Reduction, network: Network | None = None, outputs: Sequence[int] = (1, 2),
                   max_clusters: int = 6, title: str | None = None, dpi: int = 100):
    """Overview plus one row per cluster (at most ``max_clusters``) of the reduction's instance."""
    groups = clusters(red)
    shown = groups[:max_clusters]
    rows = 1 + len(shown)
    fig = new_figure(PANEL[0] * len(outputs), PANEL[1] * rows, dpi)
    for col, output in enumerate(outputs):
        ax = fig.add_subplot(rows, len(outputs), col + 1)
        _overview(fig, ax, red.instance, network, output)
        for cp in red.constraint_points:
            x, y = Shear().point(cp.point)
            ax.plot([x], [y], MARKERS[cp.kind], color="tab:red", ms=9, mfc="none", gid="constraint-point")
        for r, cluster in enumerate(shown):
            ax = fig.add_subplot(rows, len(outputs), (r + 1) * len(outputs) + col + 1)
            _cluster(fig, ax, red, cluster, network, output)
    more = f"; {len(groups) - len(shown)} more clusters not drawn" if len(groups) > len(shown) else ""
    fig.suptitle((title or _title(red.instance, network)) + more, fontsize=10)
    _tight(fig)
    return fig


def _tight(fig) -> None:
    """Lay out the panels below a 0.4-inch band for the title."""
    height = fig.get_size_inches()[1]
    fig.tight_layout(rect=(0, 0, 1, 1 - 0.4 / height))


def _check_inputs(instance: TrainingInstance) -> None:
    if instance.inputs != 2:
        raise ValueError(f"only instances with 2 inputs can be drawn in the plane, not {instance.inputs}")


def _title(instance: TrainingInstance, network: Network | None) -> str:
    text = f"{len(instance.points)} points, {instance.hidden} hidden neurons"
    if network is not None:
        text += f"; witness with {network.hidden} neurons (breaklines drawn)"
    return text


def _scatter(fig, ax, xy, labels, output):
    sc = ax.scatter([p[0] for p in xy], [p[1] for p in xy], c=labels, cmap="viridis", s=10, zorder=3,
                    vmin=min(labels, default=0), vmax=max(labels, default=1), gid="data")
    fig.colorbar(sc, ax=ax, label=f"label, output {output}", shrink=0.85)


def _breaklines(ax, network: Network | None, shear: Shear, box) -> int:
    """Draw each neuron's breakline clipped to the box; return how many missed it."""
    if network is None:
        return 0
    missed = 0
    for neuron in network.neurons:
        seg = clip_line(shear.line(neuron.w, neuron.b), box)
        if seg is None:
            missed += 1
            continue
        (x0, y0), (x1, y1) = seg
        ax.plot([x0, x1], [y0, y1], color="tab:orange", lw=0.8, alpha=0.9, zorder=2, gid="breakline")
    return missed


def _box(xy, margin: float = 0.05):
    xs, ys = [p[0] for p in xy], [p[1] for p in xy]
    dx, dy = (max(xs) - min(xs)) or 1.0, (max(ys) - min(ys)) or 1.0
    return min(xs) - margin * dx, max(xs) + margin * dx, min(ys) - margin * dy, max(ys) + margin * dy


def _overview(fig, ax, instance: TrainingInstance, network: Network | None, output: int) -> None:
    xy = [Shear().point(p.x) for p in instance.points]
    labels = [to_float(p.y[output - 1]) for p in instance.points]
    box = _box(xy) if xy else (-1.0, 1.0, -1.0, 1.0)
    _scatter(fig, ax, xy, labels, output)
    missed = _breaklines(ax, network, Shear(), box)
    ax.set_xlim(box[0], box[1])
    ax.set_ylim(box[2], box[3])
    ax.set_xlabel("input 1")
    ax.set_ylabel("input 2")
    note = f" ({missed} breaklines miss the view)" if missed else ""
    ax.set_title(f"all points, output {output}{note}", fontsize=9)


def _cluster(fig, ax, red: Reduction, cluster, network: Network | None, output: int) -> None:
    shear = Shear(cluster.a)
    own = [red.gadgets[i] for i in cluster.gadgets]
    cps = [red.constraint_points[j] for j in cluster.constraint_points]
    # x-range: from the leftmost point read on one of the cluster's stripes to the last cross-section
    read = [cp.point for cp in red.constraint_points if any(r.gadget in cluster.gadgets for r in cp.readings)]
    xs = [to_float(p[0]) for p in read] + [to_float(s) for s in red.cross_sections]
    x0, x1 = min(xs) - 5.0, max(xs) + 5.0
    # y-range: the cluster's stripes (t from -2 to the gadget's support end + 3) over that x-range
    ys = []
    for g in own:
        for x in (x0, x1):
            for t in (F(-2), g.kind.support_end + 4):
                ys.append(shear.point(g.stripe.at(F(x), t))[1])
    box = (x0, x1, min(ys), max(ys))
    for g in own:
        _stripe(ax, shear, g, box)
    # other gadgets' stripes crossing the view (they carry this cluster's copy points)
    for i, g in enumerate(red.gadgets):
        if i not in cluster.gadgets:
            _stripe(ax, shear, g, box, faint=True)
    inside = [(shear.point(p.x), to_float(p.y[output - 1])) for p in red.instance.points]
    inside = [(q, lab) for q, lab in inside if box[0] <= q[0] <= box[1] and box[2] <= q[1] <= box[3]]
    _scatter(fig, ax, [q for q, _ in inside], [lab for _, lab in inside], output)
    for cp in cps:
        x, y = shear.point(cp.point)
        ax.plot([x], [y], MARKERS[cp.kind], color="tab:red", ms=11, mfc="none", mew=1.5, zorder=4,
                gid="constraint-point")
        ax.annotate(f"{cp.kind} {_label(cp.label)}\n{cp.note}", (x, y), textcoords="offset points",
                    xytext=(6, 6), fontsize=7, color="tab:red")
    missed = _breaklines(ax, network, shear, box)
    ax.set_xlim(box[0], box[1])
    ax.set_ylim(box[2], box[3])
    ax.set_xlabel("input 1")
    ax.set_ylabel(f"input 2 - {2 * cluster.a} input 1 + {cluster.a ** 2}")
    note = f"; {missed} breaklines elsewhere" if network is not None else ""
    ax.set_title(f"{cluster.name} (sheared at a = {cluster.a}), output {output}{note}", fontsize=9)


def _stripe(ax, shear: Shear, g, box, faint: bool = False) -> None:
    """The band 0 <= t <= support_end, dashed measuring lines, the gadget's name."""
    m, c = g.stripe.slope, g.stripe.intercept
    lines = [clip_line(shear.line((-m, F(1)), -c - t), box) for t in (F(0), g.kind.support_end)]
    if any(seg is None for seg in lines):
        return
    (a0, a1), (b0, b1) = lines
    ax.fill([a0[0], a1[0], b1[0], b0[0]], [a0[1], a1[1], b1[1], b0[1]], color="0.5" if faint else "tab:blue",
            alpha=0.07 if faint else 0.12, lw=0, gid="stripe")
    if faint:
        return
    for t in measuring_lines(g.kind.name):
        seg = clip_line(shear.line((-m, F(1)), -c - t), box)
        if seg is not None:
            ax.plot([seg[0][0], seg[1][0]], [seg[0][1], seg[1][1]], ls="--", lw=0.6, color="tab:blue",
                    gid="measuring-line")
    (x, y) = b1
    ax.annotate(g.name, (x, y), textcoords="offset points", xytext=(-4, 2), ha="right", fontsize=7,
                color="tab:blue")


def _label(label) -> str:
    return "(" + ", ".join(str(v) for v in label) + ")"
