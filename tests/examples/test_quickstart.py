"""The quickstart example, end to end: what `make demo` shows is what the app does."""

from __future__ import annotations

import contextlib
import subprocess
import sys

import pytest

from examples.quickstart.generated import running, start
from examples.quickstart.models import AppConfig, NewUser
from runner_gen import HookError
from tests.support.build import REPO


def test_the_demo_runs_and_prints_what_happened() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "examples.quickstart"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    lines = result.stdout.splitlines()
    assert "registered Ada as user 1" in lines
    assert "users: 2" in lines
    assert "outbox: to ada@example.com: welcome, Ada!" in lines
    assert "audit: app.events.user_registered: user 2" in lines
    assert "route: POST /users -> app.tasks.register_user" in lines
    assert "metrics: app.tasks.register_user ok=2 errors=0" in lines
    assert lines[-1] == "database open after dispose: False"


async def test_log_records_name_the_definition_that_wrote_them(
    capsys: pytest.CaptureFixture[str],
) -> None:
    async with running(AppConfig(greeting="Hi")) as app:
        user = await app.tasks.register_user(NewUser(name="Eve", email="eve@example.com"))
        assert user.id == 1
    printed = capsys.readouterr().out
    assert "app.database" in printed  # the database's init logged through its child logger
    assert "database opened" in printed


async def test_tasks_are_typed_callables_on_the_app() -> None:
    async with running(AppConfig()) as app:
        assert await app.tasks.count_users() == 0
        await app.tasks.register_user(NewUser(name="A", email="a@example.com"))
        assert await app.tasks.count_users() == 1
        tagged = app.store.get_tasks_with_tag("app.tags.http_route")
        assert [task.id for task in tagged] == ["app.tasks.register_user", "app.tasks.count_users"]


async def test_health_reflects_resource_checks_and_readiness_follows_the_lifecycle() -> None:
    app = await start(AppConfig())
    report = await app.health.check()
    assert report.status == "healthy"
    assert report.find("app.database").status == "healthy"
    assert app.health.ready
    app.resources.database.open = False
    report = await app.health.check()
    assert (report.status, report.find("app.database").message) == (
        "unhealthy",
        "the database is closed",
    )
    await app.dispose()
    assert not app.health.ready


async def test_registered_metrics_time_every_task_with_outcomes() -> None:
    async with running(AppConfig()) as app:
        await app.tasks.register_user(NewUser(name="M", email="m@example.com"))
        await app.tasks.count_users()
        snapshot = app.resources.metrics.snapshot()
    register = snapshot.tasks["app.tasks.register_user"]
    assert (register.count, register.ok, register.error_count) == (1, 1, 0)
    assert snapshot.tasks["app.tasks.count_users"].ok == 1
    assert snapshot.tasks["app.tasks.list_routes"].count == 0  # known ids only, fixed labels


async def test_a_transient_mail_failure_never_registers_ada_twice() -> None:
    """The README's first example: a hook failing after the insert, on a task with retry.
    Whether the failure surfaces (HookError, not retried) or a retry runs, the email is the
    insert's idempotency key: there is one Ada."""
    async with running(AppConfig()) as app:
        app.resources.outbox.failures_left = 1
        ada = NewUser(name="Ada", email="ada@example.com")
        with contextlib.suppress(HookError):
            await app.tasks.register_user(ada)
        assert await app.tasks.count_users() == 1
        assert (await app.tasks.register_user(ada)).id == 1  # registering again finds her
        assert await app.tasks.count_users() == 1
