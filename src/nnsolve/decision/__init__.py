"""Decision procedures built on the solver layer (ETR-INV now, training later)."""
