"""A hand-wired app for the subprocess tests of run_main, shaped like generated wiring.

Usage: python lifecycle_app.py MODE, where MODE is one of clean, failing-dispose,
hanging-dispose, start-fails, slow-start. Every step is printed to stdout, flushed.
"""

from __future__ import annotations

import asyncio
import sys
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


async def open_resource(name: str) -> str:
    say(f"init {name}")
    if name == "server" and MODE == "start-fails":
        raise ConnectionError("server port taken")
    if name == "server" and MODE == "slow-start":
        await asyncio.Event().wait()
    return name


async def close(name: str) -> None:
    if name == "cache" and MODE == "failing-dispose":
        raise RuntimeError("cache refused to close")
    if name == "server" and MODE == "hanging-dispose":
        say("dispose server started")
        await asyncio.Event().wait()
    say(f"dispose {name}")


async def serve_request(lifecycle: Lifecycle) -> None:
    """An in-flight call that is still running when shutdown begins."""
    with lifecycle.in_flight():
        say("request started")
        # Lifecycle has no "disposing began" event to wait on; polling its state is enough here.
        while lifecycle.state != "disposing":  # noqa: ASYNC110
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.1)
        say("request done")


async def start() -> App:
    lifecycle = Lifecycle("demo", dispose_timeout=10.0)
    try:
        for name in ("db", "cache", "server"):
            await open_resource(name)
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
