"""Tests of the built distributions, installed non-editable into fresh venvs outside the repo."""
