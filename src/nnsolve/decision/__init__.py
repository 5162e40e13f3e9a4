"""The ETR-INV decision procedure (`etr`), the gadget lemmas (`gadgets`), and the
cross-check pipeline: `check` (one formula, both sides), `certificate` (the forward
witness), `artifacts` (files that reproduce a check), `corpus` (many formulas,
resumable), `cluster` (the corpus on Dask).  The training decider lives in
:mod:`nnsolve.decider`."""
