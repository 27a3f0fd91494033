"""Runnable examples; each has its definitions, its generated package and tests."""
