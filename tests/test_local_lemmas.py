"""Property tests for the local-lemma stage (nnsolve.decider.local_lemmas).

The stage must keep every solution: its output case has exactly the solutions of its
input (or it is None and the input has none).  Two oracles:

* a planted point (a solution by construction) satisfies the output exactly: the
  output's linear system at the point and every definition, bound and equation left
  (a lemma that closed the point's side, or an elimination that lost it, fails);
* z3 in-process on the whole conjunction: where it is decided, the output (None or a
  case, then z3 on the case) has the same status.

The solver the stage queries is the real one (z3 children through solve_many).  Sizes:
the random residual problems of tests/test_branching.py (3-8 variables), and the chain
residual of a reduction output (a tier-4-shaped planted formula of 10 constraints:
about 80 pieces), whose forward witness is the planted point.
"""

import copy
from collections import Counter

import pytest
import z3
from hypothesis import event, strategies as st

import test_branching
from test_branching import _all_vars, _check, _original_terms, _zvars, residual_problems, tiers
from nnsolve.decider.branching import Case, _settle
from nnsolve.decider.local_lemmas import local_lemmas, neighbourhood
from nnsolve.decider.residual_query import Bound, PiecewiseEquation
from nnsolve.solvers import Limits, get_solver

SOLVER = get_solver("z3")


def _case_terms(case: Case, zvars) -> list:
    out = test_branching._system_terms(case.system, zvars)
    out += [t for b in case.bounds for t in test_branching._bound_terms(b, zvars)]
    out += [test_branching._eq_term(eq, zvars) for eq in case.equations]
    return out


def _stage(drawn, radii, batch):
    system, bounds, equations, point = drawn
    original = system.copy()
    case = _settle(Case(system.copy(), tuple(bounds), tuple(equations)), Counter())
    if case is None:
        return original, None, None
    # 20 s a draw: the properties hold at any limit, and a draw whose queries time out under
    # load (53 s once, twenty-second session) would otherwise eat the suite's budget
    out = local_lemmas(case, SOLVER, Limits(20), radii=radii, batch=batch, query_seconds=3.0)
    return original, case, out


radii = st.sampled_from([(1,), (2,), (1, 3), (2, 4, 6)])
batches = st.sampled_from([1, 2, 40])


def _test_a_planted_point_is_never_cut_off(drawn, rs, batch):
    if drawn is None:
        return
    point = drawn[3]
    original, case, out = _stage(drawn, rs, batch)
    assert case is not None  # settle keeps the point (tests/test_branching.py)
    assert out.case is not None, out.reason
    assert _bench().witness_holds(out.case, point)
    assert out.pieces_after <= out.pieces_before
    event(f"pieces {out.pieces_before} -> {out.pieces_after}, lemmas {out.lemmas}")


test_a_planted_point_is_never_cut_off, test_a_planted_point_is_never_cut_off_slow = tiers(
    8, 120, residual_problems(planted=True), radii, batches)(_test_a_planted_point_is_never_cut_off)


def assert_status_kept(drawn, original, case, out, what: str = "lemmas") -> None:
    """z3 in-process gives a stage's output (``out``, a LemmaOutcome of the settled
    ``case``) the status of the drawn problem, where it decides both."""
    system, bounds, equations, _ = drawn
    zvars = _zvars(_all_vars(original, system.given, bounds, equations))
    _, want = _check(_original_terms(system, original, bounds, equations, zvars))
    if case is None or want == z3.unknown:
        return
    if out.case is None:
        event(f"unsat by {what}")
        assert want == z3.unsat, out.reason
        return
    zvars.update(_zvars(_all_vars(out.case.system, (), out.case.bounds, out.case.equations)))
    _, got = _check(_case_terms(out.case, zvars))
    event(f"z3 {want}, {what} {out.lemmas}")
    if got != z3.unknown:
        assert got == want


def _test_the_stage_keeps_the_status(drawn, rs, batch):
    if drawn is None:
        return
    assert_status_kept(drawn, *_stage(drawn, rs, batch))


test_the_stage_keeps_the_status, test_the_stage_keeps_the_status_slow = tiers(
    4, 100, st.one_of(residual_problems(planted=True), residual_problems(planted=False)), radii,
    batches)(_test_the_stage_keeps_the_status)


