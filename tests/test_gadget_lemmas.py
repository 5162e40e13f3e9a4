"""The gadget lemmas, proven by SMT (see docs/reduction.md)."""

from dataclasses import replace

import pytest

from nnsolve.decision.gadgets import LEMMAS, verify_gadgets, verify_lemma
from nnsolve.solvers import Limits, get_solver

BY_NAME = {lem.name: lem for lem in LEMMAS}
PROVEN = ["variable.minimal", "variable.readings", "variable.windows", "bridge.minimal", "bridge.windows",
          "inversion.minimal"]
# the three QF_NRA lemmas (shared kinks) take 50-85 s each: run them two at a time
HEAVY = ("bridge.readings", "inversion.readings", "inversion.windows")


@pytest.mark.parametrize("name", PROVEN)
def test_lemma_is_proved(name):
    result = verify_lemma(BY_NAME[name], get_solver("z3"), Limits(timeout=400))
    assert result.status == "proved", result.detail


@pytest.mark.slow  # about 140 s on 2 cores; run with pytest -m slow or nnsolve verify-gadgets
def test_shared_kink_lemmas_are_proved():
    results = verify_gadgets(get_solver("z3"), Limits(timeout=400), jobs=2, names=HEAVY)
    assert sorted(r.lemma.name for r in results) == sorted(HEAVY)
    for r in results:
        assert r.status == "proved", (r.lemma.name, r.detail)


def test_every_lemma_is_tested():
    assert set(PROVEN) | set(HEAVY) == set(BY_NAME)


def test_sharing_matters_and_refutations_are_reported():
    # Without the shared-kink condition each output may bend at its own place inside
    # one interval; the bridge lemma then has counterexamples, which must be reported.
    relaxed = replace(BY_NAME["bridge.readings"], shared_kinks=False)
    result = verify_lemma(relaxed, get_solver("z3"), Limits(timeout=120))
    assert result.status == "refuted" and "counterexample" in result.detail


def test_vacuous_lemmas_are_caught():
    # too few kinks for the sanity query: the lemma would hold vacuously
    from nnsolve.reduction.gadgets import VARIABLE_GADGET
    lem = replace(BY_NAME["variable.readings"], gadget=replace(VARIABLE_GADGET, budget=3))
    assert verify_lemma(lem, get_solver("z3"), Limits(timeout=120)).status == "vacuous"


def test_a_window_that_is_too_narrow_is_refuted():
    # the canonical fit has k3 = 9: a window [8, 17/2] for k3 must be refuted
    from fractions import Fraction as F

    from nnsolve.encodings.piecewise import kink_in
    windows = [(2, 4), (4, 7), (8, F(17, 2)), (11, 16)]
    claim = "(and " + " ".join(kink_in(j, F(lo), F(hi)) for j, (lo, hi) in enumerate(windows, start=1)) + ")"
    lem = replace(BY_NAME["variable.windows"], claim=claim)
    assert verify_lemma(lem, get_solver("z3"), Limits(timeout=120)).status == "refuted"
