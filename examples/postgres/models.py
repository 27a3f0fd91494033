"""The postgres example's data types."""

from __future__ import annotations

from pydantic import BaseModel, Field

#: Where the DSN comes from, and what it is when the variable is unset.
DSN_ENV = "EXAMPLES_POSTGRES_DSN"
DEFAULT_DSN = "postgresql://postgres@127.0.0.1:5432/test"


class PoolConfig(BaseModel):
    # 0: connections open on demand, so the SELECT 1 in init is what proves the DSN works.
    min_size: int = Field(default=0, ge=0)
    max_size: int = Field(default=5, ge=1)
    connect_timeout_s: float = Field(default=5.0, gt=0)


class NewUser(BaseModel):
    name: str = Field(min_length=1)
    email: str = Field(min_length=3)


class User(BaseModel):
    id: int
    name: str
    email: str


class NewPair(BaseModel):
    """Two users registered together: both, or neither."""

    first: NewUser
    second: NewUser