def test_neighbourhood_is_breadth_first_and_capped():
    used = [{"a", "b"}, {"b", "c"}, {"c", "d"}, {"a", "e"}, {"e", "f"}]
    index: dict = {}
    for i, u in enumerate(used):
        for v in u:
            index.setdefault(v, []).append(i)
    assert neighbourhood({"a"}, index, used, 1) == [0, 3]
    assert neighbourhood({"a"}, index, used, 2) == [0, 1, 3, 4]
    assert len(neighbourhood({"a"}, index, used, 5, cap=3)) == 3
    assert neighbourhood({"z"}, index, used, 3) == []


def test_all_sides_closed_is_unsat():
    """u = x^2 with 1 <= x <= 2 and u + 5 + ite(x <= 3/2, 1, 0) = 0: every side of the
    condition contradicts u >= 0, which no interval shows (u is unbounded): lemmas."""
    from fractions import Fraction as F
    from nnsolve.elimination import LinearSystem

    s = LinearSystem()
    s.define("u", "x", "x")
    bounds = (Bound({"x": 1}, F(1), F(2)),)
    eq = PiecewiseEquation({"u": 1, None: 5}, (({"x": 1}, F(3, 2), {None: 1}),))
    out = local_lemmas(_settle(Case(s, bounds, (eq,)), Counter()), SOLVER, Limits(30))
    assert out.case is None and "every side" in out.reason


def _bench():
    """benchmarks/residual_lemmas.py (the structure stages, the forward witness in the
    residual's variables, and ``witness_holds``: the exact check of a point against a
    case's system and assertions)."""
    from conftest import benchmark_module

    return benchmark_module("residual_lemmas")


def _reduction_case(family: str, size: int, seed: int):
    """The chain residual of a reduction output, settled, with the forward witness in its
    variables (sat) or None: a fresh copy of it (:func:`cached_case`)."""
    from nnsolve.formula.generate import family_formula
    from nnsolve.reduction import reduce_formula

    def build():
        module = _bench()
        formula = family_formula(family, size, seed)
        reduction = reduce_formula(formula)
        analysis, (system, bounds, equations, keys) = module._structure(reduction.instance, SOLVER)
        witness = (module._witness_guide(formula, reduction, analysis, system.copy(), SOLVER)
                   if family == "sat" else None)
        return module.settled_case(system, bounds, equations, keys), witness, module

    return cached_case(("family", family, size, seed), build)


_CASES: dict = {}


def cached_case(key, build):
    """``build()`` (a case, its witness and the benchmark module) once per test process:
    the reduction, its structure stages and the settling take 2-3 s, and a dozen tests
    start from the same few cases.  Each caller gets its own deep copy, so a stage that
    changes the case it is given cannot reach another test."""
    if key not in _CASES:
        _CASES[key] = build()
    case, witness, module = _CASES[key]
    return copy.deepcopy(case), copy.deepcopy(witness), module


@pytest.mark.parametrize("seed", [1, pytest.param(2, marks=pytest.mark.slow), pytest.param(3, marks=pytest.mark.slow)])
def test_reduction_residual_keeps_the_forward_witness(seed):
    case, witness, module = _reduction_case("sat", 10, seed)
    assert witness is not None and module.witness_holds(case, witness)
    out = local_lemmas(case, SOLVER, Limits(300))
    assert out.case is not None, out.reason
    assert out.lemmas > 0  # the stage does something on these residuals
    assert module.witness_holds(out.case, witness)


@pytest.mark.parametrize("seed", [1, pytest.param(2, marks=pytest.mark.slow)])
def test_reduction_residual_unsat_unique_is_closed(seed):
    """A planted unique solution plus one constraint only the whole system contradicts:
    at 10 constraints the lemmas show it (measured: radius 4)."""
    case, _, _ = _reduction_case("unsat-unique", 10, seed)
    out = local_lemmas(case, SOLVER, Limits(300))
    assert out.case is None, (out.pieces_before, out.pieces_after)


def test_the_case_the_lemmas_leave_has_a_model_of_the_residual():
    """``chains._solve_case`` on what one pass leaves of the sat-10 residual: its model,
    read through the case's system for every free variable of the residual, satisfies
    the settled residual exactly (the case has the residual's solutions; a wrong
    extension, or a lemma that cut every solution, fails)."""
    from nnsolve.decider import chains
    from nnsolve.decider.branching import _used
    from nnsolve.decider.residual_query import name
    from nnsolve.solvers import SAT

    case, _, module = _reduction_case("sat", 10, 1)
    out = local_lemmas(case, SOLVER, Limits(300), radii=(4,), passes=1)
    assert out.case is not None and out.lemmas > 0
    wanted = sorted(_used(case), key=repr)
    answer = chains._solve_case(out.case, wanted, SOLVER, Limits(120))
    assert answer.status == SAT, answer.reason
    keys = {name(k): k for k in wanted}
    values = {keys[n]: v for n, v in answer.model.items()}
    assert set(values) == set(wanted)
    assert module.witness_holds(case, values)


