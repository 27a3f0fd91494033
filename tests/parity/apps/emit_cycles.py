"""Hooks that emit events they listen to, after Runner 5.5's run.test.ts ("should avoid infinite
recursion by omitting hook emissions recursively"), its ``"*"`` hooks (excluded from emission
cycle detection) and CycleContext.test.ts (the run-time guard).

Everything observable is appended to ``LOG`` (reset by the tests); ``LOOPING`` switches the
two hooks that re-emit ``loop.event`` on.
"""

from __future__ import annotations

from pydantic import BaseModel

from runner_gen import Emission, Emit, r

LOG: list[str] = []
LOOPING: list[bool] = [False]


def reset() -> None:
    LOG.clear()
    LOOPING[0] = False


class Message(BaseModel):
    message: str


# -- a hook re-emitting its own event ---------------------------------------------------------

test_event = r.event("test.event").payload_schema(Message).build()


async def re_emit(event: Emission[Message], *, test_event: Emit[Message]) -> None:
    LOG.append(f"app hook heard {event.data.message} from {event.source}")
    await test_event(Message(message="Event emitted"))


async def count(event: Emission[Message]) -> None:
    LOG.append(f"counter heard {event.data.message} from {event.source}")


re_emitting_hook = (
    r.hook("app").on(test_event).dependencies(test_event=test_event).run(re_emit).build()
)
counting_hook = r.hook("app.counter").on(test_event).order(1).run(count).build()

# -- a "*" hook emitting an event (it hears every event, its own emissions excepted) ----------

audited = r.event("audit.event").payload_schema(Message).build()


async def audit_everything(event: Emission[object], *, audited: Emit[Message]) -> None:
    LOG.append(f"audit heard {event.id}")
    await audited(Message(message=event.id))


async def store_audit(event: Emission[Message]) -> None:
    LOG.append(f"audit stored {event.data.message}")


audit_hook = (
    r.hook("audit.everything").on("*").order(5).dependencies(audited=audited)
    .run(audit_everything).build()
)  # fmt: skip
store_hook = r.hook("audit.store").on(audited).order(6).run(store_audit).build()

# -- two hooks re-emitting one event: recursion Runner stops with eventCycle ------------------

loop_event = r.event("loop.event").payload_schema(Message).build()


async def loop_a(event: Emission[Message], *, again: Emit[Message]) -> None:
    LOG.append(f"loop a from {event.source}")
    if LOOPING[0]:
        await again(event.data)


async def loop_b(event: Emission[Message], *, again: Emit[Message]) -> None:
    LOG.append(f"loop b from {event.source}")
    if LOOPING[0]:
        await again(event.data)


loop_hook_a = r.hook("loop.hookA").on(loop_event).dependencies(again=loop_event).run(loop_a)
loop_hook_b = r.hook("loop.hookB").on(loop_event).dependencies(again=loop_event).run(loop_b)


async def emit_at_start(*, test_event: Emit[Message]) -> str:
    await test_event(Message(message="Event emitted"))
    return "started"


app = (
    r.resource("app.resource")
    .register(
        test_event,
        re_emitting_hook,
        counting_hook,
        audited,
        audit_hook,
        store_hook,
        loop_event,
        loop_hook_a.build(),
        loop_hook_b.build(),
    )
    .dependencies(test_event=test_event)
    .init(emit_at_start)
    .build()
)
