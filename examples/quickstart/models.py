"""The quickstart's data types."""

from __future__ import annotations

from pydantic import BaseModel


class AppConfig(BaseModel):
    greeting: str = "Welcome"


class DatabaseConfig(BaseModel):
    name: str = "users"


class NewUser(BaseModel):
    name: str
    email: str


class User(BaseModel):
    id: int
    name: str
    email: str


class Route(BaseModel):
    method: str
    path: str