def _guesses_off(monkeypatch) -> None:
    """Make the lemma route's guesses (``chains._guesses``) answer unknown at once: for
    the tests of the looks' schedule on formulas the guesses would decide."""
    from nnsolve.decider import chains
    from nnsolve.solvers import UNKNOWN, SolverResult

    monkeypatch.setattr(chains, "_guesses", lambda *a, **k: SolverResult(UNKNOWN, "test", 0.0, reason="off"))


def _unchanged(case, lemmas: int = 0):
    """A stage's outcome that leaves ``case`` as it came (``lemmas`` reported, nothing
    changed, finished): what the schedule tests' stubs of the looks and values return."""
    from nnsolve.decider.chains import ite_pieces
    from nnsolve.decider.local_lemmas import LemmaOutcome

    pieces = ite_pieces(case)
    return LemmaOutcome(case, None, 0, 0, lemmas, pieces, pieces, 0.0, True)


def _exact_route_off(monkeypatch) -> list:
    """Make the residual's exact route answer unknown at once (the other calls of
    ``chains._solve_components`` unchanged); the list returned records each exact call."""
    from nnsolve.decider import chains
    from nnsolve.solvers import UNKNOWN, SolverResult

    real, calls = chains._solve_components, []

    def without_exact_route(parts, solver, limits, cancel=None, groups=None, release=None):
        if groups is not None:  # only the exact route passes the components' items
            calls.append("exact")
            return SolverResult(UNKNOWN, "test", 0.0, reason="the exact route is off in this test")
        return real(parts, solver, limits, cancel, groups, release)

    monkeypatch.setattr(chains, "_solve_components", without_exact_route)
    return calls


@pytest.mark.parametrize("family, want", [("sat", "sat"), ("unsat-unique", "unsat")])
# with the exact query after the lemmas (True): slow tier, for the suite's budget
@pytest.mark.parametrize("exact_after_lemmas", [pytest.param(True, marks=pytest.mark.slow), False])
def test_the_lemma_route_decides_small_reduction_outputs(family, want, exact_after_lemmas, monkeypatch):
    """The decider with the lemma route taken at any size (GUIDED_MAX_VARIABLES = 0) and
    the exact route answering unknown: the verdict is the lemma route's, and a sat
    network still has to pass the decider's exact_fit.  Without the exact query after
    the lemmas (``_solve_case`` answering unknown, and so the guesses off, which end in
    it) the guide and branching decide."""
    from nnsolve.decider import chains
    from nnsolve.decider.structured import decide_structured
    from nnsolve.formula.generate import family_formula
    from nnsolve.reduction import reduce_formula
    from nnsolve.solvers import UNKNOWN, SolverResult

    calls = _exact_route_off(monkeypatch)
    if not exact_after_lemmas:
        monkeypatch.setattr(chains, "_solve_case", lambda *a, **k: SolverResult(UNKNOWN, "test", 0.0))
        # the guesses end in that same exact query: with it off they can only try every
        # value (150 s of a 300 s budget) before the guide and branching get their turn
        _guesses_off(monkeypatch)
    monkeypatch.setattr(chains, "GUIDED_MAX_VARIABLES", 0)
    instance = reduce_formula(family_formula(family, 10, 1)).instance
    result = decide_structured(instance, SOLVER, Limits(300))
    assert calls, "the residual did not reach the exact route: nothing was tested"
    assert result.status == want, result.reason
    if want == "sat":  # the sat report names the route that found the model
        assert "residual by the lemma route" in result.reason, result.reason


