"""Property tests for the value-lemma stage (nnsolve.decider.value_lemmas).

The stage must keep every solution.  Oracles as for the local lemmas
(tests/test_local_lemmas.py): a planted point satisfies the output exactly, and z3
in-process on the whole conjunction has the output's status where it decides.  On
reduction outputs: a planted formula whose solution is forced in part (x * x = 1 fixes
x = 1, and the constraints through x fix more) keeps its forward witness while the stage
fixes values, and the unsat-unique family, unsat by construction, is closed.
"""

from collections import Counter
from fractions import Fraction

import pytest
from hypothesis import event, strategies as st

from test_branching import residual_problems, tiers
from test_local_lemmas import SOLVER, _bench, _unchanged, assert_status_kept, cached_case
from nnsolve.decider.branching import Case, _settle
from nnsolve.decider.value_lemmas import value_lemmas
from nnsolve.solvers import Limits

radii = st.sampled_from([(1,), (2,), (1, 3), (3, 4)])


def _stage(drawn, radius):
    system, bounds, equations, point = drawn
    original = system.copy()
    case = _settle(Case(system.copy(), tuple(bounds), tuple(equations)), Counter())
    if case is None:
        return original, None, None
    # 20 s a draw, as tests/test_local_lemmas.py's _stage
    return original, case, value_lemmas(case, SOLVER, Limits(20), radii=radius, query_seconds=3.0)


def _test_a_planted_point_is_never_cut_off(drawn, radius):
    if drawn is None:
        return
    point = drawn[3]
    original, case, out = _stage(drawn, radius)
    assert case is not None
    assert out.case is not None, out.reason
    assert _bench().witness_holds(out.case, point)
    assert out.pieces_after <= out.pieces_before
    event(f"values {out.lemmas}")


test_a_planted_point_is_never_cut_off, test_a_planted_point_is_never_cut_off_slow = tiers(
    5, 120, residual_problems(planted=True), radii)(_test_a_planted_point_is_never_cut_off)


def _test_the_stage_keeps_the_status(drawn, radius):
    if drawn is None:
        return
    assert_status_kept(drawn, *_stage(drawn, radius), what="values")


test_the_stage_keeps_the_status, test_the_stage_keeps_the_status_slow = tiers(
    4, 100, st.one_of(residual_problems(planted=True), residual_problems(planted=False)),
    radii)(_test_the_stage_keeps_the_status)


def _forced_formula(size: int, seed: int):
    """A planted formula of ``size`` constraints plus x * x = 1 for a variable planted at 1
    (the sat family's shape at 1,000 constraints, where one such constraint fixes 180 of
    the residual's conditions at their thresholds): sat, with part of its solution forced."""
    from fractions import Fraction

    from nnsolve.formula.generate import planted_formula
    from nnsolve.formula.model import Formula, Inv

    for s in range(seed, seed + 50):
        formula, sol = planted_formula(size, s)
        ones = [v for v in formula.variables if sol[v] == Fraction(1)]
        if ones:
            return Formula(formula.variables, formula.constraints + (Inv(ones[0], ones[0]),), status="sat",
                           source=f"planted {size} (seed {s}) and {ones[0]} * {ones[0]} = 1")
    raise AssertionError("no planted variable at 1")  # pragma: no cover


def _reduction_case(formula):
    from nnsolve.reduction import reduce_formula

    def build():
        module = _bench()
        reduction = reduce_formula(formula)
        analysis, (system, bounds, equations, keys) = module._structure(reduction.instance, SOLVER)
        witness = module._witness_guide(formula, reduction, analysis, system.copy(), SOLVER)
        return module.settled_case(system, bounds, equations, keys), witness, module

    return cached_case(("formula", formula), build)


