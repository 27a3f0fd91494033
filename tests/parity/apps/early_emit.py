"""Events emitted while the app starts, after Runner 5.5's DependencyProcessor.consistency tests.

``SEEN`` records what the hooks saw (reset by the tests).
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel

from runner_gen import Emission, Emit, r

SEEN: list[int] = []


class Ok(BaseModel):
    ok: bool = True


@dataclass
class Service:
    value: int


async def open_service() -> Service:
    return Service(42)


async def record(event: Emission[Ok], *, service: Service) -> None:
    SEEN.append(service.value)


async def emit_during_init(*, event: Emit[Ok]) -> str:
    await event(Ok())
    return "emitter"


async def open_consumer(*, emitter: str) -> str:
    return "consumer"


async def open_root() -> str:
    return "root"


event = r.event("dp.event").payload_schema(Ok).build()
service = r.resource("dp.service").init(open_service).build()
hook = r.hook("dp.hook").on(event).dependencies(service=service).run(record).build()
emitter = r.resource("dp.emitter").dependencies(event=event).init(emit_during_init).build()
consumer = r.resource("dp.consumer").dependencies(emitter=emitter).init(open_consumer).build()
# Registered in Runner's test order: the consumer first, the service after the emitter.
app = (
    r.resource("dp.root").register(consumer, emitter, service, hook, event).init(open_root).build()
)
