from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel


class UserId(BaseModel):
    id: str


class Profile(BaseModel):
    id: str
    name: str


class MemoryCacheConfig(BaseModel):
    """The seed's ``{ ttl, keyFn? }``: entries live ``ttl_ms``; ``key_fn`` picks the key
    (default: the input as JSON)."""

    ttl_ms: int
    key_fn: Callable[[Any], str] | None = None