@pytest.mark.parametrize("size, seed", [(30, 1), pytest.param(100, 2, marks=pytest.mark.slow)])
def test_forced_values_keep_the_forward_witness(size, seed):
    """The stage fixes values on a reduction output whose formula forces some (x * x = 1),
    and the planted network's values satisfy what it leaves, exactly: a value asked with one
    side open, or a wrong model taken for a value, fails this."""
    case, witness, module = _reduction_case(_forced_formula(size, seed))
    assert witness is not None and module.witness_holds(case, witness)
    out = value_lemmas(case, SOLVER, Limits(600))
    assert out.case is not None, out.reason
    assert out.lemmas > 0, "x * x = 1 fixes values the stage should find"
    assert module.witness_holds(out.case, witness)
    assert out.pieces_after < out.pieces_before
    # the values it reports, which the lemma route adds to the case another stage left of
    # the same residual (value_lemmas.with_values), hold at the witness too
    from nnsolve.decider.value_lemmas import with_values
    from nnsolve.elimination import Inconsistent
    assert len(out.values) == out.lemmas
    merged = with_values(case, out.values)
    assert merged is not None and module.witness_holds(merged, witness)
    wrong = dict(out.values)
    v = next(iter(wrong))
    wrong[v] += 1  # one value off by one: the witness must fail (the check can fail)
    try:
        merged = with_values(case, wrong)
    except Inconsistent:
        merged = None
    assert merged is None or not module.witness_holds(merged, witness)


def _value_side_alone(family: str, size: int, seed: int, monkeypatch):
    """The decider on the reduction of ``family_formula(family, size, seed)`` with the exact
    route off and the relaxation-guided search answering unknown at once, so that a residual
    verdict can only come from the guided route's value side: (instance, result)."""
    from test_local_lemmas import _exact_route_off
    from nnsolve.decider import chains
    from nnsolve.decider.structured import decide_structured
    from nnsolve.formula.generate import family_formula
    from nnsolve.reduction import reduce_formula
    from nnsolve.solvers import UNKNOWN, SolverResult

    calls = _exact_route_off(monkeypatch)
    monkeypatch.setattr(chains, "_guided_search",
                        lambda *a, **k: SolverResult(UNKNOWN, "test", 0.0, reason="the search is off in this test"))
    instance = reduce_formula(family_formula(family, size, seed)).instance
    result = decide_structured(instance, SOLVER, Limits(300))
    assert calls, "the residual did not reach the residual routes: nothing was tested"
    return instance, result


@pytest.mark.parametrize("family, size, seed", [("unsat-unique", 10, 1),
                                                 pytest.param("unsat-unique", 30, 2, marks=pytest.mark.slow),
                                                 pytest.param("sat", 30, 1, marks=pytest.mark.slow)])
def test_the_guided_routes_value_side(family, size, seed, monkeypatch):
    """Beside the relaxation-guided search (here answering unknown at once) and with the
    exact route off, the guided route's value side alone closes the unsat-unique
    residual, and on a planted formula it never says unsat (a sat answer still passes the
    decider's exact_fit)."""
    _, result = _value_side_alone(family, size, seed, monkeypatch)
    if family == "sat":
        assert result.status in ("sat", "unknown"), result.reason
    else:
        assert result.status == "unsat" and "value lemmas" in (result.reason or ""), result.reason


@pytest.mark.parametrize("size, seed", [(10, 1), pytest.param(30, 2, marks=pytest.mark.slow)])
def test_the_guided_routes_value_side_guesses_where_nothing_is_forced(size, seed, monkeypatch):
    """A planted formula has free values: its residual forces none, and the guided
    route's value side then guesses values and carries them (nnsolve.decider.guesses),
    as the lemma route does.  With the relaxation-guided search and the exact route off,
    the guesses alone find the network (the decider checks it with exact_fit); before
    they ran on this route it answered unknown ("nothing to carry")."""
    from nnsolve.training.network import exact_fit

    instance, result = _value_side_alone("sat", size, seed, monkeypatch)
    assert result.status == "sat", result.reason
    assert ", 0 values, " in result.reason and "guided route" in result.reason and "guesses" in result.reason, \
        result.reason
    assert exact_fit(instance, result.network).ok


@pytest.mark.parametrize("size, seed", [(10, 1), pytest.param(30, 2, marks=pytest.mark.slow),
                                        pytest.param(100, 3, marks=pytest.mark.slow),
                                        pytest.param(1000, 1, marks=pytest.mark.slow)])
