"""A small app written against runner-gen's public API only."""
