"""The sign-up service's values."""

from __future__ import annotations

from pydantic import BaseModel, Field


class SignUp(BaseModel):
    email: str = Field(min_length=3)
    name: str = Field(min_length=1)


class Account(BaseModel):
    id: int
    email: str
    name: str


class SignedUp(BaseModel):
    account_id: int
    email: str
