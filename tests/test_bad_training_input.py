"""Malformed training and network files: every subcommand that reads one answers with
one line on stderr and exit code 2, never a traceback or an internal error.  Files
that are well-formed but degenerate (repeated points, huge widths, no points) are
decided."""

import json

import pytest

from nnsolve.cli import main

GOOD = {"format": "nnsolve-training/1", "inputs": 2, "outputs": 2, "hidden": 1, "target_error": "0",
        "points": [{"x": ["0", "0"], "y": ["0", "0"]}, {"x": ["1", "0"], "y": ["1", "0"]},
                   {"x": ["2", "0"], "y": ["2", "0"]}]}
NET = {"format": "nnsolve-network/1", "hidden": 1, "bias": ["0", "0"],
       "neurons": [{"w": ["1", "0"], "b": "0", "a": ["1", "0"]}]}


def _with(base, path, value):
    data = json.loads(json.dumps(base))
    *head, last = path
    target = data
    for k in head:
        target = target[k]
    if value is KeyError:
        del target[last]
    else:
        target[last] = value
    return json.dumps(data).encode()


MALFORMED_TRAINING = {
    "empty": b"",
    "blank": b"  \n\t\n",
    "not json": b"hello world",
    "truncated": json.dumps(GOOD).encode()[:-7],
    "array": b"[1, 2, 3]",
    "null": b"null",
    "string": b'"nnsolve-training/1"',
    "latin-1": '{"format": "nnsolve-training/1", "source": "caf\u00e9"}'.encode("latin-1"),
    "deep nesting": b"[" * 100_000 + b"]" * 100_000,
    "huge int literal": b'{"format": "nnsolve-training/1", "hidden": ' + b"9" * 5000 + b"}",
    "missing format": _with(GOOD, ["format"], KeyError),
    "wrong format": _with(GOOD, ["format"], "nnsolve-network/1"),
    "format number": _with(GOOD, ["format"], 1),
    "missing points": _with(GOOD, ["points"], KeyError),
    "extra key": _with(GOOD, ["weights"], [1, 2]),
    "inputs string": _with(GOOD, ["inputs"], "2"),
    "inputs zero": _with(GOOD, ["inputs"], 0),
    "outputs negative": _with(GOOD, ["outputs"], -1),
    "inputs bool": _with(GOOD, ["inputs"], True),
    "hidden negative": _with(GOOD, ["hidden"], -3),
    "hidden float": _with(GOOD, ["hidden"], 2.5),
    "hidden null": _with(GOOD, ["hidden"], None),
    "target negative": _with(GOOD, ["target_error"], "-1"),
    "target float": _with(GOOD, ["target_error"], 0.5),
    "target algebraic": _with(GOOD, ["target_error"], {"poly": [1, 0, -2], "interval": ["1", "2"]}),
    "loss unknown": _with(GOOD, ["loss"], "absolute"),
    "points object": _with(GOOD, ["points"], {"x": ["0", "0"]}),
    "points null": _with(GOOD, ["points"], None),
    "point not object": _with(GOOD, ["points", 0], ["0", "0"]),
    "point missing y": _with(GOOD, ["points", 1, "y"], KeyError),
    "point extra key": _with(GOOD, ["points", 1, "z"], "1"),
    "x too short": _with(GOOD, ["points", 1, "x"], ["1"]),
    "x too long": _with(GOOD, ["points", 1, "x"], ["1", "2", "3"]),
    "x not list": _with(GOOD, ["points", 1, "x"], "1 2"),
    "x float": _with(GOOD, ["points", 1, "x"], [0.5, "0"]),
    "x division by zero": _with(GOOD, ["points", 1, "x"], ["1/0", "0"]),
    "x nan": _with(GOOD, ["points", 1, "x"], ["nan", "0"]),
    "x infinity": _with(GOOD, ["points", 1, "x"], ["inf", "0"]),
    "x exponent": _with(GOOD, ["points", 1, "x"], ["1e3", "0"]),
    "x empty string": _with(GOOD, ["points", 1, "x"], ["", "0"]),
    "x word": _with(GOOD, ["points", 1, "x"], ["one", "0"]),
    "x huge digits": _with(GOOD, ["points", 1, "x"], ["1" * 6000, "0"]),
    "x irrational": _with(GOOD, ["points", 1, "x"], [{"poly": [1, 0, -2], "interval": ["1", "2"]}, "0"]),
    "y bool": _with(GOOD, ["points", 1, "y"], [True, "0"]),
    "y null": _with(GOOD, ["points", 1, "y"], [None, "0"]),
    "y nested list": _with(GOOD, ["points", 1, "y"], [["1"], "0"]),
    "y algebraic no root": _with(GOOD, ["points", 1, "y"], [{"poly": [1, 0, 2], "interval": ["0", "1"]}, "0"]),
    "y algebraic bad keys": _with(GOOD, ["points", 1, "y"], [{"poly": [1, 0, -2]}, "0"]),
    "y algebraic huge degree": _with(GOOD, ["points", 1, "y"], [{"poly": [1] + [0] * 500 + [-2],
                                                                 "interval": ["1", "2"]}, "0"]),
    "a network file": json.dumps(NET).encode(),
}

