"""In-memory services the quickstart's resources hand out."""

from __future__ import annotations

from dataclasses import dataclass, field

from examples.quickstart.models import User


@dataclass
class Database:
    name: str
    users: dict[int, User] = field(default_factory=dict)
    open: bool = True

    async def insert(self, name: str, email: str) -> User:
        if not self.open:
            raise RuntimeError("database is closed")
        user = User(id=len(self.users) + 1, name=name, email=email)
        self.users[user.id] = user
        return user


@dataclass
class Outbox:
    """Where the welcome hook 'sends' mail, so the demo and tests can read it."""

    sent: list[str] = field(default_factory=list)


@dataclass
class Audit:
    entries: list[str] = field(default_factory=list)