def test_equal_side_closes_at_a_larger_radius():
    """u = x y with u = 1 and 0 < y <= 1 forces x >= 1 (f < t closed within radius 2 of
    x <= 1); x = 1 would give y = 1, w = y^2 = 1, which the bound w < 1 three hops away
    rules out (f = t closed at radius 3 only).  Together: x > 1, and the ite on x <= 1 is
    decided.  A stage that never asks f = t, or asks it only at the first radius, leaves
    the ite open."""
    from fractions import Fraction as F
    from nnsolve.elimination import LinearSystem

    s = LinearSystem()
    s.define("u", "x", "y")
    s.define("w", "y", "y")
    bounds = (Bound({"u": 1}, F(1), F(1)), Bound({"y": 1}, F(0), None, strict=True), Bound({"y": 1}, None, F(1)),
              Bound({"w": 1}, None, F(1), strict=True))
    eq = PiecewiseEquation({"v": 1, None: -1}, (({"x": 1}, F(1), {None: 5}),))
    case = _settle(Case(s, bounds, (eq,)), Counter())
    assert case is not None and case.equations
    first = local_lemmas(case, SOLVER, Limits(60), radii=(2,))
    assert first.case is not None and first.case.equations  # only x >= 1 at radius 2
    out = local_lemmas(case, SOLVER, Limits(60), radii=(2, 3))
    assert out.case is not None and not out.case.equations, out
    assert out.lemmas == 2  # x >= 1 at radius 2, then x > 1 at radius 3


def test_solve_case_does_not_pass_on_inexact_values(monkeypatch):
    """A sat answer whose values could not be read exactly is unknown, with no model."""
    from fractions import Fraction as F
    from nnsolve.decider import chains
    from nnsolve.elimination import LinearSystem
    from nnsolve.solvers import SAT, UNKNOWN, SolverResult

    s = LinearSystem()
    s.define("u", "x", "x")
    case = Case(s, (Bound({"x": 1}, F(1), F(2)),), ())
    monkeypatch.setattr(chains, "_solve_components",
                        lambda *a, **k: SolverResult(SAT, "test", 0.0, {"x": F(1)}, inexact=("x",)))
    answer = chains._solve_case(case, ["x", "u"], SOLVER, Limits(10))
    assert answer.status == UNKNOWN and answer.model is None and "not exact" in answer.reason


def test_the_lemma_route_looks_at_small_radii_first(monkeypatch):
    """The lemma route's schedule (chains.LOOK_RADII): side by side, the value lemmas
    (chains.VALUE_RADII; the exact query if they fixed a value) and one pass at radius 2
    with the exact query on what it leaves; then one pass at radius 3, the exact query
    again, then every pass at the stage's radii; each look gets the case the one before
    left (memory shared), and what the exact query answers ends the route (a look asks it
    only when it fixed something).  Once the exact route
    beside it has ended, the lemma rounds use SPARE_WORKERS solver children, and so do
    the values once the first look has ended too."""
    import threading

    from nnsolve.decider import chains
    from nnsolve.decider.local_lemmas import RADII
    from nnsolve.decider.structured import decide_structured
    from nnsolve.formula.generate import family_formula
    from nnsolve.reduction import reduce_formula
    from nnsolve.solvers import UNKNOWN, SolverResult

    real_lemmas, real_after, real_values = chains.local_lemmas, chains.after_lemmas, chains.value_lemmas
    calls, memories, children, value_kw, sampled = [], set(), [], [], []
    first_started, value_sampled = threading.Event(), threading.Event()

    def values(case, solver, limits, radii, **kw):
        calls.append(("values", tuple(radii)))
        value_kw.append(kw)
        first_started.wait(60)  # the first look is running (it waits for this sample)
        sampled.append(kw["workers"]())
        value_sampled.set()
        return real_values(case, solver, limits, radii=radii, **kw)

    def lemmas(case, solver, limits, radii=RADII, passes=None, memory=None, **kw):
        if not first_started.is_set():
            first_started.set()
            value_sampled.wait(60)
        calls.append((tuple(radii), passes))
        memories.add(id(memory))
        children.append(kw["workers"]() if callable(kw["workers"]) else kw["workers"])
        return real_lemmas(case, solver, limits, radii=radii, passes=passes, memory=memory, **kw)

    def after(case, wanted, solver, limits, cancel=None, summary="", need_guide=False):
        if need_guide:  # the looks: nothing decided, so the route goes on
            return SolverResult(UNKNOWN, "test", 0.0, reason="look")
        return real_after(case, wanted, solver, limits, cancel, summary, need_guide)

    monkeypatch.setattr(chains, "local_lemmas", lemmas)
    monkeypatch.setattr(chains, "after_lemmas", after)
    monkeypatch.setattr(chains, "value_lemmas", values)
    _exact_route_off(monkeypatch)
    _guesses_off(monkeypatch)  # they would decide sat 10 before the later looks
    monkeypatch.setattr(chains, "GUIDED_MAX_VARIABLES", 0)
    instance = reduce_formula(family_formula("sat", 10, 1)).instance
    result = decide_structured(instance, SOLVER, Limits(300))
    first, *rest = chains.LOOK_RADII
    # the values and the first look side by side (threads: either may be called first)
    assert sorted(calls[:2], key=repr) == sorted([("values", chains.VALUE_RADII), ((first,), 1)], key=repr), calls
    assert calls[2:] == [((r,), 1) for r in rest] + [(RADII, None)], calls
    assert children[0] == 1  # one child each while the two looks share the cores
    assert len(memories) == 1
    # the exact route (off here: unknown at once) has ended, so the rounds use its core
    assert children[-1] == chains.SPARE_WORKERS
    # and so do the values, once the first look has ended too (one child while it ran);
    # they may run past their share while they fix values
    assert sampled == [1]
    assert value_kw[0]["workers"]() == chains.SPARE_WORKERS and value_kw[0]["overtime"] > 0
    assert result.status == "sat", result.reason


