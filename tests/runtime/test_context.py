"""AsyncContext: provide/use semantics, validation, and per-task isolation."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import pytest

from runner_gen.runtime.context import AsyncContext
from runner_gen.runtime.errors import ContextError, RunnerError


@dataclass(frozen=True)
class Identity:
    tenant_id: str


def identity_from(value: object) -> Identity:
    """A validator in the shape pydantic's TypeAdapter.validate_python has."""
    if isinstance(value, Identity):
        return value
    if isinstance(value, dict) and isinstance(value.get("tenant_id"), str):
        return Identity(value["tenant_id"])
    raise ValueError(f"not an identity: {value!r}")


def test_use_without_a_value_names_the_context_and_how_to_fix_it() -> None:
    request_id = AsyncContext[str]("app.ctx.request_id")

    with pytest.raises(ContextError) as raised:
        request_id.use()

    assert raised.value.id == "runner.errors.context"
    assert isinstance(raised.value, RunnerError)
    assert '"app.ctx.request_id"' in raised.value.message
    assert raised.value.remediation is not None
    assert "provide(value" in raised.value.remediation
    assert "app.ctx.request_id.require()" in raised.value.remediation
    assert raised.value.__cause__ is None
    assert raised.value.__suppress_context__


def test_try_use_and_has_report_absence_without_raising() -> None:
    request_id = AsyncContext[str]("app.ctx.request_id")
    assert request_id.try_use() is None
    assert request_id.has() is False
    with request_id.provide("r-1"):
        assert request_id.try_use() == "r-1"
        assert request_id.has() is True
    assert request_id.has() is False


def test_with_provide_sets_the_value_and_restores_the_previous_one_when_nested() -> None:
    request_id = AsyncContext[str]("app.ctx.request_id")

    with request_id.provide("outer") as outer:
        assert outer == "outer"
        assert request_id.use() == "outer"
        with request_id.provide("inner"):
            assert request_id.use() == "inner"
        assert request_id.use() == "outer"

    with pytest.raises(ContextError):
        request_id.use()


def test_with_provide_restores_even_when_the_body_raises() -> None:
    request_id = AsyncContext[str]("app.ctx.request_id")
    with request_id.provide("outer"):
        with pytest.raises(KeyError), request_id.provide("inner"):
            raise KeyError("boom")
        assert request_id.use() == "outer"


async def test_await_provide_runs_fn_inside_the_value_and_returns_its_result() -> None:
    request_id = AsyncContext[str]("app.ctx.request_id")

    async def handler() -> str:
        await asyncio.sleep(0)
        return f"handled {request_id.use()}"

    assert await request_id.provide("r-7", handler) == "handled r-7"
    assert not request_id.has()


async def test_await_provide_restores_when_fn_raises() -> None:
    request_id = AsyncContext[str]("app.ctx.request_id")

    async def failing() -> None:
        assert request_id.use() == "inner"
        raise LookupError("task failed")

    with request_id.provide("outer"):
        with pytest.raises(LookupError, match="task failed"):
            await request_id.provide("inner", failing)
        assert request_id.use() == "outer"


async def test_a_provide_coroutine_that_is_never_awaited_changes_nothing() -> None:
    request_id = AsyncContext[str]("app.ctx.request_id")

    async def handler() -> None:
        raise AssertionError("must not run")

    pending = request_id.provide("r-1", handler)
    assert not request_id.has()
    pending.close()


def test_validate_transforms_the_provided_value() -> None:
    identity = AsyncContext[Identity]("app.ctx.identity", validate=identity_from)
    raw: object = {"tenant_id": "acme"}
    with identity.provide(raw):  # type: ignore[call-overload]  # raw input, as from a wire
        assert identity.use() == Identity("acme")


async def test_an_invalid_value_is_refused_where_it_is_provided() -> None:
    identity = AsyncContext[Identity]("app.ctx.identity", validate=identity_from)

    async def handler() -> None:
        raise AssertionError("must not run")

    with identity.provide(Identity("acme")):
        with pytest.raises(ContextError) as raised:
            identity.provide({"tenant": 1})  # type: ignore[call-overload]
        with pytest.raises(ContextError):
            await identity.provide("nope", handler)  # type: ignore[call-overload]
        assert identity.use() == Identity("acme")

    assert '"app.ctx.identity"' in raised.value.message
    assert "not an identity" in raised.value.message
    assert isinstance(raised.value.__cause__, ValueError)
    assert raised.value.http_code == 400  # the caller sent a bad context


def test_two_contexts_are_independent() -> None:
    request_id = AsyncContext[str]("app.ctx.request_id")
    locale = AsyncContext[str]("app.ctx.locale")
    with request_id.provide("r-1"):
        assert not locale.has()
        with locale.provide("fr"):
            assert (request_id.use(), locale.use()) == ("r-1", "fr")
    assert repr(locale) == "AsyncContext('app.ctx.locale')"


async def test_a_child_task_sees_the_value_at_creation_and_does_not_leak_back() -> None:
    request_id = AsyncContext[str]("app.ctx.request_id")
    seen: list[str] = []

    async def child() -> None:
        seen.append(request_id.use())
        with request_id.provide("child"):
            seen.append(request_id.use())
            await asyncio.sleep(0)
        # Even a value the child never restores stays in the child.
        never_restored = request_id.provide("child-unrestored")
        never_restored.__enter__()

    with request_id.provide("parent"):
        task = asyncio.create_task(child())
    # The parent moved on after creating the task; the child keeps the value it started with.
    assert not request_id.has()
    await task

    assert seen == ["parent", "child"]
    assert not request_id.has()


async def test_concurrent_tasks_keep_their_own_values() -> None:
    request_id = AsyncContext[str]("app.ctx.request_id")
    start_together = asyncio.Barrier(3)

    async def handle(value: str) -> list[str]:
        async def body() -> list[str]:
            observed = []
            for _ in range(3):
                await start_together.wait()
                observed.append(request_id.use())
            return observed

        return await request_id.provide(value, body)

    results = await asyncio.gather(handle("a"), handle("b"), handle("c"))

    assert list(results) == [["a"] * 3, ["b"] * 3, ["c"] * 3]


async def test_a_value_provided_inside_a_task_is_invisible_to_a_sibling() -> None:
    request_id = AsyncContext[str]("app.ctx.request_id")
    provided = asyncio.Event()
    observed: list[bool] = []

    async def provider() -> None:
        with request_id.provide("mine"):
            provided.set()
            await asyncio.sleep(0.01)

    async def sibling() -> None:
        await provided.wait()
        observed.append(request_id.has())

    await asyncio.gather(provider(), sibling())
    assert observed == [False]
