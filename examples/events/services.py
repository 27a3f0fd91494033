"""In-process services the hooks write to, so the demo and tests can read what happened."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from typing import Any

from examples.events.models import Settings, User


def hash_password(password: str) -> bytes:
    salt = os.urandom(16)
    # scrypt because a fast hash (sha256) makes stolen hashes cheap to brute-force; n is kept
    # small here so the example and its tests stay quick.
    return salt + hashlib.scrypt(password.encode(), salt=salt, n=2**12, r=8, p=1)


@dataclass
class UserStore:
    users: dict[int, User] = field(default_factory=dict)
    password_hashes: dict[int, bytes] = field(default_factory=dict)

    def create(self, email: str, name: str, password_hash: bytes) -> User:
        user = User(id=len(self.users) + 1, email=email, name=name)
        self.users[user.id] = user
        self.password_hashes[user.id] = password_hash
        return user


class MailboxUnavailable(Exception):
    """The outbox refused a message (its domain is marked unreachable)."""


@dataclass
class Mail:
    to: str
    subject: str
    body: str


@dataclass
class Outbox:
    """Where mail 'goes'. `unreachable_domains` lets a demo or test make sending fail."""

    sent: list[Mail] = field(default_factory=list)
    unreachable_domains: set[str] = field(default_factory=set)

    async def send(self, mail: Mail) -> None:
        if mail.to.rpartition("@")[2] in self.unreachable_domains:
            raise MailboxUnavailable(f"cannot deliver to {mail.to}")
        self.sent.append(mail)


@dataclass
class SettingsStore:
    by_user: dict[int, Settings] = field(default_factory=dict)


@dataclass
class Analytics:
    tracked: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    async def track(self, name: str, properties: dict[str, Any]) -> None:
        self.tracked.append((name, properties))


@dataclass
class ActivityFeed:
    """What each hook did, in the order it happened (the demo prints it; tests check order)."""

    entries: list[str] = field(default_factory=list)