def test_a_look_that_fixes_nothing_asks_no_exact_query(monkeypatch):
    """Looks and values that fix nothing leave the case as it was: no look asks the exact
    query on it (``after_lemmas`` with ``need_guide``), every look radius is still tried
    in turn, and the last pass (``passes`` None) runs ``after_lemmas``' whole search,
    which decides sat 10 (the exact route is off)."""
    from nnsolve.decider import chains
    from nnsolve.decider.local_lemmas import RADII
    from nnsolve.decider.structured import decide_structured
    from nnsolve.formula.generate import family_formula
    from nnsolve.reduction import reduce_formula

    real_lemmas, real_after = chains.local_lemmas, chains.after_lemmas
    calls, guides = [], []

    def lemmas(case, solver, limits, radii=RADII, passes=None, memory=None, **kw):
        calls.append((tuple(radii), passes))
        if passes is not None:
            return _unchanged(case)
        return real_lemmas(case, solver, limits, radii=radii, passes=passes, memory=memory, **kw)

    def after(case, wanted, solver, limits, cancel=None, summary="", need_guide=False):
        guides.append(need_guide)
        return real_after(case, wanted, solver, limits, cancel, summary, need_guide)

    monkeypatch.setattr(chains, "local_lemmas", lemmas)
    monkeypatch.setattr(chains, "after_lemmas", after)
    monkeypatch.setattr(chains, "value_lemmas", lambda case, *a, **k: _unchanged(case))
    _exact_route_off(monkeypatch)
    _guesses_off(monkeypatch)  # they would decide sat 10 before the later looks
    monkeypatch.setattr(chains, "GUIDED_MAX_VARIABLES", 0)
    result = decide_structured(reduce_formula(family_formula("sat", 10, 1)).instance, SOLVER, Limits(300))
    assert calls == [((r,), 1) for r in chains.LOOK_RADII] + [(RADII, None)], calls
    assert guides == [False], guides
    assert result.status == "sat", result.reason


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_a_round_split_over_children_keeps_the_order(workers):
    """_ask with several solver children gives each query its own answer, in order
    (the lemmas of a round are matched to their conditions by position)."""
    from nnsolve.decider.local_lemmas import _ask
    from nnsolve.solvers import Query

    wants = ["sat", "unsat", "unsat", "sat", "sat", "unsat", "sat", "unsat", "unsat"]
    # x > i >= 0 and x^2 < i^2 + 100: sat; x > i and x^2 < i^2: unsat
    texts = [f"(declare-const x Real)(assert (> x {i}))(assert (< (* x x) {i * i + (100 if w == 'sat' else 0)}))"
             for i, w in enumerate(wants)]
    answers = _ask(SOLVER, [Query(t, ("x",)) for t in texts], Limits(30), workers, None)
    assert [a.status for a in answers] == wants