def test_unsat_unique_is_closed_by_values(size, seed):
    """The unsat-unique family (a planted solution unique up to sign, plus one constraint its
    values violate: unsat by construction): the values cascade from the anchor until a
    neighbourhood, or the elimination, has no solution."""
    from nnsolve.formula.generate import family_formula

    formula = family_formula("unsat-unique", size, seed)
    case, _, _ = _reduction_case(formula)
    out = value_lemmas(case, SOLVER, Limits(600))
    assert out.case is None, (out.pieces_before, out.pieces_after, out.lemmas)
    assert out.lemmas > 0 or "no solution" in out.reason


@pytest.mark.slow  # 16 s: the suite's budget; the escalation to a larger radius is checked in the slow tier only
def test_a_stalled_cascade_goes_on_at_a_larger_radius():
    """unsat-unique 30 (seed 2): at radius 3 alone the values stall before the case is
    closed; with (3, 4) the front that stalls is asked again at radius 4
    (``stats["value deeper"]``) before a pass at radius 4 over the whole case, and the
    case closes.  Both halves can fail: a cascade that radius 3 finishes, or an
    escalation that is never taken or that loses the contradiction."""
    from nnsolve.formula.generate import family_formula

    case, _, _ = _reduction_case(family_formula("unsat-unique", 30, 2))
    alone = value_lemmas(case, SOLVER, Limits(600), radii=(3,))
    assert alone.case is not None and alone.lemmas > 0, (alone.reason, alone.lemmas)
    stats = Counter()
    out = value_lemmas(case, SOLVER, Limits(600), stats=stats)
    assert out.case is None, (out.pieces_before, out.pieces_after, out.lemmas)
    assert stats["value deeper"] > 0


def _worker_children() -> list[int]:
    """This process's solver children still alive (not zombies)."""
    import os
    from pathlib import Path

    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            stat = (proc / "stat").read_text().rsplit(")", 1)[1].split()
            cmdline = (proc / "cmdline").read_bytes()
        except OSError:
            continue
        if int(stat[1]) == os.getpid() and stat[0] != "Z" and b"nnsolve.solvers.worker" in cmdline:
            found.append(int(proc.name))
    return found


def test_the_stage_ends_its_solver_children():
    """The stage keeps its children between steps (``Solver.session``) and ends them when
    it returns, whether it closed the case or ran out of time."""
    from nnsolve.formula.generate import family_formula

    case, _, _ = _reduction_case(family_formula("unsat-unique", 10, 1))
    before = set(_worker_children())
    closed = value_lemmas(case, SOLVER, Limits(600))
    assert closed.case is None and closed.queries > 0
    stopped = value_lemmas(case, SOLVER, Limits(0.5))
    assert not stopped.finished or stopped.case is None
    assert set(_worker_children()) <= before


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_overtime_lasts_while_values_come(monkeypatch):
    """The stage's stop rule (``_WhileProductive``) on a clock the test moves: before the
    deadline only ``cancel`` stops it; after it, a stage that has fixed no value stops at
    once, one that fixed a value less than VALUE_STALL seconds ago goes on, and nothing
    goes past ``hard``."""
    import threading
    from types import SimpleNamespace

    from nnsolve.decider import value_lemmas as module

    clock = _Clock()
    monkeypatch.setattr(module, "time", SimpleNamespace(monotonic=clock))  # this module's clock only
    cancel = threading.Event()
    until = module._WhileProductive(clock.now + 10, clock.now + 100, cancel)
    assert not until.is_set()
    clock.now += 11
    assert until.is_set()                      # past the deadline, no value yet
    until.fixed_one()
    assert not until.is_set()                  # a value just now: overtime
    clock.now += module.VALUE_STALL - 1
    assert not until.is_set()
    clock.now += 2
    assert until.is_set()                      # stalled
    until.fixed_one()
    assert not until.is_set()
    clock.now = 1000.0 + 101
    until.fixed_one()
    assert until.is_set()                      # past hard, however productive
    early = module._WhileProductive(clock.now + 10, clock.now + 100, cancel)
    cancel.set()
    assert early.is_set()


