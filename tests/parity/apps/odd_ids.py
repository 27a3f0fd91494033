"""Ids Runner 5.5 accepts that are not dotted names: slashes, spaces, other punctuation."""

from __future__ import annotations

from runner_gen import r


async def charge(input: int) -> int:
    return input + 1


charge_task = r.task("billing/charge now").run(charge).build()
tagged = r.tag("tags:weird #1").build()
app = r.resource("odd app").register(charge_task, tagged).build()
