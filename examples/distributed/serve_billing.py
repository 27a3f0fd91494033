"""Run the billing service until SIGTERM; print its exposure URL once it listens."""

from __future__ import annotations

import asyncio

from examples.distributed.billing_generated import App, start
from runner_gen.runtime.main import run_main


async def announce_then_wait(app: App) -> None:
    print(app.resources.exposure.url, flush=True)
    await asyncio.Event().wait()  # until a signal starts the graceful shutdown


if __name__ == "__main__":
    raise SystemExit(run_main(start, until=announce_then_wait))
