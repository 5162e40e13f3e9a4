; x * y = 1, y = 2x, z = 2y: x = 1/sqrt2 gives z = 2 sqrt2 > 2;
;  x = -1/sqrt2 gives negatives: real solutions, none in the box
(set-info :smt-lib-version 2.6)
(set-logic QF_NRA)
(set-info :source "nnsolve corpus, tier 1: promise violation with irrational solutions")
(set-info :status promise-violated)
(declare-fun x () Real)
(declare-fun y () Real)
(declare-fun z () Real)
(assert (= (* x y) 1))
(assert (= y (+ x x)))
(assert (= z (+ y y)))
(check-sat)
(exit)
