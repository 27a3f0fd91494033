"""Tags and the store, optional dependencies, overrides, middleware and async contexts."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from runner_gen.runtime.errors import ContextError
from tests.fixtures.apps import features as defs
from tests.support.build import build_app

wiring = build_app("tests.fixtures.apps.features:app")


@pytest.fixture(autouse=True)
def clean_state() -> Iterator[None]:
    defs.LOG.clear()
    defs.FLAKY["failures_left"] = 0
    yield
    defs.LOG.clear()


async def test_an_absent_optional_dependency_is_injected_as_none() -> None:
    async with wiring.running() as app:
        assert (await app.tasks.greet("ada")).endswith("(counter absent)")


async def test_custom_middleware_gets_its_config_and_private_context() -> None:
    async with wiring.running() as app:
        assert (await app.tasks.greet("ada")).startswith("[greet] hello ada")


async def test_everywhere_middleware_applies_to_the_tasks_its_predicate_selects() -> None:
    async with wiring.running() as app:
        await app.tasks.greet("a")
        await app.tasks.double(2)
        await app.tasks.answer()  # not tagged `audited`: not counted
        assert app.resources.counter.calls == 2


async def test_a_sync_task_is_awaitable_like_any_other() -> None:
    async with wiring.running() as app:
        assert await app.tasks.double(21) == 42


async def test_overrides_replace_task_run_and_resource_init() -> None:
    async with wiring.running() as app:
        assert await app.tasks.answer() == 42
        assert app.resources.replaceable == "replaced"


async def test_async_context_values_reach_tasks_and_require_fails_fast() -> None:
    async with wiring.running() as app:
        with defs.current_user.provide("grace"):
            assert await app.tasks.whoami() == "grace"
            assert "from grace" in await app.tasks.greet("x")
        with pytest.raises(ContextError, match=r"ft\.tasks\.whoami"):
            await app.tasks.whoami()
        assert await defs.current_user.provide("alan", app.tasks.whoami) == "alan"


async def test_tag_dependencies_list_tagged_tasks_and_resources_with_their_config() -> None:
    async with wiring.running() as app:
        listed = await app.tasks.routes()
        assert listed == [
            "/greet=ft.tasks.greet",
            "/double=ft.tasks.double",
            "/flaky=ft.flaky:flaky ready",
            "store: ft.tasks.greet,ft.tasks.double",
        ]
        [double] = [t for t in app.store.get_tasks_with_tag("ft.tags.route") if "double" in t.id]
        assert await double.run(5) == 10
        assert app.store.get_tasks_with_tag("no.such.tag") == ()


async def test_resource_middleware_wraps_init() -> None:
    async with wiring.running() as app:
        assert app.resources.watched == 7
    assert defs.LOG == [
        "resource middleware before ft.watched",
        "init watched",
        "resource middleware after ft.watched",
    ]


async def test_builtin_resource_retry_retries_a_flaky_init() -> None:
    defs.FLAKY["failures_left"] = 2
    async with wiring.running() as app:
        assert app.resources.flaky == "flaky ready"


async def test_init_failing_beyond_its_retries_fails_the_start() -> None:
    defs.FLAKY["failures_left"] = 10
    with pytest.raises(ConnectionError, match="flaky init"):
        await wiring.start()


async def test_a_fallback_can_be_another_task() -> None:
    async with wiring.running() as app:
        assert await app.tasks.quote("book") == "backup quote for book"


async def test_the_cache_resource_invalidates_what_the_cache_middleware_stored() -> None:
    defs.SQUARES.clear()
    async with wiring.running() as app:
        assert await app.tasks.square(4) == 16
        assert await app.tasks.square(4) == 16
        assert defs.SQUARES == [4]  # the second call was a hit
        removed = await app.resources.cache.invalidate_keys("ft.tasks.square-4")
        assert removed == 1
        assert await app.tasks.square(4) == 16
        assert defs.SQUARES == [4, 4]
        await app.resources.cache.clear()
        await app.tasks.square(4)
        assert defs.SQUARES == [4, 4, 4]
