"""Resources whose init fails, for the ported DependencyProcessor.consistency tests and the
error boundary (``on_unhandled_error``)."""

from __future__ import annotations

from runner_gen import r

#: What happened, in order: inits, disposals (a test clears it first).
EVENTS: list[str] = []


class Boom(Exception):
    pass


class BoomWithResource(Exception):
    resource_id = "somewhere.else"


async def open_first() -> str:
    EVENTS.append("init first")
    return "first"


async def close_first(value: str) -> None:
    EVENTS.append("dispose first")


async def explode() -> str:
    EVENTS.append("init broken")
    raise Boom("boom")


async def explode_with_resource() -> str:
    raise BoomWithResource("with resource")


async def consume(*, broken: str) -> str:
    return f"consumer of {broken}"


first = r.resource("init.first").init(open_first).dispose(close_first).build()
broken = r.resource("init.broken").init(explode).build()
consumer = r.resource("init.consumer").dependencies(broken=broken).init(consume).build()
broken_with_id = r.resource("init.brokenWithMeta").init(explode_with_resource).build()

app = r.resource("init.app").register(first, broken).build()
app_via_dependency = r.resource("init.app.via").register(first, consumer, broken).build()
app_keeps_id = r.resource("init.app.keeps").register(broken_with_id).build()