def test_overtime_carries_the_stage_past_its_deadline(monkeypatch):
    """With no time of its own the stage stops before asking anything, overtime or not.
    When its deadline passes right after its first value (moved here, on the stage's one
    stop object, when the worklist reports that value), overtime carries it on until the
    unsat-unique case is closed; with a stall window of 0 the same stage stops after that
    step.  Fails if the stage does not report its values, if each worklist call gets a
    new stop object, or if overtime is ignored."""
    from nnsolve.decider import value_lemmas as module
    from nnsolve.formula.generate import family_formula

    case, _, _ = _reduction_case(family_formula("unsat-unique", 10, 1))
    stopped = value_lemmas(case, SOLVER, Limits(0), overtime=600)
    assert not stopped.finished and stopped.queries == 0 and stopped.case is not None

    reported, stops = [], set()
    real_fixed, real_worklist = module._WhileProductive.fixed_one, module._worklist

    def fixed_one(self):
        if not reported:
            self.deadline = float("-inf")  # the stage is in its overtime from now on
        reported.append(self)
        real_fixed(self)

    def worklist(case, solver, limits, radii, level, query_seconds, workers, stop, *rest):
        stops.add(id(stop))
        return real_worklist(case, solver, limits, radii, level, query_seconds, workers, stop, *rest)

    monkeypatch.setattr(module._WhileProductive, "fixed_one", fixed_one)
    monkeypatch.setattr(module, "_worklist", worklist)
    carried = value_lemmas(case, SOLVER, Limits(600), overtime=600)
    assert reported and len(stops) == 1 and {id(s) for s in reported} == stops
    assert carried.case is None and carried.lemmas > 0, (carried.reason, carried.lemmas)
    reported.clear()
    monkeypatch.setattr(module, "VALUE_STALL", 0.0)
    stalled = value_lemmas(case, SOLVER, Limits(600), overtime=600)
    assert reported and not stalled.finished and stalled.case is not None
    assert 0 < stalled.lemmas < carried.lemmas
    with pytest.raises(ValueError, match="overtime"):
        value_lemmas(case, SOLVER, Limits(1), overtime=-1)


@pytest.mark.slow  # a benchmark script's test (16 s): the product's stage is tested above
def test_the_value_stage_benchmark_replays_a_saved_case(tmp_path, capsys):
    """benchmarks/value_stage.py: the first run saves the case the decider hands the value
    stage, a second run reads it back (no set-up line) and the stage closes the
    unsat-unique case from it both times; ``--guesses`` on it prints a row per guess and
    answers unknown, never unsat; bad arguments are one usage line, exit 2."""
    from conftest import benchmark_module
    from nnsolve.decider.result import progress_log
    from nnsolve.formula.generate import family_formula
    from nnsolve.formula.smtlib import to_smtlib

    import sys

    module = benchmark_module("value_stage")
    handlers, level = list(progress_log.handlers), progress_log.level
    depth = sys.getrecursionlimit()
    source = tmp_path / "uu.smt2"
    source.write_text(to_smtlib(family_formula("unsat-unique", 10, 1)))
    case = tmp_path / "case.pkl"
    for run in range(2):
        module.main([str(source), "--case", str(case), "--seconds", "300", "--every", "1"])
        out = capsys.readouterr().out
        assert ("set-up" in out) == (run == 0), out
        assert "closed (unsat)" in out, out
        assert progress_log.handlers == handlers and progress_log.level == level  # left as it was
        # and so is the recursion limit: raised for the pickle, a limit left behind lets a
        # later deeply nested input (tests/test_bad_training_input.py) overflow the C stack
        assert sys.getrecursionlimit() == depth
    # the guesses on the same (unsat) case: each guess a row, and never unsat
    module.main([str(source), "--case", str(case), "--seconds", "8", "--guesses"])
    out = capsys.readouterr().out
    # a guess is refuted by its cascade (a row) or, where it left a small case, by the
    # exact query on it (the answer's list of what was tried)
    assert "| seconds | depth | guess |" in out and " | 0 | " in out, out
    assert "| refuted |" in out or " values, unsat" in out, out
    assert out.strip().splitlines()[-1].startswith("unknown"), out
    assert progress_log.handlers == handlers and progress_log.level == level
    with pytest.raises(SystemExit) as exc:
        module.main([str(source), "--case", str(case), "--workers", "0"])
    assert exc.value.code == 2


