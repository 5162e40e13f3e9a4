"""JSON formats for training instances and networks (see docs/formats.md), CSV export."""

from __future__ import annotations

import json
from collections import Counter
from fractions import Fraction
from pathlib import Path

from nnsolve.errors import InputError
from nnsolve.numbers import NumberFormatError, approximate, from_json, to_json
from nnsolve.training.instance import LOSSES, DataPoint, TrainingInstance
from nnsolve.training.network import Network, Neuron

INSTANCE_FORMAT = "nnsolve-training/1"
#: Algebraic numbers read from files: bounds that keep factoring and root isolation quick.
MAX_DEGREE, MAX_COEFFICIENT_BITS = 64, 4096
NETWORK_FORMAT = "nnsolve-network/1"


class _Reader:
    """Schema checks that name the JSON path of the offending value."""

    def __init__(self, filename: str) -> None:
        self.filename = filename

    def fail(self, path: str, problem: str, allowed: str | None = None):
        raise InputError(self.filename, None, path, problem, allowed)

    def obj(self, value, path: str, required: set[str], optional: set[str] = frozenset()) -> dict:
        if not isinstance(value, dict):
            self.fail(path, "expected a JSON object")
        missing = required - value.keys()
        extra = value.keys() - required - optional
        if missing:
            self.fail(path, f"missing key(s) {sorted(missing)}")
        if extra:
            self.fail(path, f"unknown key(s) {sorted(extra)}", f"keys {sorted(required | optional)}")
        return value

    def number(self, value, path: str, rational: bool = False):
        if isinstance(value, dict) and isinstance(value.get("poly"), list):
            poly = value["poly"]
            if len(poly) > MAX_DEGREE + 1:
                self.fail(f"{path}.poly", f"degree {len(poly) - 1} is too high", f"degree <= {MAX_DEGREE}")
            if any(isinstance(c, int) and abs(c).bit_length() > MAX_COEFFICIENT_BITS for c in poly):
                self.fail(f"{path}.poly", "a coefficient is too large",
                          f"integers of at most {MAX_COEFFICIENT_BITS} bits")
        try:
            n = from_json(value)
        except NumberFormatError as exc:
            self.fail(path, str(exc), '"p/q", an integer string, or {"poly": [...], "interval": [...]}')
        if rational and not isinstance(n, Fraction):
            self.fail(path, "must be rational", '"p/q" or an integer string')
        return n

    def vector(self, value, path: str, length: int, rational: bool = False) -> tuple:
        if not isinstance(value, list) or len(value) != length:
            self.fail(path, f"expected a list of {length} numbers")
        return tuple(self.number(v, f"{path}[{i}]", rational) for i, v in enumerate(value))

    def count(self, value, path: str, minimum: int = 0) -> int:
        if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
            self.fail(path, f"expected an integer >= {minimum}, got {json.dumps(value)[:40]}")
        return value


class _DuplicateKey(ValueError):
    pass


def _unique_keys(pairs: list[tuple[str, object]]) -> dict:
    out = dict(pairs)
    if len(out) != len(pairs):
        raise _DuplicateKey(next(k for k, n in Counter(k for k, _ in pairs).items() if n > 1))
    return out


def _load(text: str | bytes, filename: str):
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")  # a byte-order mark, as some editors write, is fine
        except UnicodeDecodeError as exc:
            raise InputError(filename, None, None, f"not UTF-8 text (byte {exc.start})", "a JSON file") from exc
    if not text.strip():
        raise InputError(filename, None, None, "empty file", "a JSON object (docs/formats.md)")
    try:
        return json.loads(text, object_pairs_hook=_unique_keys)
    except _DuplicateKey as exc:
        raise InputError(filename, None, None, f"key {exc.args[0]!r} appears twice in one object "
                         "(JSON readers differ on which one counts)", "each key once") from exc
    except json.JSONDecodeError as exc:
        raise InputError(filename, exc.lineno, None, f"invalid JSON ({exc.msg})") from exc
    except RecursionError as exc:
        raise InputError(filename, None, None, "JSON nested too deeply", "a JSON object (docs/formats.md)") from exc
    except ValueError as exc:  # e.g. an integer literal of more than 4,300 digits
        raise InputError(filename, None, None, f"unreadable JSON value ({exc})") from exc


def _read(path: str | Path) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise InputError(str(path), None, None, f"cannot read file ({exc.strerror})") from exc


