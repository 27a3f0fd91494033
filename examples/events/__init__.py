"""Event-driven registration: one task emits, ordered hooks react, one through an optional dep."""
