"""In-memory services the quickstart's resources hand out."""

from __future__ import annotations

from dataclasses import dataclass, field

from examples.quickstart.models import User


@dataclass
class Database:
    name: str
    users: dict[int, User] = field(default_factory=dict)
    open: bool = True

    async def insert_once(self, name: str, email: str) -> User:
        """Insert a user, keyed by email: a second call with the same email (a retry after a
        transient failure) returns the user the first one created instead of adding another."""
        if not self.open:
            raise RuntimeError("database is closed")
        existing = next((user for user in self.users.values() if user.email == email), None)
        if existing is not None:
            return existing
        user = User(id=len(self.users) + 1, name=name, email=email)
        self.users[user.id] = user
        return user


@dataclass
class Outbox:
    """Where the welcome hook 'sends' mail, so the demo and tests can read it."""

    sent: list[str] = field(default_factory=list)
    #: How many sends fail before one succeeds: a flaky mail server, for the tests.
    failures_left: int = 0

    async def send(self, message: str) -> None:
        if self.failures_left:
            self.failures_left -= 1
            raise ConnectionError("mail server hiccup")
        self.sent.append(message)


@dataclass
class Audit:
    entries: list[str] = field(default_factory=list)
