"""Cancellation follows the caller: a client that closes its connection before the answer
cancels its task, which releases what it holds (Runner answers 499 REQUEST_ABORTED)."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest

from runner_gen.runtime.exposure import TaskRoute
from runner_gen.runtime.info import DefinitionInfo
from runner_gen.runtime.middleware import ConcurrencyConfig, ConcurrencyMiddleware

from .helpers import post_head, raw_connection, read_response, serving
from .test_exposure_hardening import eventually

PATH = "/__runner/task/t"


class Holding:
    """A task that holds (until cancelled) when its input is "hold", else answers at once."""

    def __init__(self) -> None:
        self.cancelled: list[Any] = []
        self.holding = 0

    async def __call__(self, value: Any) -> Any:
        if value != "hold":
            return value
        self.holding += 1
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            self.cancelled.append(value)
            raise
        finally:
            self.holding -= 1


def limited(task: Holding, *, max_queue: int) -> tuple[Any, Any]:
    middleware = ConcurrencyMiddleware()
    call = middleware.wrap(
        task, DefinitionInfo("t"), ConcurrencyConfig(limit=1, key="slot", max_queue=max_queue)
    )
    return call, middleware.bulkhead("slot")


async def test_a_disconnect_cancels_the_task_frees_its_slot_and_logs_499(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="runner_gen.exposure")
    task = Holding()
    call, bulkhead = limited(task, max_queue=0)
    async with serving([TaskRoute(id="t", call=call)]) as s:
        async with raw_connection(s.running.port) as (_, writer):
            writer.write(post_head(PATH, "content-length: 6") + b'"hold"')
            await writer.drain()
            await eventually(lambda: bulkhead.in_use == 1)
        # The socket is closed: the task sees a cancellation, the permit comes back.
        await eventually(lambda: task.cancelled == ["hold"])
        await eventually(lambda: bulkhead.in_use == 0)
        # With max_queue=0 a held slot would refuse this call; it is served.
        served = await s.client.post("/task/t", json={"input": "next"})
        await eventually(lambda: s.running.in_flight == 0)
    assert (served.status_code, served.json()) == (200, {"ok": True, "result": "next"})
    [aborted] = [r for r in caplog.records if getattr(r, "event", "") == "exposure.request.aborted"]
    assert aborted.levelno == logging.INFO
    assert aborted.status == 499  # type: ignore[attr-defined]
    assert aborted.definition_id == "t"  # type: ignore[attr-defined]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_a_caller_waiting_in_the_queue_that_disconnects_leaves_the_queue() -> None:
    task = Holding()
    call, bulkhead = limited(task, max_queue=5)
    async with serving([TaskRoute(id="t", call=call)]) as s:
        async with raw_connection(s.running.port) as (_, holder):
            holder.write(post_head(PATH, "content-length: 6") + b'"hold"')
            await eventually(lambda: bulkhead.in_use == 1)
            async with raw_connection(s.running.port) as (_, queued):
                queued.write(post_head(PATH, "content-length: 6") + b'"hold"')
                await eventually(lambda: bulkhead.queued == 1)
            await eventually(lambda: bulkhead.queued == 0)
            assert (bulkhead.in_use, task.holding) == (1, 1)  # the first caller is untouched
        await eventually(lambda: bulkhead.in_use == 0)
    assert task.cancelled == ["hold"]  # only the holder's task ever ran


async def test_a_client_that_stays_gets_its_answer_and_the_next_request_on_the_connection() -> None:
    async with (
        serving([TaskRoute(id="t", call=Holding())]) as s,
        raw_connection(s.running.port) as (reader, writer),
    ):
        for value in (b'"a"', b'"b"'):
            writer.write(post_head(PATH, "content-length: 3") + value)
            response = await read_response(reader)
            assert (response.status, response.body) == (200, b'{"ok":true,"result":%s}' % value)
