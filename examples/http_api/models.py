"""The HTTP API example's data types."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from examples.auth.models import Authenticated

Method = Literal["GET", "POST", "PUT", "PATCH", "DELETE"]


class Route(BaseModel):
    """Config of the `http_api.tags.route` tag.

    `input` is the task's input model: the router validates the merged request against it.
    (The tag accessor hands out each task's callable, not its schema, so the route says it.)
    """

    method: Method
    path: str = Field(pattern=r"^/")
    input: type[BaseModel] | None = None
    status: int = Field(default=200, ge=200, le=299)


class ServerConfig(BaseModel):
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)  # 0: any free port (tests)
    drain_timeout_s: float = Field(default=10.0, ge=0)
    max_body_bytes: int = Field(default=1_000_000, ge=0)


class Health(BaseModel):
    status: Literal["ok"] = "ok"


class NewUser(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    email: str = Field(pattern=r"^[^@\s]+@[^@\s]+$")


class User(BaseModel):
    id: int
    name: str
    email: str


class UserRef(Authenticated):
    id: int


class ListUsers(BaseModel):
    limit: int = Field(default=10, ge=1, le=100)
    offset: int = Field(default=0, ge=0)


class Deleted(BaseModel):
    id: int
    deleted: bool


class ReportRequest(BaseModel):
    """A report that takes `delay_ms` to build: the slow request of the shutdown demo."""

    name: str
    delay_ms: int = Field(default=0, ge=0, le=60_000)


class Report(BaseModel):
    name: str
    users: int


class NotFound(BaseModel):
    id: int
