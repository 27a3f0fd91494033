"""Benchmark apps: the same trivial task with observability off, and with each part on."""

from __future__ import annotations

import io

from runner_gen import globals, r
from runner_gen.observability import tracing
from runner_gen.runtime.logging import Logger


async def echo(input: int) -> int:
    return input


async def echo_logged(input: int, *, logger: Logger) -> int:
    await logger.info("echo", data={"input": input})
    return input


#: Where the logged app's JSON records go: the benchmark measures formatting, not a terminal.
SINK = io.StringIO()

plain_task = r.task("obs.tasks.echo").run(echo).build()
logged_task = (
    r.task("obs.tasks.echo_logged")
    .dependencies(logger=globals.resources.logger)
    .run(echo_logged)
    .build()
)

plain = r.resource("obs.plain").register(plain_task).build()
metered = r.resource("obs.metered").register(globals.resources.metrics, plain_task).build()
traced = r.resource("obs.traced").register(tracing, plain_task).build()
logged = (
    r.resource("obs.logged")
    .register(
        globals.resources.logger.with_(print_strategy="json", stdout=SINK),
        plain_task,
        logged_task,
    )
    .build()
)
