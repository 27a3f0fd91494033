"""Two "*" hooks, each emitting an event the other hears: each event's emitter needs the other's."""

from runner_gen import Emission, Emit, r

left = r.event("wild.left").build()
right = r.event("wild.right").build()


async def to_left(event: Emission[object], *, left: Emit[None]) -> None:
    await left(None)


async def to_right(event: Emission[object], *, right: Emit[None]) -> None:
    await right(None)


app = (
    r.resource("wild.app")
    .register(
        left,
        right,
        r.hook("wild.to_left").on("*").dependencies(left=left).run(to_left).build(),
        r.hook("wild.to_right").on("*").dependencies(right=right).run(to_right).build(),
    )
    .build()
)
