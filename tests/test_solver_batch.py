"""Solver.solve_many: many queries in one child (nnsolve.solvers.runner.run_backend_batch).

The answers are the ones one child per query gives (random ETR-INV formulas of every
generated family, 3-30 constraints, batches of up to 10), every sat model satisfies its formula exactly,
and the faults of one query cost only the queries not yet answered: a crash or the
overall deadline gives unknown with the reason for those, the earlier answers are kept,
and a cancel ends the child."""

import threading
import time
from fractions import Fraction

from hypothesis import HealthCheck, event, given, settings, strategies as st

from nnsolve.formula.generate import FAMILIES, family_formula
from nnsolve.formula.model import Formula, satisfies
from nnsolve.formula.smtlib import to_smtlib
from nnsolve.solvers import Limits, Query, Solver, get_solver

MARKERS = Solver("markers", "faulty_backends:Markers")


@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(drawn=st.lists(st.tuples(st.sampled_from(FAMILIES), st.integers(3, 30), st.integers(0, 10**6)),
                      min_size=1, max_size=10))
def test_a_batch_answers_as_one_child_per_query(drawn):
    formulas = [family_formula(f, n, seed) for f, n, seed in drawn]
    queries = [Query(to_smtlib(f), tuple(sorted(f.variables))) for f in formulas]
    z3 = get_solver("z3")
    limits = Limits(timeout=20)
    batch = z3.solve_many(queries, limits)
    assert len(batch) == len(queries)
    assert_answers_agree(formulas, queries, batch, [z3.solve(q, limits) for q in queries])


def assert_answers_agree(formulas, queries, answers, reference) -> None:
    """``answers`` to ``queries`` (one per formula) agree with ``reference`` where both
    decide (pinned too), with each formula's known status, and every sat model satisfies
    its formula exactly."""
    for formula, query, answer, other in zip(formulas, queries, answers, reference, strict=True):
        if "unknown" not in (answer.status, other.status):
            assert answer.status == other.status, (answer, other)
            assert answer.pinned == other.pinned, (answer, other)
        if formula.status in ("sat", "unsat") and answer.status != "unknown":
            assert answer.status == formula.status
        if answer.status == "sat":
            values = {n: Fraction(0) for n in query.variables} | dict(answer.model)
            assert satisfies(formula, values)


def test_a_crash_costs_only_the_queries_not_yet_answered(fault_path):
    queries = [Query("(assert true)"), Query("(assert true) STRATEGY", strategy="orderings"),
               Query("CRASH"), Query("(assert true)")]
    results = MARKERS.solve_many(queries, Limits(timeout=5, grace=3))
    assert [r.status for r in results] == ["unsat", "unknown", "unknown", "unknown"]
    assert results[1].reason == "strategy=orderings"  # each query's own strategy arrives
    assert all("SIGSEGV" in r.reason and r.reason.startswith("batch:") for r in results[2:])


def test_a_hang_ends_at_the_overall_deadline(fault_path):
    start = time.monotonic()
    results = MARKERS.solve_many([Query("(assert true)"), Query("HANG"), Query("(assert true)")],
                                 Limits(timeout=1, grace=1))
    assert [r.status for r in results] == ["unsat", "unknown", "unknown"]
    assert all("timeout" in r.reason and "whole batch" in r.reason for r in results[1:])
    assert time.monotonic() - start < 30


def test_an_answer_that_is_not_an_object_is_unknown_not_an_error(fault_path):
    results = MARKERS.solve_many([Query("(assert true)"), Query("NOTANOBJECT"), Query("(assert true)")],
                                 Limits(timeout=5, grace=3))
    assert [r.status for r in results] == ["unsat", "unknown", "unknown"]
    assert "unreadable" in results[1].reason and results[2].reason == "batch: an earlier answer was unreadable"


def test_cancel_ends_a_batch(fault_path):
    ev = threading.Event()
    threading.Timer(1.0, ev.set).start()
    start = time.monotonic()
    results = MARKERS.solve_many([Query("HANG")] * 3, Limits(timeout=60), ev)
    assert all(r.status == "unknown" and r.reason == "batch: cancelled" for r in results)
    assert time.monotonic() - start < 10


