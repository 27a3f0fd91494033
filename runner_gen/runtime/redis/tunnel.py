"""An event tunnel over a Redis Stream: publish events from any process, consume them once per
consumer group (load-balanced across the group's processes), at least once.

Publishing is ``XADD <stream> * event <id> payload <serialized payload>``. Each consuming
process loops: claim entries idle for ``claim_idle_ms`` (``XAUTOCLAIM``: a dead or failed
consumer's entries, and our own failures), else read new ones (``XREADGROUP >``); for each,
run the subscribed handlers and ``XACK`` only after they all succeeded. A failure leaves the
entry pending, so it is claimed again later; the delivery count Redis keeps is the attempt
number, and the failure at attempt ``max_attempts`` moves the entry to the dead-letter stream
(with the error type and the original id) and acks it, in one MULTI. Entries that cannot be
decoded go to the dead-letter stream at once; entries of events nobody here subscribes to are
acked and skipped (every process of a group runs the same app).
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Awaitable, Callable
from contextlib import suppress
from typing import Any, cast

from redis.asyncio import Redis
from redis.exceptions import RedisError, ResponseError

from runner_gen.runtime.clock import SYSTEM_CLOCK, Clock
from runner_gen.runtime.redis.clients import connect, redact_url, resolve_url
from runner_gen.runtime.redis.errors import RedisUnavailableError, TunnelClosedError
from runner_gen.runtime.redis.tunnel_config import RedisEventTunnelConfig
from runner_gen.runtime.serializer import SerializerError, dumps, loads

log = logging.getLogger("runner_gen.redis.tunnel")

EventHandler = Callable[[object], Awaitable[None]]
#: (entry id, fields, deliveries so far including this one)
_Entry = tuple[bytes, dict[bytes, bytes], int]

_EVENT = b"event"
_PAYLOAD = b"payload"
_MAX_ERROR_TEXT = 1000


def default_consumer_name() -> str:
    return f"{socket.gethostname()}-{os.getpid()}"


class RedisEventTunnel:
    """The tunnel resource's value. Call ``subscribe`` for each local event, then ``start``.

    ``client`` (optional) is a client the tunnel takes over and closes in ``close``; by
    default it makes its own from the config's URL.
    """

    def __init__(
        self,
        config: RedisEventTunnelConfig,
        *,
        client: Redis | None = None,
        clock: Clock = SYSTEM_CLOCK,
    ) -> None:
        url = resolve_url(config.url, config.url_env)
        self.config = config
        self.consumer = config.consumer or default_consumer_name()
        # A blocking read legitimately waits block_ms for its reply.
        timeout_s = (config.timeout_ms + config.block_ms) / 1000
        self._client = client if client is not None else connect(url, timeout_s)
        self._shown_url = redact_url(url)
        self._clock = clock
        self._handlers: dict[str, list[EventHandler]] = {}
        self._loop_task: asyncio.Task[None] | None = None
        self._claim_cursor: bytes | str = "0-0"
        self._next_claim = 0.0
        self._busy = False
        self._stop = asyncio.Event()
        self._closed = False

    @property
    def consuming(self) -> bool:
        """True while the consumer loop runs."""
        return self._loop_task is not None and not self._loop_task.done()

    async def event(self, event_id: str, payload: object) -> None:
        """Publish ``payload`` (wire-serialized) as ``event_id``; returns once Redis stored it."""
        if self._closed:
            raise TunnelClosedError(
                f'Event "{event_id}" was emitted after the Redis event tunnel closed'
            )
        fields = {_EVENT: event_id.encode("utf-8"), _PAYLOAD: dumps(payload)}
        try:
            await self._client.xadd(self.config.stream, fields)  # type: ignore[arg-type]
        except RedisError as error:
            raise RedisUnavailableError(self._shown_url, error) from error

    def subscribe(self, event_id: str, handler: EventHandler) -> None:
        """Run ``handler(payload)`` for each consumed ``event_id`` (in subscription order)."""
        self._handlers.setdefault(event_id, []).append(handler)

    async def start(self) -> None:
        """Create the consumer group (and stream) if needed; start consuming if ``consume``."""
        if self._closed:
            raise TunnelClosedError("The Redis event tunnel was started after it closed")
        if self._loop_task is not None:
            return
        try:
            await self._create_group()
        except RedisError as error:
            raise RedisUnavailableError(self._shown_url, error) from error
        if self.config.consume:
            name = f"redis-event-tunnel:{self.config.stream}:{self.consumer}"
            self._loop_task = asyncio.create_task(self._consume(), name=name)

    async def close(self) -> None:
        """Stop consuming (the in-flight handler may finish within ``drain_timeout_ms``; its
        entry is acked then, else it stays pending for another consumer) and close the client."""
        if self._closed:
            return
        self._closed = True
        self._stop.set()
        task = self._loop_task
        try:
            if task is not None:
                if not self._busy:
                    task.cancel()  # waiting on Redis: nothing to finish
                done, _ = await asyncio.wait({task}, timeout=self.config.drain_timeout_ms / 1000)
                if not done:
                    task.cancel()
                    await asyncio.wait({task})
        finally:
            await self._client.aclose()

    # -- consumer loop -----------------------------------------------------------------------

    async def _create_group(self) -> None:
        config = self.config
        try:
            await self._client.xgroup_create(
                config.stream, config.group, id=config.group_start, mkstream=True
            )
        except ResponseError as error:
            if "BUSYGROUP" not in str(error):
                raise

    async def _consume(self) -> None:
        backoff_s = self.config.retry_backoff_ms / 1000
        while not self._stop.is_set():
            try:
                entries = await self._claim()
                if not entries:
                    entries = await self._read_new()
                for entry in entries:
                    if self._stop.is_set():
                        return  # the rest stay pending and are claimed by another consumer
                    self._busy = True
                    try:
                        await self._deliver(*entry)
                    finally:
                        self._busy = False
            except Exception as error:
                if isinstance(error, ResponseError) and "NOGROUP" in str(error):
                    # The stream (and its group) was deleted under us: make them again.
                    log.warning("redis event tunnel: group %s vanished; recreating it", self._group)
                    with suppress(RedisError):
                        await self._create_group()
                    continue
                # Redis down, a network blip, a key of the wrong type: keep the loop alive.
                log.warning("redis event tunnel: %r; retrying in %ss", error, backoff_s)
                await self._clock.sleep(backoff_s)

    @property
    def _group(self) -> str:
        return f"{self.config.stream}/{self.config.group}"

    async def _claim(self) -> list[_Entry]:
        """Entries idle past ``claim_idle_ms`` in anyone's pending list, with their delivery
        counts; checked every half ``claim_idle_ms`` (at once while a scan is unfinished)."""
        now = self._clock.now()
        if now < self._next_claim:
            return []
        config = self.config
        client = self._client
        reply = await client.xautoclaim(
            config.stream,
            config.group,
            self.consumer,
            min_idle_time=config.claim_idle_ms,
            start_id=self._claim_cursor,
            count=config.batch,
        )
        self._claim_cursor = reply[0]
        unfinished = reply[0] not in (b"0-0", "0-0")
        self._next_claim = now if unfinished else now + config.claim_idle_ms / 2000
        messages: list[tuple[bytes, dict[bytes, bytes] | None]] = reply[1]
        # Redis 6.2 lists entries deleted (trimmed) since delivery with no fields.
        claimed = [(entry_id, fields) for entry_id, fields in messages if fields is not None]
        if not claimed:
            return []
        async with client.pipeline(transaction=False) as pipe:
            for entry_id, _ in claimed:
                pipe.xpending_range(
                    config.stream, config.group, entry_id, entry_id, 1, self.consumer
                )
            pending = await pipe.execute()
        deliveries = {p[0]["message_id"]: p[0]["times_delivered"] for p in pending if p}
        return [
            (entry_id, fields, deliveries[entry_id])
            for entry_id, fields in claimed
            if entry_id in deliveries
        ]

    async def _read_new(self) -> list[_Entry]:
        config = self.config
        reply = await self._client.xreadgroup(
            config.group,
            self.consumer,
            {config.stream: ">"},
            count=config.batch,
            block=config.block_ms,
        )
        if not reply:
            return []
        # RESP2 reply (our clients): [[stream, [(id, fields), ...]]]
        messages = cast(list[list[Any]], reply)[0][1]
        return [(entry_id, fields, 1) for entry_id, fields in messages]

    async def _deliver(self, entry_id: bytes, fields: dict[bytes, bytes], deliveries: int) -> None:
        raw_event = fields.get(_EVENT)
        raw_payload = fields.get(_PAYLOAD)
        if raw_event is None or raw_payload is None:
            await self._dead_letter(entry_id, fields, deliveries, "MalformedEntry", "no event id")
            return
        try:
            event_id = raw_event.decode("utf-8")
            payload = loads(raw_payload)
        except (UnicodeDecodeError, SerializerError) as error:
            await self._dead_letter(entry_id, fields, deliveries, type(error).__name__, str(error))
            return
        handlers = self._handlers.get(event_id)
        if not handlers:
            await self._ack(entry_id)
            return
        max_attempts = self.config.max_attempts
        if deliveries > max_attempts:
            # Its last attempt never reported back (the consumer died mid-handler).
            message = f"{deliveries - 1} deliveries without an outcome"
            await self._dead_letter(entry_id, fields, deliveries, "DeliveriesExhausted", message)
            return
        try:
            for handler in handlers:
                await handler(payload)
        except Exception as error:
            log.warning(
                "redis event tunnel: handler of %s failed (delivery %d of %d): %r",
                event_id,
                deliveries,
                max_attempts,
                error,
            )
            if deliveries >= max_attempts:
                await self._dead_letter(
                    entry_id, fields, deliveries, type(error).__name__, str(error)
                )
            return  # left pending: claimed again once idle for claim_idle_ms
        await self._ack(entry_id)

    async def _ack(self, entry_id: bytes) -> None:
        await self._client.xack(self.config.stream, self.config.group, entry_id)

    async def _dead_letter(
        self,
        entry_id: bytes,
        fields: dict[bytes, bytes],
        deliveries: int,
        error_type: str,
        error: str,
    ) -> None:
        config = self.config
        record: dict[Any, Any] = dict(fields)
        record.update(
            original_id=entry_id,
            original_stream=config.stream,
            group=config.group,
            consumer=self.consumer,
            deliveries=deliveries,
            error_type=error_type,
            error=error[:_MAX_ERROR_TEXT],
        )
        log.error("redis event tunnel: %s dead-lettered (%s)", entry_id.decode(), error_type)
        async with self._client.pipeline(transaction=True) as pipe:
            pipe.xadd(config.dead_letter_stream, record)
            pipe.xack(config.stream, config.group, entry_id)
            await pipe.execute()


def open_redis_event_tunnel(config: RedisEventTunnelConfig) -> RedisEventTunnel:
    """The tunnel resource's init: a tunnel not yet started (subscribe, then ``start()``)."""
    return RedisEventTunnel(config)


async def close_redis_event_tunnel(tunnel: RedisEventTunnel) -> None:
    """The tunnel resource's dispose."""
    await tunnel.close()