MALFORMED_NETWORK = {
    "empty": b"",
    "not json": b"{neurons: 1}",
    "wrong format": _with(NET, ["format"], "nnsolve-training/1"),
    "hidden mismatch": _with(NET, ["hidden"], 2),
    "hidden negative": _with(NET, ["hidden"], -1),
    "neurons not list": _with(NET, ["neurons"], {"w": ["1", "0"]}),
    "neuron missing b": _with(NET, ["neurons", 0, "b"], KeyError),
    "neuron w empty": _with(NET, ["neurons", 0, "w"], []),
    "neuron w number": _with(NET, ["neurons", 0, "w"], "1"),
    "neuron a wrong length": _with(NET, ["neurons", 0, "a"], ["1"]),
    "neuron b float": _with(NET, ["neurons", 0, "b"], 0.25),
    "bias not list": _with(NET, ["bias"], "0"),
    "bias empty": _with(NET, ["bias"], []),
    "bias algebraic reversed interval": _with(NET, ["bias"], [{"poly": [1, 0, -2], "interval": ["2", "1"]}, "0"]),
    "bias algebraic two roots": _with(NET, ["bias"], [{"poly": [1, 0, -2], "interval": ["-2", "2"]}, "0"]),
    "bias algebraic zero poly": _with(NET, ["bias"], [{"poly": [0, 0], "interval": ["-2", "2"]}, "0"]),
    "a training file": json.dumps(GOOD).encode(),
}


def _run(capsys, *argv):
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _assert_one_line(code, err, name):
    assert code == 2, f"{name}: exit {code}, stderr {err!r}"
    lines = err.strip().splitlines()
    assert len(lines) == 1, f"{name}: {err!r}"
    assert "internal error" not in err and "Traceback" not in err, f"{name}: {err!r}"


TRAINING_COMMANDS = {
    "train": lambda f, tmp: ("train", f, "--timeout", "5"),
    "encode": lambda f, tmp: ("encode", f, "-o", tmp / "q.smt2"),
    "export-csv": lambda f, tmp: ("export-csv", f, "-o", tmp / "p.csv"),
}


@pytest.mark.parametrize("command", sorted(TRAINING_COMMANDS))
def test_malformed_training_files(tmp_path, capsys, command):
    for name, content in MALFORMED_TRAINING.items():
        f = tmp_path / "bad.json"
        f.write_bytes(content)
        code, _, err = _run(capsys, *TRAINING_COMMANDS[command](f, tmp_path))
        _assert_one_line(code, err, f"{command} / {name}")
        assert not (tmp_path / "q.smt2").exists() and not (tmp_path / "p.csv").exists()


