"""The variable-constraint incidence graph of a formula (networkx).

>>> from nnsolve.formula.model import Add, Formula, Inv
>>> f = Formula(("a", "b", "c", "d"), (Inv("a", "b"), Add("c", "c", "d")))
>>> [g.variables for g in components(f)]
[('a', 'b'), ('c', 'd')]
"""

from __future__ import annotations

import networkx as nx

from nnsolve.formula.model import Formula


def incidence_graph(formula: Formula) -> nx.Graph:
    """Bipartite graph: nodes ("var", name) and ("con", index); an edge per use."""
    g = nx.Graph()
    for v in formula.variables:
        g.add_node(("var", v), kind="variable")
    for i, c in enumerate(formula.constraints):
        g.add_node(("con", i), kind=type(c).__name__, constraint=c)
        for v in c.variables:
            g.add_edge(("con", i), ("var", v))
    return g


def components(formula: Formula) -> list[Formula]:
    """The connected components as sub-formulas, in order of first variable."""
    g = incidence_graph(formula)
    order = {v: i for i, v in enumerate(formula.variables)}
    parts = []
    for nodes in nx.connected_components(g):
        vs = sorted((n[1] for n in nodes if n[0] == "var"), key=order.__getitem__)
        cs = sorted(n[1] for n in nodes if n[0] == "con")
        parts.append(Formula(tuple(vs), tuple(formula.constraints[i] for i in cs)))
    parts.sort(key=lambda f: order[f.variables[0]])
    return parts
