"""Residual variable names (nnsolve.decider.residual_query.name): distinct keys get
distinct names, and every name is an SMT-LIB simple symbol.  Two keys with one name
would be one variable to the solver (a wrong unsat, or a model read into the wrong
variable), so the keys drawn here include what breaks a naive spelling: strings with
``_``, ``.``, ``~`` and spaces, strings spelled like integers (``m3``) or like the digit
guard (``v0``), nested and one-item tuples, negative integers."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from nnsolve.decider.residual_query import name

SIMPLE_SYMBOL = re.compile(r"[A-Za-z~!@$%^&*_\-+=<>.?/][A-Za-z0-9~!@$%^&*_\-+=<>.?/]*\Z")

atoms = st.one_of(st.integers(-10**12, 10**12),
                  st.sampled_from(["K", "q", "c", "m3", "v0", "x_2", "a.b", "k~", "", "3", "A b", "é", "let",
                                   "true", "and", "ite", "k~True"]),
                  st.text(min_size=0, max_size=4))
keys = st.recursive(atoms, lambda inner: st.lists(inner, min_size=0, max_size=4).map(tuple), max_leaves=8)


@settings(max_examples=400, deadline=None)
@given(st.lists(keys, min_size=2, max_size=30, unique=True))
def test_distinct_keys_get_distinct_symbols(batch):
    names = [name(k) for k in batch]
    assert len(set(names)) == len(batch), [(k, n) for k, n in zip(batch, names)]
    for n in names:
        assert SIMPLE_SYMBOL.match(n) and not n.startswith(("@", ".")), n  # @ and . are the solvers'


def test_the_keys_the_deciders_use_stay_readable():
    assert [name(k) for k in [("K", 220, 1, 0), ("q", 220, 1), ("c", ("q", 220, 1)), ("P", 3, ("K", 0), 7)]] == \
        ["K_220_1_0", "q_220_1", "c_q.220.1", "P_3_K.0_7"]
    assert name(("K_3", 1)) != name(("K", 3, 1))  # the collision the second reader found
    assert name((("x", 2), "k", 0)) != name(("x", 2, "k", 0))
    assert name("x") != name(("x",)) and name(-3) != name("m3") and name((0, 1)) != name(("v0", 1))


def test_reserved_words_are_not_declared_as_they_are():
    import z3
    for word in ["let", "as", "true", "false", "and", "distinct", "ite", "forall"]:
        s = z3.Solver()
        s.from_string(f"(declare-fun {name(word)} () Real)(assert (> {name(word)} 0.0))")  # z3 rejects the bare word
        assert s.check() == z3.sat
