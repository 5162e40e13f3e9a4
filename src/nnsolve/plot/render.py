"""Headless rendering: matplotlib Figures without pyplot (no global state, no display).

matplotlib is an optional extra (``pip install 'nnsolve[plot]'``); everything
here imports it lazily and turns its absence into :class:`PlotUnavailable`.
"""

from __future__ import annotations

import io
from fractions import Fraction
from pathlib import Path
from typing import Sequence

from nnsolve.errors import InputError
from nnsolve.files import write_atomic
from nnsolve.numbers import Number, approximate

FORMATS = ("png", "svg", "pdf")
INSTALL_HINT = "pip install 'nnsolve[plot]'  (or: pip install matplotlib)"


class PlotUnavailable(RuntimeError):
    """matplotlib is not installed."""


def new_figure(width: float, height: float, dpi: int = 100):
    """A matplotlib Figure of ``width`` x ``height`` inches, not attached to any GUI."""
    try:
        from matplotlib.figure import Figure
    except ImportError as exc:
        raise PlotUnavailable(f"plotting needs matplotlib, an optional extra: {INSTALL_HINT}") from exc
    return Figure(figsize=(width, height), dpi=dpi)


def output_format(path: str | Path) -> str:
    """The image format named by the file's suffix (png, svg or pdf)."""
    suffix = Path(path).suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        raise InputError(str(path), None, None, "cannot tell the image format from the file name",
                         ", ".join("FILE." + f for f in FORMATS))
    return suffix


def save_figure(figure, path: str | Path) -> None:
    """Render ``figure`` and write it whole (temporary file, then rename).

    The image has exactly the figure's size in inches times its dpi (no tight
    bounding box), so a caller can predict the pixel size.
    """
    fmt = output_format(path)
    buffer = io.BytesIO()
    figure.savefig(buffer, format=fmt, dpi=figure.dpi)
    write_atomic(path, buffer.getvalue())


def to_float(a: Number | float) -> float:
    """For drawing only: never used to decide anything."""
    return float(a) if isinstance(a, (int, float)) else float(approximate(a, 60))


def to_rational(a: Number) -> Fraction:
    """A rational within 2^-80 of ``a``, for drawing: shears of large coordinates stay accurate."""
    return approximate(a, 80)


def clip_line(coef: Sequence[float], box: tuple[float, float, float, float]):
    """The segment of {p : c0 p_x + c1 p_y + c2 = 0} inside the box (x0, x1, y0, y1), or None.

    >>> clip_line((1.0, -1.0, 0.0), (0.0, 2.0, 0.0, 1.0))   # y = x
    ((0.0, 0.0), (1.0, 1.0))
    >>> clip_line((1.0, 0.0, -5.0), (0.0, 2.0, 0.0, 1.0)) is None   # x = 5
    True
    """
    c0, c1, c2 = coef
    x0, x1, y0, y1 = box
    hits = []
    if c1 != 0:
        for x in (x0, x1):
            y = -(c0 * x + c2) / c1
            if y0 <= y <= y1:
                hits.append((x, y))
    if c0 != 0:
        for y in (y0, y1):
            x = -(c1 * y + c2) / c0
            if x0 <= x <= x1:
                hits.append((x, y))
    hits = sorted(set(hits))
    if len(hits) < 2:
        return None
    return hits[0], hits[-1]
