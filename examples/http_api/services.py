"""The in-memory user directory behind the API, with a switch to make writes fail."""

from __future__ import annotations

from dataclasses import dataclass, field

from examples.http_api.models import NewUser, User


class StorageFault(Exception):
    """A storage failure whose message must never reach an HTTP client."""


@dataclass
class UserDirectory:
    users: dict[int, User] = field(default_factory=dict)
    #: Set to make every write fail, as a broken disk or database would.
    fail_writes: bool = False
    _next_id: int = 1

    def add(self, new: NewUser) -> User:
        if self.fail_writes:
            raise StorageFault("write failed: /var/lib/users/0001.db: I/O error")
        user = User(id=self._next_id, name=new.name, email=new.email)
        self._next_id += 1
        self.users[user.id] = user
        return user
