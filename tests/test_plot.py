"""`nnsolve plot` and nnsolve.plot: valid images of the predicted size, one
breakline per neuron, a clear message without matplotlib, atomic output."""

import os
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
from fractions import Fraction as F
from pathlib import Path

import pytest

from nnsolve.cli import main
from nnsolve.files import write_atomic
from nnsolve.formula.model import Formula, Inv
from nnsolve.reduction import reduce_formula
from nnsolve.reduction.witness import forward_map
from nnsolve.training.instance import DataPoint, TrainingInstance
from nnsolve.training.io import network_to_json
from nnsolve.training.network import Network, Neuron

pytest.importorskip("matplotlib")  # the test extra installs it; the plot extra is optional

from nnsolve.plot import plot_gadget, plot_instance, plot_reduction, save_figure  # noqa: E402
from nnsolve.plot.gadget import free_segments  # noqa: E402
from nnsolve.reduction.gadgets import INVERSION_GADGET, VARIABLE_GADGET  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == PNG_MAGIC, "not a PNG file"
    assert data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def expected_pixels(figure) -> tuple[int, int]:
    w, h = figure.get_size_inches() * figure.dpi
    return int(round(w)), int(round(h))


def breaklines(axes) -> int:
    return sum(1 for line in axes.get_lines() if line.get_gid() == "breakline")


@pytest.fixture(scope="module")
def self_inverse():
    red = reduce_formula(Formula(("x",), (Inv("x", "x"),)))
    return red, forward_map(red, {"x": F(1)})


@pytest.mark.parametrize("name", ["variable", "bridge", "inversion"])
def test_gadget_figure_is_a_png_of_the_figure_size(tmp_path, name):
    fig = plot_gadget(name, dpi=50)
    path = tmp_path / "g.png"
    save_figure(fig, path)
    assert png_size(path) == expected_pixels(fig)
    # one panel per output, each with one profile per value and the samples; the free
    # segment is highlighted in every output the gadget uses (and only there)
    panels = fig.axes
    assert len(panels) == 2
    for output, ax in enumerate(panels, start=1):
        assert sum(line.get_gid() == "profile" for line in ax.get_lines()) == 3
        assert any(line.get_gid() == "sample" for line in ax.get_lines())
        used = output in {"variable": (1,), "bridge": (1, 2), "inversion": (1, 2)}[name]
        assert any(line.get_gid() == "free-segment" for line in ax.get_lines()) == used


def test_free_segment_is_the_flank_that_carries_the_value():
    # value 1: slope s = 2, flank from 4 - 3/2 to 4 + 3/2 in output 1
    assert free_segments(VARIABLE_GADGET, F(1), 1) == [(F(5, 2), F(11, 2))]
    # inversion, x = 2: output 2 rises with s' = 3/2 from k2 = 5 to k3 = 14 - k2 - ... = 9 (6 = 3/2 * 4)
    assert free_segments(INVERSION_GADGET, F(2), 2) == [(F(5), F(9))]
    assert free_segments(INVERSION_GADGET, F(2), 1) == [(F(3), F(5))]


def test_witness_plot_draws_one_breakline_per_neuron(tmp_path, self_inverse):
    red, network = self_inverse
    fig = plot_reduction(red, network, dpi=40)
    overview = fig.axes[0]
    assert breaklines(overview) == network.hidden == red.instance.hidden
    # every cluster row shows only the breaklines that cross its view, never more than m
    assert all(breaklines(ax) <= network.hidden for ax in fig.axes if ax.get_gid() != "colorbar")
    path = tmp_path / "w.svg"
    save_figure(fig, path)
    root = ET.parse(path).getroot()
    assert root.tag.endswith("svg")
    width, height = expected_pixels(fig)
    # matplotlib writes SVG sizes in points (72 per inch)
    assert float(root.get("width").rstrip("pt")) == pytest.approx(fig.get_size_inches()[0] * 72)
    assert float(root.get("height").rstrip("pt")) == pytest.approx(fig.get_size_inches()[1] * 72)
    assert width > 0 and height > 0