def test_with_sessions_even_two_queries_go_to_two_children():
    """With sessions a step of two queries is split over two children (a session's child
    is already started), without them it stays in one (a new child costs about 0.5 s);
    either way each answer is its own query's."""
    from nnsolve.decider.local_lemmas import _ask
    from nnsolve.solvers import Query

    texts = ["(declare-const x Real)(assert (> x 1))", "(declare-const x Real)(assert (> x 1))(assert (< x 0))"]
    queries = [Query(t, ("x",)) for t in texts]
    sessions: list = []
    try:
        answers = _ask(SOLVER, queries, Limits(30), 2, None, sessions)
        assert [a.status for a in answers] == ["sat", "unsat"]
        assert len(sessions) == 2
        assert [a.status for a in _ask(SOLVER, queries[:1], Limits(30), 2, None, sessions)] == ["sat"]
        assert len(sessions) == 2
    finally:
        for session in sessions:
            session.close()
    calls = []

    class Counting:
        def solve_many(self, batch, limits, cancel):
            calls.append(len(batch))
            return SOLVER.solve_many(batch, limits, cancel)

    assert [a.status for a in _ask(Counting(), queries, Limits(30), 2, None)] == ["sat", "unsat"]
    assert calls == [2]


@pytest.mark.parametrize("need_guide", [True, False])
def test_a_look_at_a_large_case_skips_the_relaxation(need_guide, monkeypatch):
    """after_lemmas in a look (need_guide) on a case of more than GUIDED_MAX_VARIABLES
    variables: the exact query unknown, the relaxation is not asked and the answer is
    unknown; outside a look the relaxation is asked as before."""
    from nnsolve.decider import chains
    from nnsolve.solvers import UNKNOWN, SolverResult

    case, _, _ = _reduction_case("sat", 10, 1)
    asked = []
    monkeypatch.setattr(chains, "GUIDED_MAX_VARIABLES", 0)
    monkeypatch.setattr(chains, "_solve_case", lambda *a, **k: SolverResult(UNKNOWN, "test", 0.0, reason="off"))

    def components(parts, solver, limits, cancel=None, groups=None):
        asked.append("relaxation" if any("relaxed" in p for p in parts) else "other")
        return SolverResult(UNKNOWN, "test", 0.0, reason="off")

    monkeypatch.setattr(chains, "_solve_components", components)
    answer = chains.after_lemmas(case, [], SOLVER, Limits(5), need_guide=need_guide)
    if need_guide:
        assert answer.status == UNKNOWN and asked == []
    else:
        assert asked and asked[0] == "relaxation"


@pytest.mark.parametrize("size, seed", [pytest.param(100, 4, marks=pytest.mark.slow),
                                        pytest.param(300, 5, marks=pytest.mark.slow),
                                        pytest.param(1000, 6, marks=pytest.mark.slow)])
def test_the_looks_keep_the_forward_witness_at_tier4_sizes(size, seed):
    """The lemma route's looks as the blind decision runs them on a tier-4 residual (one
    pass at radius 2, then one at radius 3, one memory): the planted network's values
    satisfy the case after each, exactly.  Sizes as users run them (100: about 800 ite
    pieces; 300: 2,400; 1,000: 7,900); one wrong lemma among thousands fails it."""
    from nnsolve.decider.local_lemmas import LemmaMemory

    case, witness, module = _reduction_case("sat", size, seed)
    assert witness is not None and module.witness_holds(case, witness)
    memory, lemmas = LemmaMemory(), 0
    for radius in (2, 3):
        out = local_lemmas(case, SOLVER, Limits(3000), radii=(radius,), passes=1, memory=memory, workers=2)
        assert out.case is not None, out.reason
        assert module.witness_holds(out.case, witness), f"radius {radius} cut off the planted network"
        case, lemmas = out.case, lemmas + out.lemmas
    assert lemmas > 0  # the passes decided something


def test_an_undecided_residual_says_what_each_route_did(monkeypatch):
    """Neither route decides (exact route off, the lemma route given no time to speak
    of): the unknown names both routes' reasons, not only the exact route's."""
    from nnsolve.decider import chains
    from nnsolve.decider.structured import decide_structured
    from nnsolve.formula.generate import family_formula
    from nnsolve.reduction import reduce_formula
    from nnsolve.solvers import UNKNOWN, SolverResult

    _exact_route_off(monkeypatch)
    monkeypatch.setattr(chains, "GUIDED_MAX_VARIABLES", 0)
    monkeypatch.setattr(chains, "_lemma_route", lambda *a, **k: SolverResult(
        UNKNOWN, "test", 0.0, reason="local lemmas: 80 -> 12 ite pieces; what they leave: unknown"))
    instance = reduce_formula(family_formula("sat", 10, 1)).instance
    result = decide_structured(instance, SOLVER, Limits(120), max_work=1)
    assert result.status == "unknown"
    assert ("exact route: the exact route is off in this test; lemma route: local lemmas: 80 -> 12 ite pieces; "
            "what they leave: unknown") in result.reason, result.reason