def test_malformed_training_files_for_plot(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    for name, content in MALFORMED_TRAINING.items():
        f = tmp_path / "bad.json"
        f.write_bytes(content)
        code, _, err = _run(capsys, "plot", f, "-o", tmp_path / "x.png")
        _assert_one_line(code, err, f"plot / {name}")


@pytest.mark.parametrize("path", ["missing.json", "."])
def test_unreadable_paths(tmp_path, capsys, path):
    for argv in (("train", path), ("encode", path, "-o", tmp_path / "q.smt2"), ("export-csv", path, "-o",
                                                                                 tmp_path / "p.csv")):
        code, _, err = _run(capsys, *argv)
        _assert_one_line(code, err, f"{argv[0]} {path}")


def test_malformed_network_files(tmp_path, capsys):
    instance = tmp_path / "t.json"
    instance.write_text(json.dumps(GOOD))
    for name, content in MALFORMED_NETWORK.items():
        f = tmp_path / "net.json"
        f.write_bytes(content)
        code, _, err = _run(capsys, "extract", "instances/tier1/half.smt2", f)
        _assert_one_line(code, err, f"extract / {name}")
        if pytest.importorskip("matplotlib"):
            code, _, err = _run(capsys, "plot", instance, "--witness", f, "-o", tmp_path / "x.png")
            _assert_one_line(code, err, f"plot --witness / {name}")


def test_repeated_consistent_points_are_merged(tmp_path, capsys):
    # the case: x = 0, y = 0, 1, 2, 3, 2 with labels 0, 0, 0, 1, 0 (y = 2 twice, same label)
    pts = [(0, 0), (1, 0), (2, 0), (3, 1), (2, 0)]
    data = dict(GOOD, points=[{"x": ["0", str(y)], "y": [str(lab), "0"]} for y, lab in pts])
    f = tmp_path / "t.json"
    f.write_text(json.dumps(data))
    code, out, err = _run(capsys, "train", f, "--json", "--timeout", "30")
    assert code == 0, err
    assert json.loads(out)["status"] == "sat"


def test_repeated_conflicting_points_are_unsat_with_both_named(tmp_path, capsys):
    pts = [(0, 0), (1, 0), (2, 0), (3, 1), (2, 5)]
    data = dict(GOOD, hidden=3, points=[{"x": ["0", str(y)], "y": [str(lab), "0"]} for y, lab in pts])
    f = tmp_path / "t.json"
    f.write_text(json.dumps(data))
    code, out, err = _run(capsys, "train", f, "--json")
    assert code == 0, err
    result = json.loads(out)
    assert result["status"] == "unsat" and result["method"] == "inspection:repeated-input"
    assert "points 2 and 4" in result["reason"]
    # the encodings stay well-formed (the query is simply unsat)
    code, _, err = _run(capsys, "encode", f, "-o", tmp_path / "q.smt2")
    assert code == 0, err


@pytest.mark.parametrize("hidden", [4, 1000, 100_000_000_000, 10 ** 60])
def test_width_at_the_interpolation_bound_is_sat_without_building_it(tmp_path, capsys, hidden):
    data = dict(GOOD, hidden=hidden, points=[{"x": [str(i), str(i * i % 7)], "y": [str(i % 3), "1"]}
                                               for i in range(5)])
    f = tmp_path / "t.json"
    f.write_text(json.dumps(data))
    out_net = tmp_path / "net.json"
    code, out, err = _run(capsys, "train", f, "--json", "-o", out_net)
    assert code == 0, err
    result = json.loads(out)
    assert result["status"] == "sat" and result["method"] == "inspection:interpolation"
    written = json.loads(out_net.read_text())
    assert written["hidden"] == (hidden if hidden <= 100_000 else 4)


def test_encode_refuses_a_width_it_cannot_write(tmp_path, capsys):
    data = dict(GOOD, hidden=100_000_000_000)
    f = tmp_path / "t.json"
    f.write_text(json.dumps(data))
    code, _, err = _run(capsys, "encode", f, "-o", tmp_path / "q.smt2")
    _assert_one_line(code, err, "encode huge")
    assert "trivially sat" in err
    assert not (tmp_path / "q.smt2").exists()


def test_no_points_and_no_neurons(tmp_path, capsys):
    f = tmp_path / "t.json"
    f.write_text(json.dumps(dict(GOOD, hidden=0, points=[])))
    code, out, err = _run(capsys, "train", f, "--json")
    assert code == 0 and json.loads(out)["status"] == "sat", err
