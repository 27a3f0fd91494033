"""DependencyProcessor.consistency: "should deliver events emitted while hook dependencies are
still computing" -- a hook depending on the resource whose init emits its event."""

from runner_gen import Emission, Emit, r

event = r.event("hook.buffer.event").build()


async def emit_twice(*, event: Emit[None]) -> str:
    await event(None)
    await event(None)
    return "emitted"


early_emitter = r.resource("hook.buffer.emitter").dependencies(event=event).init(emit_twice).build()


async def hook_a(emission: Emission[None], *, early_emitter: str) -> None:
    pass


app = r.resource("hook.buffer.root").register(
    r.hook("hook.buffer.hookA").on(event).dependencies(early_emitter=early_emitter).run(hook_a)
    .build(),
    early_emitter,
    event,
).build()  # fmt: skip