def test_no_witness_no_breaklines(self_inverse):
    red, _ = self_inverse
    fig = plot_reduction(red, None, outputs=(1,), dpi=30)
    assert all(breaklines(ax) == 0 for ax in fig.axes)
    # one overview plus one panel per cluster (variable x, constraint C0), plus colorbars
    assert sum(1 for ax in fig.axes if ax.get_xlabel() == "input 1") == 3
    assert sum(1 for ax in fig.axes for line in ax.get_lines() if line.get_gid() == "constraint-point") >= 3


def test_plain_instance_counts_breaklines_outside_the_view():
    inst = TrainingInstance(tuple(DataPoint((F(i), F(j)), (F(i), F(0))) for i in range(3) for j in range(3)), 2)
    inside = Neuron((F(1), F(0)), F(-1), (F(1), F(0)))       # x = 1
    outside = Neuron((F(1), F(0)), F(-100), (F(1), F(0)))   # x = 100
    fig = plot_instance(inst, Network((inside, outside), (F(0), F(0))), outputs=(1,), dpi=30)
    assert breaklines(fig.axes[0]) == 1
    assert "1 breaklines miss the view" in fig.axes[0].get_title()


def test_cli_plot_formula_with_forward_witness(tmp_path, capsys):
    out = tmp_path / "x.png"
    code = main(["plot", str(ROOT / "instances/tier1/self_inverse.smt2"), "-o", str(out),
                 "--witness", "forward", "--dpi", "30"])
    assert code == 0, capsys.readouterr().err
    text = capsys.readouterr().out
    assert "17 breaklines" in text and "fits exactly" in text
    width, height = png_size(out)
    assert f"({width} x {height} px)" in text


def test_cli_plot_training_json_with_network_file(tmp_path, capsys, self_inverse):
    from nnsolve.training import instance_to_json
    red, network = self_inverse
    (tmp_path / "t.json").write_text(instance_to_json(red.instance))
    (tmp_path / "n.json").write_text(network_to_json(network))
    code = main(["plot", str(tmp_path / "t.json"), "-o", str(tmp_path / "t.svg"), "--witness",
                 str(tmp_path / "n.json"), "--output", "2", "--dpi", "30"])
    assert code == 0
    assert "fits exactly" in capsys.readouterr().out
    assert ET.parse(tmp_path / "t.svg").getroot().tag.endswith("svg")


@pytest.mark.parametrize("argv, message", [
    (["plot", "--gadget", "variable", "-o", "g.jpg"], "cannot tell the image format"),
    (["plot", "--gadget", "variable", "-o", "g.png", "--values", "1,5/2"], "not a rational in [1/2, 2]"),
    (["plot", "-o", "g.png"], "nothing to draw"),
    (["plot", "instances/tier1/self_inverse.smt2", "--gadget", "variable", "-o", "g.png"], "--gadget draws"),
])
def test_cli_plot_bad_input(tmp_path, capsys, monkeypatch, argv, message):
    monkeypatch.chdir(ROOT)
    argv = [str(tmp_path / a) if a.startswith("g.") else a for a in argv]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1
    assert not any(tmp_path.iterdir())  # nothing written


