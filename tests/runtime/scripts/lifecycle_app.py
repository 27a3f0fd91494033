"""A hand-wired app for the subprocess tests of run_main, shaped like generated wiring.

Usage: python lifecycle_app.py MODE, where MODE is one of clean, failing-dispose, start-fails,
slow-start, stubborn-call, stalled-peer, second-signal, third-signal. Every step is printed to
stdout, flushed. ``stalled-peer`` connects to 127.0.0.1:$PEER_PORT.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from functools import partial

from runner_gen.runtime.lifecycle import Lifecycle
from runner_gen.runtime.main import run_main, spawn

MODE = sys.argv[1]


def say(line: str) -> None:
    print(line, flush=True)


class App:
    def __init__(self, lifecycle: Lifecycle) -> None:
        self.lifecycle = lifecycle

    async def dispose(self) -> None:
        await self.lifecycle.dispose()

    def skip_drain(self) -> None:
        self.lifecycle.skip_drain()


class Peer:
    """A connection to a server that accepts and then never answers."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer


async def open_resource(name: str) -> object:
    say(f"init {name}")
    if name == "server" and MODE == "start-fails":
        raise ConnectionError("server port taken")
    if name == "server" and MODE == "slow-start":
        await asyncio.Event().wait()
    if name == "peer":
        return Peer(*await asyncio.open_connection("127.0.0.1", int(os.environ["PEER_PORT"])))
    return name


async def close(name: str) -> None:
    if name == "cache" and MODE == "failing-dispose":
        raise RuntimeError("cache refused to close")
    say(f"dispose {name}")


def close_blocking(name: str) -> None:
    """A sync disposer that blocks the event loop: only a third signal gets the process out."""
    say(f"dispose {name} started")
    time.sleep(60)
    say(f"dispose {name}")


async def close_peer(peer: Peer) -> None:
    say("dispose peer started")
    peer.writer.write(b"QUIT\n")  # a polite goodbye that the stalled peer never acknowledges
    await peer.writer.drain()
    await peer.reader.readline()
    say("dispose peer")


async def serve_request(lifecycle: Lifecycle) -> None:
    """An in-flight call that is still running when shutdown begins."""
    with lifecycle.tracked("demo.tasks.request"):
        say("request started")
        # Lifecycle has no "disposing began" event to wait on; polling its state is enough here.
        while lifecycle.state != "disposing":  # noqa: ASYNC110
            await asyncio.sleep(0.01)
        say("draining")
        if MODE == "clean":
            await asyncio.sleep(0.1)
        elif MODE == "stubborn-call":
            give_up = time.monotonic() + 60
            while time.monotonic() < give_up:  # swallows every cancellation for a minute
                try:
                    await asyncio.sleep(60)
                except asyncio.CancelledError:
                    say("request ignored its cancellation")
        elif MODE == "second-signal":
            try:
                await asyncio.sleep(60)
            except asyncio.CancelledError:
                say("request cancelled")
                raise
        say("request done")


async def start() -> App:
    lifecycle = Lifecycle(
        "demo",
        drain_budget=1.0 if MODE == "stubborn-call" else 60.0,
        dispose_timeouts={"demo.peer": 1.0},
        shutdown_budget=None,
    )
    names = ("db", "peer", "server") if MODE == "stalled-peer" else ("db", "cache", "server")
    try:
        for name in names:
            value = await open_resource(name)
            if isinstance(value, Peer):
                lifecycle.on_dispose("demo.peer", close_peer, value)
            elif name == "server" and MODE == "third-signal":
                lifecycle.on_dispose("demo.server", close_blocking, name)
            else:
                lifecycle.on_dispose(f"demo.{name}", partial(close, name))
    except BaseException as error:
        await lifecycle.rollback(error)
        raise
    lifecycle.started()
    spawn(serve_request(lifecycle), task_id="demo.tasks.request")
    await asyncio.sleep(0)
    say("ready")
    return App(lifecycle)


if __name__ == "__main__":
    sys.exit(run_main(start))
