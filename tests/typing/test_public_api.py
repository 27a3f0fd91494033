"""The public API's static types, checked by mypy (assert_type) and run by pytest.

A wrong inference here fails `make typecheck`; the runtime asserts keep the file honest.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, assert_type

from pydantic import BaseModel

from examples.quickstart.generated import App, running
from examples.quickstart.models import AppConfig, NewUser, User
from examples.quickstart.services import Database
from runner_gen import (
    Emission,
    Emitter,
    Event,
    MiddlewareAttachment,
    Resource,
    ResourceWithConfig,
    Tag,
    TagAttachment,
    Task,
    r,
)
from runner_gen.definitions.context import AsyncContextDefinition
from runner_gen.runtime.middleware import RetryConfig


class Settings(BaseModel):
    url: str = "memory://"


class Conn:
    pass


async def connect(config: Settings) -> Conn:
    return Conn()


async def count() -> int:
    return 1


def test_builders_carry_config_value_and_payload_types() -> None:
    resource = r.resource("typing.conn").config_schema(Settings).init(connect).build()
    assert_type(resource, Resource[Settings, Conn])
    configured = resource.with_(Settings())
    assert_type(configured, ResourceWithConfig[Settings, Conn])
    assert_type(configured.config, Settings)

    task = r.task("typing.count").run(count).build()
    assert_type(task, Task[Any, int])

    event = r.event("typing.saved").payload_schema(User).build()
    assert_type(event, Event[User])

    tag = r.tag("typing.route").config_schema(Settings).build()
    assert_type(tag, Tag[Settings])
    assert_type(tag.with_(url="x"), TagAttachment[Settings])
    assert configured.config.url == "memory://"


def test_async_contexts_and_emissions_are_generic() -> None:
    context = r.async_context("typing.user").schema(User).build()
    assert_type(context, AsyncContextDefinition[User])
    user = User(id=1, name="a", email="a@example.com")
    with context.provide(user):
        assert_type(context.use(), User)
        assert context.use() is user
    assert_type(context.try_use(), User | None)
    emission = Emission("typing.saved", user)
    assert_type(emission.data, User)


def test_builtin_middleware_attachments_are_typed() -> None:
    from runner_gen import globals

    attachment = globals.middleware.task.retry.with_(retries=1)
    assert_type(attachment, MiddlewareAttachment[RetryConfig])
    assert attachment.config.retries == 1


async def test_generated_app_exposes_precise_types() -> None:
    async with running(AppConfig()) as app:
        assert_type(app, App)
        assert_type(app.tasks.register_user, Callable[[NewUser], Awaitable[User]])
        assert_type(app.tasks.count_users, Callable[[], Awaitable[int]])
        assert_type(app.resources.database, Database)
        assert_type(app.events.user_registered, Emitter[User])
        assert_type(await app.tasks.count_users(), int)


async def test_emitters_and_their_reports_are_typed() -> None:
    from runner_gen import EmitReport, HookError
    from runner_gen.runtime.emitting import HookCall, emitter

    async def welcome(event: Emission[User]) -> None:
        assert_type(event.source, str)

    async def register(user: User, *, user_registered: Emitter[User]) -> EmitReport:
        assert_type(await user_registered(user), None)
        assert_type(await user_registered(user, failure_mode="aggregate"), None)
        return assert_type(await user_registered.report(user), EmitReport)

    emit = emitter("app.events.registered", (HookCall("app.hooks.welcome", 1, welcome),))
    report = await register(User(id=1, name="Ada", email="ada@example.com"), user_registered=emit)
    assert_type(report.errors, list[HookError])
    assert report.succeeded_listeners == 1


def test_a_resource_dispose_timeout_keeps_its_types() -> None:
    pool = r.resource("app.pool").init(connect).dispose_timeout(15).build()
    assert_type(pool, Resource[None, Conn])
    assert pool.dispose_timeout == 15.0


async def test_start_takes_typed_overrides_and_an_unhandled_error_handler() -> None:
    from examples.quickstart.generated import Overrides, start
    from runner_gen import OnUnhandledError, UnhandledError

    seen: list[UnhandledError] = []

    def report(info: UnhandledError) -> None:
        assert_type(info.error, object)
        seen.append(info)

    handler: OnUnhandledError = report
    overrides: Overrides = {"resources": {"database": Database("fake")}}
    app = await start(
        AppConfig(), overrides=overrides, on_unhandled_error=handler, error_boundary=False
    )
    try:
        assert_type(app, App)
        assert_type(app.resources.database, Database)
        assert app.resources.database is overrides["resources"]["database"]
    finally:
        await app.dispose()
    assert seen == []  # nothing went unhandled
