; x * x = 1 (x = 1 or -1), y = 2x, z = 2y: the real solutions are (1, 2, 4) and (-1, -2, -4),
; neither in [1/2, 2]^3: the formula breaks the ETR-INV promise
(set-info :smt-lib-version 2.6)
(set-logic QF_NRA)
(set-info :source "nnsolve corpus, tier 1: promise violation")
(set-info :status promise-violated)
(declare-fun x () Real)
(declare-fun y () Real)
(declare-fun z () Real)
(assert (= (* x x) 1))
(assert (= y (+ x x)))
(assert (= z (+ y y)))
(check-sat)
(exit)
