"""One consumer process of a Redis Streams event tunnel.

Usage: tunnel_worker.py URL STREAM DEAD CONSUMER MODE LOG CLAIM_IDLE_MS MAX_ATTEMPTS.
Each handled payload is appended to the Redis list LOG as ``CONSUMER:payload``. MODE ``ok``
handles everything (after a short pause, so the group's consumers interleave); ``hang-first``
pushes to ``LOG:hung`` and hangs forever on its first event; ``fail`` pushes each attempt to
``LOG:attempts`` and raises. Prints ``ready`` once consuming; stops cleanly on SIGTERM.
"""

from __future__ import annotations

import asyncio
import signal
import sys

from redis.asyncio import Redis

from runner_gen.runtime.redis import RedisEventTunnel, RedisEventTunnelConfig

EVENT = "mp.events.order_placed"


async def main(
    url: str,
    stream: str,
    dead: str,
    consumer: str,
    mode: str,
    log: str,
    claim_idle_ms: int,
    max_attempts: int,
) -> None:
    record = Redis.from_url(url)
    hung_once = False

    async def handle(payload: object) -> None:
        nonlocal hung_once
        if mode == "fail":
            await record.rpush(f"{log}:attempts", f"{consumer}:{payload}")
            raise RuntimeError(f"cannot handle {payload}")
        if mode == "hang-first" and not hung_once:
            hung_once = True
            await record.rpush(f"{log}:hung", f"{consumer}:{payload}")
            await asyncio.Event().wait()
        await asyncio.sleep(0.01)
        await record.rpush(log, f"{consumer}:{payload}")

    tunnel = RedisEventTunnel(
        RedisEventTunnelConfig(
            url=url,
            stream=stream,
            dead_letter_stream=dead,
            group="workers",
            consumer=consumer,
            claim_idle_ms=claim_idle_ms,
            max_attempts=max_attempts,
            block_ms=100,
            batch=2,
        )
    )
    tunnel.subscribe(EVENT, handle)
    await tunnel.start()
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    print("ready", flush=True)
    await stop.wait()
    await tunnel.close()
    await record.aclose()


if __name__ == "__main__":
    url, stream, dead, consumer, mode, log, claim_idle_ms, max_attempts = sys.argv[1:9]
    asyncio.run(main(url, stream, dead, consumer, mode, log, int(claim_idle_ms), int(max_attempts)))
