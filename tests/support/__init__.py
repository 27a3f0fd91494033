"""Helpers shared by the generator and generated-app tests."""
