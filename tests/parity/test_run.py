"""run(): resources, tasks, events, middleware, optional dependencies, tags and contexts in a
generated app, ported from Runner 5.5's tests.

Runner files (tag 5.5.0): src/__tests__/run/run.test.ts, run.middleware.test.ts,
src/__tests__/definers/optional-dependencies.test.ts, tags.test.ts ("Integration with Store"),
src/__tests__/types/context.test.ts.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from runner_gen.runtime.errors import ContextError
from tests.parity.apps import run_app as defs
from tests.support.build import build_app

wiring = build_app("tests.parity.apps.run_app:app")


@pytest.fixture(autouse=True)
def clean_log() -> Iterator[None]:
    defs.reset()
    yield
    defs.reset()


async def test_resources_get_their_config_and_dependencies() -> None:
    """run: "should be able to register a resource with configuration and get its value",
    "should be able to register a resource with dependencies and get its value"."""
    async with wiring.running() as app:
        assert app.resources.greeter == "hi"
        assert app.resources.store == {"greeting": "hi"}
    inits = [line for line in defs.LOG if line.startswith("init")]
    assert inits == ["init greeter (hi)", "init store", "init conn"]


async def test_ready_hooks_run_once_every_resource_started() -> None:
    """run: "should allow listeners to hook into globalEvents.ready and be called when the
    system is ready"."""
    app = await wiring.start()
    try:
        assert defs.LOG.count("ready") == 1
        last_init = max(i for i, line in enumerate(defs.LOG) if line.startswith("init"))
        assert defs.LOG.index("ready") > last_init
    finally:
        await app.dispose()
    assert defs.LOG.count("ready") == 1


async def test_a_resource_without_init_has_no_value() -> None:
    """run: "should allow to register a resource without an init task"."""
    async with wiring.running() as app:
        assert app.resources.no_init is None


async def test_dependents_are_disposed_before_their_dependencies() -> None:
    """run disposal: "disposes dependents before dependencies"."""
    async with wiring.running():
        pass
    disposals = [line.split(" (")[0] for line in defs.LOG if line.startswith("dispose")]
    # conn depends on store: conn goes first (dispose_only is independent of both).
    assert disposals.index("dispose conn") < disposals.index("dispose store")


async def test_private_context_is_shared_between_init_and_dispose() -> None:
    """run private context resources: "should share private context between init and
    dispose"."""
    async with wiring.running():
        pass
    assert "dispose conn (context saw ['conn'])" in defs.LOG


async def test_a_task_runs_with_its_dependencies() -> None:
    """run Tasks: "should be able to register a task with dependencies and execute it"."""
    async with wiring.running() as app:
        assert await app.tasks.greet("ada") == "hi ada"


async def test_a_task_error_reaches_the_caller() -> None:
    """run Tasks: "should propagate the error to the parent"."""
    async with wiring.running() as app:
        with pytest.raises(LookupError, match="no such thing: x"):
            await app.tasks.explode("x")


async def test_middleware_runs_first_listed_outermost_with_its_dependencies() -> None:
    """run Tasks: "should be able to register a task with middleware and execute it, ensuring
    the middleware is called in the correct order"; run.middleware: "should work with a
    middleware with functional() dependencies"."""
    async with wiring.running() as app:
        defs.reset()
        await app.tasks.greet("ada")
    layers = [line for line in defs.LOG if line.startswith(("outer", "inner"))]
    assert layers == ["outer before", "inner before (hi)", "inner after", "outer after"]


async def test_a_task_emits_an_event_its_hooks_receive_in_order() -> None:
    """run Tasks: "should be able to register a task that emits an event"; "should be able to
    listen to an event through a hook"; "should be able to listen to global events"."""
    async with wiring.running() as app:
        defs.reset()
        assert await app.tasks.say("x") == "said"
        hooks = [line for line in defs.LOG if "hook" in line]
        assert hooks == [
            "hook order 1: x",
            "hook order 2: x",
            "global hook saw run.events.said",
            "optional hook: missing=None present=hi",
        ]


async def test_optional_dependencies_absent_are_none_and_present_are_usable() -> None:
    """optional-dependencies: "task.optional() missing should resolve to undefined", "task
    .optional() present should resolve to callable", "resource.optional() missing/present",
    "event.optional() missing should resolve to undefined", "event.optional() present should
    resolve to emit function"."""
    async with wiring.running() as app:
        assert await app.tasks.optionals() == [
            "absent task: None",
            "absent resource: None",
            "absent event: None",
            "present task: hi opt",
            "present resource: {'greeting': 'hi'}",
            "present event: None",
        ]
    assert "hook order 1: opt" in defs.LOG


async def test_a_tag_dependency_lists_the_tagged_tasks_with_merged_config() -> None:
    """tags Integration with Store: "should work with full run() integration and arrive in
    store" (the base config {path: "/", method: "GET"} extended by .with(path="/greet"))."""
    async with wiring.running() as app:
        assert await app.tasks.routes() == ["GET /greet -> run.tasks.greet"]


async def test_async_context_use_fails_when_missing_and_provides_are_isolated() -> None:
    """context: "useContext throws when missing", "concurrent provide calls are isolated",
    "nested provide calls work correctly"."""
    async with wiring.running() as app:
        with pytest.raises(ContextError) as missing:
            await app.tasks.whoami()
        assert missing.value.id == "runner.errors.context"

        async def as_request(value: str) -> str:
            result: str = await defs.request_id.provide(value, app.tasks.whoami)
            return result

        assert list(await asyncio.gather(as_request("a"), as_request("b"))) == ["a", "b"]
        with defs.request_id.provide("outer"):
            with defs.request_id.provide("inner"):
                assert await app.tasks.whoami() == "inner"
            assert await app.tasks.whoami() == "outer"


async def test_a_resource_with_context_and_dispose_but_no_init_is_disposed() -> None:
    """run private context resources: "should work with private context and dispose only",
    "should handle resources without init method and proper disposal types"."""
    async with wiring.running() as app:
        assert app.resources.dispose_only is None
    assert "dispose dispose_only (value None, context [])" in defs.LOG


overrides = build_app("tests.parity.apps.overrides:app")


async def test_overrides_apply_from_an_ancestor_to_deep_and_configured_definitions() -> None:
    """run.overrides: "Should work with a simple override", "Should work with a deep override",
    "Should work with a deep override with config" (the override keeps the registered config)."""
    async with overrides.running() as app:
        assert await app.tasks.answer() == "overridden"
        assert app.resources.sized == "overridden 3"


async def test_middleware_and_hooks_take_optional_dependencies() -> None:
    """optional-dependencies: "task middleware should be able to depend on optional
    dependencies", "resource middleware should be able to depend on optional dependencies",
    "hooks should be able to depend on optional dependencies"."""
    async with wiring.running() as app:
        await app.tasks.say("x")
    assert "optional resource middleware: missing=None" in defs.LOG
    assert "optional middleware: missing=None present=hi" in defs.LOG
    assert "optional hook: missing=None present=hi" in defs.LOG


async def test_middleware_reads_the_tags_of_the_task_it_wraps() -> None:
    """tags Integration with Tasks: "should work with middleware checking tags"."""
    async with wiring.running() as app:
        await app.tasks.greet("ada")
    assert "route tag seen by middleware: /greet" in defs.LOG
