"""The events example: hooks run in order, the optional dependency may be absent, a failing
hook fails the emitting call without undoing what ran before it."""

from __future__ import annotations

import subprocess
import sys

import pytest

from examples.events import generated
from examples.events.generated import without_analytics
from examples.events.models import NewUser, UserRegistered
from examples.events.services import MailboxUnavailable
from runner_gen import HookError
from tests.support.build import REPO

ADA = NewUser(email="ada@example.com", name="Ada", password="correct horse")


async def test_hooks_run_in_their_order_not_their_registration_order() -> None:
    async with generated.running() as app:
        await app.tasks.register_user(ADA)
        assert app.resources.activity.entries == [
            "welcome email sent to ada@example.com",
            "settings created for user 1",
            "registration of user 1 tracked",
        ]


async def test_each_hook_receives_the_emitted_payload() -> None:
    async with generated.running() as app:
        user = await app.tasks.register_user(ADA)
        [mail] = app.resources.outbox.sent
        assert (mail.to, mail.subject, mail.body) == (user.email, "Welcome!", "Hello Ada!")
        assert app.resources.settings.by_user[user.id].theme == "light"
        assert app.resources.analytics.tracked == [("user_registered", {"user_id": user.id})]


async def test_the_password_is_stored_hashed_and_salted() -> None:
    async with generated.running() as app:
        first = await app.tasks.register_user(ADA)
        second = await app.tasks.register_user(ADA)
        hashes = app.resources.users.password_hashes
        assert b"correct horse" not in hashes[first.id]
        assert hashes[first.id] != hashes[second.id]


async def test_with_analytics_absent_the_hook_still_runs_and_skips_tracking() -> None:
    async with without_analytics.running() as app:
        user = await app.tasks.register_user(ADA)
        assert user.id == 1
        assert app.resources.activity.entries[-1] == (
            "analytics not registered: registration not tracked"
        )
        assert app.resources.settings.by_user.keys() == {1}


def test_the_variant_without_analytics_has_no_analytics_resource_at_all() -> None:
    assert "analytics" in generated.Resources.__slots__
    assert "analytics" not in without_analytics.Resources.__slots__


async def test_a_failing_hook_fails_the_task_and_stops_later_hooks() -> None:
    async with generated.running() as app:
        app.resources.outbox.unreachable_domains.add("bounce.test")
        with pytest.raises(HookError, match=r"send_welcome_email.*x@bounce\.test") as raised:
            await app.tasks.register_user(NewUser(email="x@bounce.test", name="X", password="p"))
        assert isinstance(raised.value.cause, MailboxUnavailable)
        # The user was created before the event was emitted, and hooks are not a transaction.
        assert app.resources.users.users.keys() == {1}
        assert app.resources.outbox.sent == []
        assert app.resources.settings.by_user == {}
        assert app.resources.analytics.tracked == []
        assert app.resources.activity.entries == []


async def test_after_a_failing_hook_the_next_registration_works() -> None:
    async with generated.running() as app:
        app.resources.outbox.unreachable_domains.add("bounce.test")
        with pytest.raises(HookError):
            await app.tasks.register_user(NewUser(email="x@bounce.test", name="X", password="p"))
        user = await app.tasks.register_user(ADA)
        assert user.id == 2
        assert len(app.resources.activity.entries) == 3


async def test_emitting_the_event_directly_runs_the_same_hooks() -> None:
    async with generated.running() as app:
        await app.events.user_registered(UserRegistered(user_id=7, email="e@x.test", name="E"))
        assert app.resources.users.users == {}  # no task ran, only the hooks
        assert app.resources.activity.entries[1] == "settings created for user 7"


def test_the_demo_prints_both_variants() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "examples.events"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    lines = result.stdout.splitlines()
    assert "activity: registration of user 1 tracked" in lines
    assert (
        "register_user failed in events.hooks.send_welcome_email: cannot deliver to x@bounce.test"
        in lines
    )
    assert "users after the failure: [1, 2]" in lines
    assert "settings after the failure: [1]" in lines
    assert lines[-1] == (
        "without analytics, activity: analytics not registered: registration not tracked"
    )
