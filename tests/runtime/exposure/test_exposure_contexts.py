"""Async contexts sent in ``x-runner-context`` reach the task, as Runner 5.x hydrates them."""

from __future__ import annotations

from typing import Any

import pytest

from runner_gen.runtime.context import AsyncContext
from runner_gen.runtime.exposure import EventRoute, ExposureApp, ExposureConfig, TaskRoute
from runner_gen.runtime.exposure.contexts import ContextHydrator
from runner_gen.runtime.serializer import dumps

from .helpers import TOKEN, serving

TENANT: AsyncContext[str] = AsyncContext("app.ctx.tenant", validate=lambda v: str(v))
LEVEL: AsyncContext[int] = AsyncContext(
    "app.ctx.level", validate=lambda v: v if type(v) is int else int("not a level")
)


def header(values: dict[str, Any]) -> str:
    """What Runner's client sends: a serialized map of individually serialized values."""
    return dumps({key: dumps(value).decode() for key, value in values.items()}).decode()


async def seen_contexts(_: Any) -> Any:
    return {"tenant": TENANT.try_use(), "level": LEVEL.try_use()}


async def call_with(context_header: str | None, contexts: Any = None) -> Any:
    config = ExposureConfig(tokens=(TOKEN,))
    app = ExposureApp(
        config,
        {"t": TaskRoute(id="t", call=seen_contexts)},
        {},
        contexts={TENANT.id: TENANT, LEVEL.id: LEVEL} if contexts is None else contexts,
    )
    from runner_gen.runtime.exposure import serve_exposure

    running = await serve_exposure(app, config)
    try:
        import httpx

        headers = {"x-runner-token": TOKEN}
        if context_header is not None:
            headers["x-runner-context"] = context_header
        async with httpx.AsyncClient(base_url=running.url, headers=headers) as client:
            response = await client.post("/task/t", json={"input": None})
    finally:
        await running.stop()
    assert response.status_code == 200
    return response.json()["result"]


async def test_allowed_contexts_in_the_header_are_provided_around_the_task() -> None:
    result = await call_with(header({"app.ctx.tenant": "acme", "app.ctx.level": 3}))
    assert result == {"tenant": "acme", "level": 3}


async def test_contexts_are_not_left_behind_after_the_call() -> None:
    await call_with(header({"app.ctx.tenant": "acme"}))
    assert TENANT.try_use() is None


@pytest.mark.parametrize(
    "context_header",
    [
        None,
        "not json",
        "[1, 2]",
        header({"app.ctx.other": "x"}),
        dumps({"app.ctx.tenant": 42}).decode(),  # not a serialized string
        dumps({"app.ctx.tenant": "{broken"}).decode(),
    ],
    ids=["absent", "unparsable", "not-a-map", "unknown-id", "not-a-string", "bad-value"],
)
async def test_a_header_that_carries_nothing_usable_is_ignored(context_header: str | None) -> None:
    assert await call_with(context_header) == {"tenant": None, "level": None}


async def test_a_value_the_context_rejects_is_skipped_and_the_others_kept() -> None:
    result = await call_with(header({"app.ctx.tenant": "acme", "app.ctx.level": "high"}))
    assert result == {"tenant": "acme", "level": None}


async def test_contexts_the_exposure_was_not_given_are_never_hydrated() -> None:
    result = await call_with(header({"app.ctx.tenant": "acme"}), contexts={})
    assert result == {"tenant": None, "level": None}


async def test_events_see_the_contexts_too() -> None:
    seen: list[Any] = []

    async def emit(_: Any) -> None:
        seen.append(TENANT.try_use())

    async def emit_with_result(_: Any) -> Any:
        return TENANT.try_use()

    route = EventRoute(id="e", emit=emit, emit_with_result=emit_with_result)
    headers = {"x-runner-context": header({"app.ctx.tenant": "acme"})}
    async with serving(events=[route], contexts={TENANT.id: TENANT}) as served:
        await served.client.post("/event/e", json={"payload": 1}, headers=headers)
        returned = await served.client.post(
            "/event/e", json={"payload": 1, "returnPayload": True}, headers=headers
        )
    assert seen == ["acme"]
    assert returned.json() == {"ok": True, "result": "acme"}


def test_a_context_registered_under_another_id_is_a_wiring_error() -> None:
    with pytest.raises(ValueError, match=r"registered under 'x' but its id is 'app\.ctx\.tenant'"):
        ContextHydrator({"x": TENANT})
