"""Fixture apps of the parity suite, built with the real generator."""
