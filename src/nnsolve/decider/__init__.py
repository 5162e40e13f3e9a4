"""The training decider: does some network with the instance's hidden width fit it?

One package, one module per stage, in the order they run (docs/solving.md):

=================  ==========================================================
``inspection``     stage 0: repeated inputs with different labels (unsat), widths
                   at the interpolation bound (sat by a checked interpolant)
``lines``          data lines and where the data bend along them
``line_count``     stage 1: minimum kink counts per line (unsat when a line needs
                   more kinks than there are neurons); tight lines and chains
``windows``        exact kink windows of tight blocks (cell assignments + elimination)
``chains``         stage 1b: the chain decomposition and its QF_NRA residual
``residual_query`` SMT-LIB text of what elimination leaves
``branching``      the residual's ites decided by exact case splits (branch and
                   eliminate), guided by a model of a relaxation
``pattern``        stage 2: float-guided activation patterns, decided exactly
``pattern_query``  SMT-LIB text of a pattern-fixed query
``baseline``       stage 3 / ``--method ENCODING``: a baseline encoding to the solver
``structured``     the stages in order (method ``structured``) and ``decide_with``
``bounded``        the whole decision in a child process under one wall-clock limit
``result``         :class:`TrainingResult`
=================  ==========================================================

Every stage reads only the instance.  ``sat`` is reported only with a network that
``exact_fit`` confirmed; ``unsat`` only from exact arithmetic or a solver's unsat on
a query whose argument is written down.  The cross-check pipeline that uses the
decider (check, corpus, artifacts, certificates) lives in :mod:`nnsolve.decision`.
"""
