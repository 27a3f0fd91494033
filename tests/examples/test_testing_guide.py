"""docs/testing.md, run: the sign-up service tested without its database or its network.

Nothing here is mocked out of the code under test: the generated app starts for real, with
typed overrides in place of the PostgreSQL accounts, the mailer and the reputation call.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest

from examples.testing.definitions import Refused
from examples.testing.generated import App, Overrides, running
from examples.testing.models import Account, SignedUp, SignUp
from runner_gen.runtime.middleware import TaskTimeoutError
from runner_gen.testing import FakeClock, Recorder, settle

pytest_plugins = ["runner_gen.testing.pytest_plugin"]


@dataclass
class InMemoryAccounts:
    """Has the shape of the Accounts protocol: that is all mypy asks of it."""

    created: list[Account] = field(default_factory=list)
    closed: bool = False

    async def create(self, signup: SignUp) -> Account:
        account = Account(id=len(self.created) + 1, email=signup.email, name=signup.name)
        self.created.append(account)
        return account

    async def close(self) -> None:
        self.closed = True


@dataclass
class Outbox:
    sent: list[str] = field(default_factory=list)

    async def send(self, to: str, subject: str) -> None:
        self.sent.append(to)


async def trusted(email: str) -> float:
    return 0.9


@pytest.fixture
def accounts() -> InMemoryAccounts:
    return InMemoryAccounts()


@pytest.fixture
async def app(accounts: InMemoryAccounts) -> AsyncIterator[App]:
    overrides: Overrides = {
        "resources": {"accounts": accounts, "mailer": Outbox()},
        "tasks": {"reputation": trusted},
    }
    async with running(overrides=overrides) as started:
        yield started


async def test_a_sign_up_is_stored_and_welcomed(app: App, accounts: InMemoryAccounts) -> None:
    account = await app.tasks.sign_up(SignUp(email="ada@example.com", name="Ada"))
    assert accounts.created == [account]
    mailer = app.resources.mailer
    assert isinstance(mailer, Outbox)
    assert mailer.sent == ["ada@example.com"]  # the real hook ran, with the fake mailer


async def test_an_overridden_resource_is_not_disposed_by_the_app(
    accounts: InMemoryAccounts,
) -> None:
    async with running(overrides={"resources": {"accounts": accounts, "mailer": Outbox()}}):
        pass
    assert not accounts.closed  # the fake is the test's to close


async def test_the_event_is_recorded_instead_of_running_its_hooks(
    accounts: InMemoryAccounts, recorder: type[Recorder[SignedUp]]
) -> None:
    signed_up = recorder()
    overrides: Overrides = {
        "resources": {"accounts": accounts},
        "tasks": {"reputation": trusted},
        "events": {"signed_up": signed_up},
    }
    async with running(overrides=overrides) as app:
        await app.tasks.sign_up(SignUp(email="ada@example.com", name="Ada"))
    assert signed_up.payloads == [SignedUp(account_id=1, email="ada@example.com")]


async def test_spam_is_refused_and_nothing_is_stored(accounts: InMemoryAccounts) -> None:
    async def spammy(email: str) -> float:
        return 0.1

    overrides: Overrides = {"resources": {"accounts": accounts}, "tasks": {"reputation": spammy}}
    async with running(overrides=overrides) as app:
        with pytest.raises(Refused):
            await app.tasks.sign_up(SignUp(email="x@spam.test", name="X"))
    assert accounts.created == []


@dataclass
class HungService:
    """A reputation service that never answers."""

    never: asyncio.Event = field(default_factory=asyncio.Event)

    async def score(self, email: str) -> float:
        await self.never.wait()
        return 1.0


async def test_a_hung_reputation_service_times_out_on_the_fake_clock(
    accounts: InMemoryAccounts, fake_clock: FakeClock
) -> None:
    # The real reputation task, timeout middleware included, over a service that hangs: its
    # 2 s budget passes on the fake clock, not the wall clock.
    overrides: Overrides = {
        "resources": {"accounts": accounts, "reputation_service": HungService()},
        "clock": fake_clock,
    }
    async with running(overrides=overrides) as app:
        call = asyncio.ensure_future(app.tasks.sign_up(SignUp(email="a@b.test", name="A")))
        await settle()
        await fake_clock.advance(2.0)
        with pytest.raises(TaskTimeoutError):
            await call
    assert accounts.created == []
