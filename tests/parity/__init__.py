"""Runner 5.5 parity: behaviours ported from bluelibs/runner@5.5.0 tests (docs/runner-parity.md)."""