def instance_from_json(text: str | bytes, filename: str = "<input>") -> TrainingInstance:
    r = _Reader(filename)
    data = r.obj(_load(text, filename), "$", {"format", "inputs", "outputs", "hidden", "target_error", "points"},
                 {"loss", "source"})
    if data["format"] != INSTANCE_FORMAT:
        r.fail("$.format", f"unsupported format {data['format']!r}", INSTANCE_FORMAT)
    inputs, outputs = r.count(data["inputs"], "$.inputs", 1), r.count(data["outputs"], "$.outputs", 1)
    hidden = r.count(data["hidden"], "$.hidden")
    target = r.number(data["target_error"], "$.target_error", rational=True)
    if target < 0:
        r.fail("$.target_error", "must be >= 0")
    loss = data.get("loss", "squared")
    if loss not in LOSSES:
        r.fail("$.loss", f"unknown loss {loss!r}", ", ".join(LOSSES))
    if not isinstance(data["points"], list):
        r.fail("$.points", "expected a list of points")
    points = []
    for i, p in enumerate(data["points"]):
        path = f"$.points[{i}]"
        r.obj(p, path, {"x", "y"})
        points.append(DataPoint(r.vector(p["x"], f"{path}.x", inputs, True),
                                r.vector(p["y"], f"{path}.y", outputs, True)))
    source = data.get("source")
    return TrainingInstance(tuple(points), hidden, target, loss, inputs, outputs,
                            source if isinstance(source, str) else None)


def instance_to_json(instance: TrainingInstance) -> str:
    data = {"format": INSTANCE_FORMAT, "inputs": instance.inputs, "outputs": instance.outputs,
            "hidden": instance.hidden, "target_error": to_json(instance.target_error),
            "loss": instance.loss}
    if instance.source is not None:
        data["source"] = instance.source
    data["points"] = [{"x": [to_json(v) for v in p.x], "y": [to_json(v) for v in p.y]}
                      for p in instance.points]
    return _dump(data)


def _dump(data: dict) -> str:
    # One point / neuron per line: readable diffs, still valid JSON.
    head = {k: v for k, v in data.items() if k not in ("points", "neurons")}
    key = "points" if "points" in data else "neurons"
    lines = json.dumps(head, indent=1)[:-2].splitlines()
    body = ",\n".join("  " + json.dumps(item) for item in data[key])
    return "\n".join(lines) + f',\n "{key}": [\n{body}\n ]\n}}\n'


def read_instance(path: str | Path) -> TrainingInstance:
    return instance_from_json(_read(path), str(path))


def network_from_json(text: str | bytes, filename: str = "<input>") -> Network:
    r = _Reader(filename)
    data = r.obj(_load(text, filename), "$", {"format", "hidden", "neurons", "bias"})
    if data["format"] != NETWORK_FORMAT:
        r.fail("$.format", f"unsupported format {data['format']!r}", NETWORK_FORMAT)
    hidden = r.count(data["hidden"], "$.hidden")
    if not isinstance(data["neurons"], list) or len(data["neurons"]) != hidden:
        r.fail("$.neurons", f"expected a list of {hidden} neurons")
    if not isinstance(data["bias"], list):
        r.fail("$.bias", "expected a list of numbers")
    outputs = len(data["bias"])
    if outputs == 0:
        r.fail("$.bias", "expected one number per output (at least one)")
    bias = r.vector(data["bias"], "$.bias", outputs)
    neurons = []
    inputs = None
    for j, n in enumerate(data["neurons"]):
        path = f"$.neurons[{j}]"
        r.obj(n, path, {"w", "b", "a"})
        if not isinstance(n["w"], list) or not n["w"]:
            r.fail(f"{path}.w", "expected a non-empty list of numbers (one per input)")
        if inputs is None:
            inputs = len(n["w"])
        neurons.append(Neuron(r.vector(n["w"], f"{path}.w", inputs), r.number(n["b"], f"{path}.b"),
                              r.vector(n["a"], f"{path}.a", outputs)))
    return Network(tuple(neurons), bias)


def network_to_json(network: Network) -> str:
    return _dump({"format": NETWORK_FORMAT, "hidden": network.hidden, "bias": [to_json(v) for v in network.bias],
                  "neurons": [{"w": [to_json(v) for v in n.w], "b": to_json(n.b), "a": [to_json(v) for v in n.a]}
                              for n in network.neurons]})


def read_network(path: str | Path) -> Network:
    return network_from_json(_read(path), str(path))


def points_to_csv(instance: TrainingInstance) -> str:
    """CSV for ML tools: float columns x1.., y1.. then the exact values as p/q."""
    xs = [f"x{k + 1}" for k in range(instance.inputs)]
    ys = [f"y{k + 1}" for k in range(instance.outputs)]
    header = xs + ys + [c + "_exact" for c in xs + ys]
    rows = [",".join(header)]
    for p in instance.points:
        values = list(p.x) + list(p.y)
        rows.append(",".join([repr(float(approximate(v))) for v in values] + [str(v) for v in values]))
    return "\n".join(rows) + "\n"
