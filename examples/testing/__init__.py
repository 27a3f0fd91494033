"""A sign-up service, and how to test it without its database or its network (docs/testing.md)."""
