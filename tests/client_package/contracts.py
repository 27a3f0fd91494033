"""A local module the API imports a name from, which is itself an installed (stdlib) type."""

from uuid import UUID

__all__ = ["UUID"]