def test_cli_plot_rejects_instances_and_networks_of_the_wrong_shape(tmp_path, capsys):
    from nnsolve.training import instance_to_json
    one = TrainingInstance(tuple(DataPoint((F(i),), (F(i),)) for i in range(3)), 1, inputs=1, outputs=1)
    (tmp_path / "one.json").write_text(instance_to_json(one))
    assert main(["plot", str(tmp_path / "one.json"), "-o", str(tmp_path / "o.png")]) == 2
    assert "cannot be drawn in the plane" in capsys.readouterr().err
    two = TrainingInstance(tuple(DataPoint((F(i), F(0)), (F(i), F(0))) for i in range(3)), 2)
    (tmp_path / "two.json").write_text(instance_to_json(two))
    # the second neuron has one input weight: caught for every neuron, not only the first
    net = Network((Neuron((F(1), F(0)), F(0), (F(1), F(0))), Neuron((F(1),), F(0), (F(1), F(0)))), (F(0), F(0)))
    (tmp_path / "net.json").write_text(network_to_json(net))
    assert main(["plot", str(tmp_path / "two.json"), "-o", str(tmp_path / "o.png"),
                 "--witness", str(tmp_path / "net.json")]) == 2
    err = capsys.readouterr().err.strip()
    # the network reader already refuses neurons with different numbers of inputs
    assert "$.neurons[1].w" in err and len(err.splitlines()) == 1
    assert not (tmp_path / "o.png").exists()
    # a consistent network of the wrong shape for the instance: plot names the neuron
    net = Network(tuple(Neuron((F(1),), F(k), (F(1), F(0))) for k in range(2)), (F(0), F(0)))
    (tmp_path / "net.json").write_text(network_to_json(net))
    assert main(["plot", str(tmp_path / "two.json"), "-o", str(tmp_path / "o.png"),
                 "--witness", str(tmp_path / "net.json")]) == 2
    err = capsys.readouterr().err.strip()
    assert "neuron 0 does not match" in err and len(err.splitlines()) == 1
    assert not (tmp_path / "o.png").exists()


def test_missing_matplotlib_gives_one_line_and_exit_2(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)  # import now raises ImportError
    assert main(["plot", "--gadget", "variable", "-o", str(tmp_path / "g.png")]) == 2
    err = capsys.readouterr().err.strip()
    assert "needs matplotlib" in err and "pip install 'nnsolve[plot]'" in err
    assert len(err.splitlines()) == 1


def test_write_atomic_bytes_and_ordinary_file_mode(tmp_path):
    umask = os.umask(0o022)
    try:
        write_atomic(tmp_path / "a.bin", b"\x00\x01")
        write_atomic(tmp_path / "a.txt", "text")
    finally:
        os.umask(umask)
    assert (tmp_path / "a.bin").read_bytes() == b"\x00\x01"
    assert (tmp_path / "a.bin").stat().st_mode & 0o777 == 0o644
    assert (tmp_path / "a.txt").stat().st_mode & 0o777 == 0o644
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


@pytest.mark.slow  # 20 s: a docs tool; the plot functions it calls are tested above
def test_docs_figures_script_makes_every_figure(tmp_path):
    """docs/figures/ is regenerated by one script; it writes each figure the docs use."""
    run = subprocess.run([sys.executable, str(ROOT / "docs/figures/make_figures.py"), "--out", str(tmp_path)],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    made = sorted(p.name for p in tmp_path.glob("*.png"))
    shipped = sorted(p.name for p in (ROOT / "docs/figures").glob("*.png") if p.name not in BENCHMARK_CHARTS)
    assert made == shipped
    for name in made:
        png_size(tmp_path / name)
    docs = "".join(p.read_text() for p in (ROOT / "docs").glob("*.md"))
    assert all(f"figures/{name}" in docs for name in made), "every figure is used in docs/"


# charts of measured results, drawn by the benchmark scripts that measure them
BENCHMARK_CHARTS = {"family_cactus.png": "benchmarks/family.py", "scaling.png": "benchmarks/scaling.py",
                    "scaling_unsat_random.png": "benchmarks/scaling.py"}


def test_benchmark_charts_are_shipped_used_and_drawn_by_their_script():
    docs = "".join(p.read_text() for p in (ROOT / "docs").glob("*.md"))
    for name, script in BENCHMARK_CHARTS.items():
        png_size(ROOT / "docs/figures" / name)
        assert f"figures/{name}" in docs
        assert name in (ROOT / script).read_text(), f"{script} draws {name}"
