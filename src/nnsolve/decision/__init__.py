"""Decision procedures built on the solver layer: ETR-INV (`etr`), training instances
(`structured` and its stages `structure`, `decompose`, `pattern`; baselines and inspection in
`training`), certificates, gadget lemmas; and the cross-check pipeline (`check`, `corpus`,
`artifacts`, `cluster`)."""