@pytest.mark.slow  # a benchmark script's test (12 s)
def test_the_value_stage_benchmark_oracle_takes_the_witness_values(tmp_path, capsys):
    """``--guesses --oracle``: the forward witness is computed once and pickled, and each
    guess takes its value for the guessed variable (checked against the pickle); on a
    formula without a model there is no witness, and the run says so."""
    import pickle

    from conftest import benchmark_module
    from nnsolve.decider.residual_query import name
    from nnsolve.formula.generate import family_formula
    from nnsolve.formula.smtlib import to_smtlib

    module = benchmark_module("value_stage")
    source = tmp_path / "sat.smt2"
    source.write_text(to_smtlib(family_formula("sat", 10, 1)))
    case, witness = tmp_path / "case.pkl", tmp_path / "witness.pkl"
    module.main([str(source), "--case", str(case), "--seconds", "120", "--guesses", "--oracle", str(witness)])
    out = capsys.readouterr().out
    assert "set-up (the forward witness)" in out and "an oracle, not blind" in out, out
    values = {name(v): q for v, q in pickle.loads(witness.read_bytes()).items()}
    rows = [line.split(" | ") for line in out.splitlines() if line.startswith("| ") and " = " in line]
    assert rows, out
    from nnsolve.terms import num
    for row in rows:
        variable, value = row[2].split(" = ")
        assert value == num(values[variable]), (row, values[variable])
    assert out.strip().splitlines()[-1].startswith("sat"), out
    unsat = tmp_path / "uu.smt2"
    unsat.write_text(to_smtlib(family_formula("unsat-unique", 10, 1)))
    with pytest.raises(SystemExit, match="no forward witness"):
        module.main([str(unsat), "--case", str(tmp_path / "uu.pkl"), "--guesses", "--oracle",
                     str(tmp_path / "uu_witness.pkl")])
    with pytest.raises(SystemExit) as exc:
        module.main([str(source), "--case", str(case), "--oracle", str(witness)])
    assert exc.value.code == 2


@pytest.mark.slow  # 16 s: the suite's budget; the barren stop is checked in the slow tier only
def test_a_barren_pass_stops_and_a_forced_one_does_not():
    """``barren``: where nothing is forced (planted 30 at radius 1, too small a
    neighbourhood to fix a value) the stage stops once that many neighbourhoods gave no
    value, with the case as it came and ``barren`` set; the whole pass asks more.  On
    unsat-unique the anchor's values come in the first step, so the same limit does not
    stop the cascade and the case is still closed."""
    from nnsolve.formula.generate import family_formula

    case, _, _ = _reduction_case(family_formula("sat", 30, 1))
    whole = value_lemmas(case, SOLVER, Limits(600), radii=(1,))
    assert whole.finished and not whole.barren and whole.lemmas == 0
    cut = value_lemmas(case, SOLVER, Limits(600), radii=(1,), barren=1)
    assert cut.barren and not cut.finished and cut.lemmas == 0 and cut.case is case
    assert 0 < cut.queries < whole.queries, (cut.queries, whole.queries)
    closing, _, _ = _reduction_case(family_formula("unsat-unique", 30, 2))
    out = value_lemmas(closing, SOLVER, Limits(600), query_seconds=20.0, barren=1)  # no timeouts under load
    assert out.case is None and not out.barren, (out.lemmas, out.reason)


