"""Tests of runner_gen.generator.client_types: standalone copies of a server's value types."""
