"""Forwarding emitters (``forwarding.remote_event``) over an in-process sink: the delivery
modes, the remote's payload, the remote-first fallback. The same code runs over HTTP in
tests/parity/test_tunnel_delivery.py and over Redis in tests/redis/test_tunnel.py; a sink here
is the transport-agnostic interface every tunnel implements, not a stand-in for one."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import cast

import pytest

from runner_gen.runtime.emitting import (
    bind_emitter,
    emit_with_result,
    forwarding,
    overriding,
    report_no_hooks,
    returning_payload,
)
from runner_gen.runtime.forwarding import REMOTE_FIRST_FALLBACK, remote_event
from runner_gen.runtime.serializer import UNDEFINED
from runner_gen.testing.recorder import Recorder
from tests.support.log_capture import records_of


@dataclass
class Sink:
    """Records what was sent; answers with ``returns`` or raises ``error``."""

    returns: object = None
    error: BaseException | None = None
    sent: list[tuple[str, object]] = field(default_factory=list)

    async def event(self, event_id: str, payload: object, /) -> object:
        self.sent.append((event_id, payload))
        if self.error is not None:
            raise self.error
        return self.returns


@dataclass
class Local:
    seen: list[object] = field(default_factory=list)

    async def __call__(self, payload: object) -> None:
        self.seen.append(payload)


async def test_without_a_returned_payload_the_emission_keeps_its_own() -> None:
    for returned in (None, UNDEFINED):
        sink, local = Sink(returns=returned), Local()
        payload = {"v": 1}
        forward = remote_event(sink, "e", None, local, "mirror")
        assert await forward(payload) is payload
        assert local.seen == [payload]


async def test_a_returned_payload_is_decoded_into_the_events_type() -> None:
    sink = Sink(returns={"v": 2})
    forward = remote_event(sink, "e", dict, Local(), "remote-only", decode=lambda raw: ("V", raw))
    assert await forward({"v": 1}) == ("V", {"v": 2})
    assert sink.sent == [("e", {"v": 1})]


async def test_an_event_without_payload_sends_undefined() -> None:
    sink = Sink()
    await remote_event(sink, "e", None, Local(), "remote-only")(None)
    assert sink.sent == [("e", UNDEFINED)]


async def test_local_only_never_reaches_the_sink() -> None:
    sink, local = Sink(returns={"v": 9}), Local()
    payload = {"v": 1}
    assert await remote_event(sink, "e", None, local, "local-only")(payload) is payload
    assert (sink.sent, local.seen) == ([], [{"v": 1}])


async def test_remote_first_falls_back_with_runners_warning() -> None:
    sink, local = Sink(error=ConnectionError("refused")), Local()
    forward = remote_event(sink, "e", None, local, "remote-first")
    with records_of("runner_gen.tunnel") as records:
        assert await forward({"v": 1}) == {"v": 1}
    assert local.seen == [{"v": 1}]
    [record] = records
    assert record.levelno == logging.WARNING
    assert record.getMessage() == REMOTE_FIRST_FALLBACK
    assert getattr(record, "source_id", None) == "e"  # no tunnel id given: the event names it
    assert record.exc_info is not None
    assert isinstance(record.exc_info[1], ConnectionError)


async def test_remote_first_does_not_swallow_a_cancellation() -> None:
    sink, local = Sink(error=asyncio.CancelledError()), Local()
    with pytest.raises(asyncio.CancelledError):
        await remote_event(sink, "e", None, local, "remote-first", tunnel_id="t")({"v": 1})
    assert local.seen == []


async def test_mirror_propagates_the_remotes_failure_after_the_local_hooks() -> None:
    sink, local = Sink(error=ConnectionError("refused")), Local()
    with pytest.raises(ConnectionError):
        await remote_event(sink, "e", None, local, "mirror")({"v": 1})
    assert local.seen == [{"v": 1}]


async def test_a_bound_forwarded_emitter_gives_the_final_payload_only_when_asked() -> None:
    sink = Sink(returns={"v": 2})
    emit = forwarding(remote_event(sink, "e", dict, Local(), "remote-only"))
    emitter = bind_emitter(emit, report_no_hooks, "app.tasks.t")
    untyped = cast("Callable[[object], Awaitable[object]]", emitter)
    assert await untyped({"v": 1}) is None  # a plain emit returns nothing, as typed
    assert sink.sent == [("e", {"v": 1})]
    assert await emit_with_result(emitter, {"v": 1}) == {"v": 2}
    assert await returning_payload(emitter)({"v": 1}) == {"v": 2}


async def test_a_replaced_forwarded_event_gives_back_the_payload_it_was_given() -> None:
    """A test's replacement (``start(overrides={"events": ...})``) takes the emission: nothing
    is sent, so the final payload is the one emitted."""
    sink, recorder = Sink(returns={"v": 2}), Recorder[dict[str, int]]()
    emit = forwarding(remote_event(sink, "e", None, Local(), "remote-only"))
    emit, report = overriding(recorder, emit, report_no_hooks)
    emitter = bind_emitter(emit, report, "app")
    assert await emit_with_result(emitter, {"v": 1}) == {"v": 1}
    assert (sink.sent, recorder.payloads) == ([], [{"v": 1}])