def test_an_empty_batch_starts_no_child():
    assert get_solver("z3").solve_many([], Limits(timeout=1)) == []


def test_a_portfolio_batch_is_one_race_per_query():
    q = Query("(declare-fun x () Real)(assert (= (* x x) 2.0))(assert (< x 0.0))", ("x",))
    u = Query("(declare-fun x () Real)(assert (= (* x x) -2.0))", ("x",))
    results = get_solver("portfolio").solve_many([q, u], Limits(timeout=20))
    assert [r.status for r in results] == ["sat", "unsat"]
    assert results[0].model["x"] * results[0].model["x"] == 2


def _pin_script(body: str) -> str:
    return f"(set-logic QF_NRA)\n(declare-fun x () Real)\n(declare-fun y () Real)\n{body}\n(check-sat)\n(exit)\n"


def test_a_pinned_value_is_one_every_solution_has():
    z3 = get_solver("z3")
    forced = Query(_pin_script("(assert (= (* x x) 4))\n(assert (> x 0))\n(assert (= y (+ x 1)))"), ("x", "y"),
                   pin="y")
    free = Query(_pin_script("(assert (= (* x x) 4))\n(assert (= y (+ x 1)))"), ("x", "y"), pin="x")
    none = Query(_pin_script("(assert (= (* x x) 4))\n(assert (> x 0))"), ("x",))
    a, b, c = z3.solve_many([forced, free, none], Limits(timeout=20))
    assert a.status == "sat" and a.pinned and a.model["y"] == 3
    assert b.status == "sat" and not b.pinned  # x = 2 and x = -2 both solve it
    assert c.status == "sat" and not c.pinned  # nothing was asked
    try:
        Query("(assert true)", ("x",), pin="y")
    except ValueError as exc:
        assert "pin" in str(exc)
    else:
        raise AssertionError("a pin outside the variables is refused")


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(family=st.sampled_from(["sat", "unsat-unique"]), n=st.integers(3, 30), seed=st.integers(0, 10**6),
       pick=st.integers(0, 10**6))
def test_pinned_means_no_solution_with_another_value(family, n, seed, pick):
    # oracle: z3 in this process on the formula with pin != m (not the worker's code)
    import z3 as z3api

    formula = family_formula(family, n, seed)
    if family == "unsat-unique":  # without its last constraint: sat, unique up to sign
        formula = Formula(formula.variables, formula.constraints[:-1])
    names = tuple(sorted(formula.variables))
    pin = names[pick % len(names)]
    text = to_smtlib(formula)
    if family == "unsat-unique":  # and with x0 > 0, every value is forced
        text = text.replace("(check-sat)", "(assert (> x0 0))\n(check-sat)")
    answer = get_solver("z3").solve(Query(text, names, pin=pin), Limits(timeout=20))
    if answer.status != "sat" or pin not in (answer.model or {}):
        assert not answer.pinned
        return
    m = answer.model[pin]
    if not isinstance(m, Fraction):  # an algebraic model value is never pinned
        assert not answer.pinned
        return
    event(f"pinned: {answer.pinned}")
    s = z3api.Solver()
    s.set("timeout", 20000)
    s.from_string(text.replace("(check-sat)", "").replace("(exit)", ""))
    s.add(z3api.Real(pin) != z3api.Q(m.numerator, m.denominator))
    other = s.check()
    if answer.pinned:
        assert other == z3api.unsat, (family, n, seed, pin, m)
    else:
        assert other != z3api.unsat, (family, n, seed, pin, m)


def test_a_pinned_answer_must_echo_its_query(fault_path):
    # answers are matched to queries by position; a pinned one must name its own pin and
    # model value, or it and every later answer is unknown
    queries = [Query("PIN", ("x",), pin="x"), Query("STRAYPIN", ("x",), pin="x"), Query("(assert true)")]
    results = MARKERS.solve_many(queries, Limits(timeout=5, grace=3))
    assert results[0].pinned and results[0].model["x"] == 2
    assert [r.status for r in results[1:]] == ["unknown", "unknown"] and not results[1].pinned
    assert "echo" in results[1].reason
