"""The events example's data types."""

from __future__ import annotations

from pydantic import BaseModel


class NewUser(BaseModel):
    email: str
    name: str
    password: str


class User(BaseModel):
    id: int
    email: str
    name: str


class UserRegistered(BaseModel):
    """The event's payload: what listeners may know (no password hash)."""

    user_id: int
    email: str
    name: str


class Settings(BaseModel):
    user_id: int
    theme: str = "light"
    notifications: bool = True