@pytest.mark.parametrize("forced_x", [True, False])
def test_forced_is_set_at_the_first_value_only(forced_x):
    """``forced`` (the event the exact route's schedule reads) is set when the stage fixes
    a value (x = 2 from u = x^2 = 4, x >= 0) and stays clear when nothing is forced
    (without u = 4, x >= 0 is free and y + ite(x <= 1, 1, 0) = 0 has two values)."""
    import threading

    from nnsolve.decider.residual_query import Bound, PiecewiseEquation
    from nnsolve.elimination import LinearSystem

    s = LinearSystem()
    s.define("u", "x", "x")
    if forced_x:
        s.equate({"u": 1, None: -4})
    eq = PiecewiseEquation({"y": 1}, (({"x": 1}, Fraction(1), {None: 1}),))
    forced = threading.Event()
    out = value_lemmas(Case(s, (Bound({"x": 1}, Fraction(0), None),), (eq,)), SOLVER, Limits(60),
                       query_seconds=20.0, forced=forced)  # no timeouts under load
    assert (out.lemmas > 0) == forced_x, (out.lemmas, out.reason)
    assert forced.is_set() == forced_x


@pytest.mark.parametrize("values_fixed", [True, False])
def test_the_exact_route_keeps_its_minimum_unless_values_are_forced(values_fixed, monkeypatch):
    """The schedule beside the lemma route (``chains._solve_residual``): the exact route
    has max(EXACT_SHARE of the time, EXACT_MIN_SECONDS); once the value stage fixes a
    value it is stopped at its share (their cascade takes its core), and while nothing is
    forced it runs to its own limit.  Giving it only the share, or never stopping it, fails
    this."""
    import time

    from nnsolve.decider import chains
    from nnsolve.decider.structured import decide_structured
    from nnsolve.formula.generate import family_formula
    from nnsolve.reduction import reduce_formula
    from nnsolve.solvers import UNKNOWN, SolverResult

    timeout, share, minimum = 8.0, 0.25, 4.0  # the residual's share ends near 1.5 s, the minimum at 4 s
    monkeypatch.setattr(chains, "GUIDED_MAX_VARIABLES", 0)
    monkeypatch.setattr(chains, "EXACT_SHARE", share)
    monkeypatch.setattr(chains, "EXACT_MIN_SECONDS", minimum)
    real, real_route, seen, given = chains._solve_components, chains._lemma_route, [], []

    def exact_route(parts, solver, limits, cancel=None, groups=None, release=None):
        if groups is None:
            return real(parts, solver, limits, cancel, groups, release)
        began = time.monotonic()  # a whole query that never answers: wait for the stop or the limit
        while time.monotonic() - began < limits.timeout and not cancel.is_set():
            time.sleep(0.02)
        seen.append((limits.timeout, cancel.is_set(), time.monotonic() - began))
        return SolverResult(UNKNOWN, "test", time.monotonic() - began, reason="a stub")

    def lemma_route(system, bounds, equations, free, keys, solver, limits, *args, **kwargs):
        given.append(limits.timeout)  # the residual's time, of which the exact route has its share
        return real_route(system, bounds, equations, free, keys, solver, limits, *args, **kwargs)

    def values(case, solver, limits, radii, forced=None, **kw):
        if values_fixed:
            forced.set()  # as the stage does at its first value
        return _unchanged(case)

    monkeypatch.setattr(chains, "_solve_components", exact_route)
    monkeypatch.setattr(chains, "_lemma_route", lemma_route)
    monkeypatch.setattr(chains, "after_lemmas", lambda *a, **k: SolverResult(UNKNOWN, "test", 0.0, reason="off"))
    monkeypatch.setattr(chains, "value_lemmas", values)
    monkeypatch.setattr(chains, "local_lemmas", lambda case, *a, **k: _unchanged(case))
    monkeypatch.setattr(chains, "_guesses", lambda *a, **k: SolverResult(UNKNOWN, "test", 0.0, reason="off"))
    decide_structured(reduce_formula(family_formula("sat", 10, 1)).instance, SOLVER, Limits(timeout), max_work=1)
    assert len(seen) == 1 and len(given) == 1, (seen, given)
    (limit, stopped, ran), residual = seen[0], given[0]
    assert limit == max(share * residual, min(minimum, residual)) > share * residual, (limit, residual)
    if values_fixed:
        assert stopped and share * residual - 0.5 <= ran < limit, (seen, residual)
    else:
        assert not stopped and ran >= limit, (seen, residual)
