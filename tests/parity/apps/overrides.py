"""Overrides declared deep in the tree, and of a configured resource (run.overrides.test.ts)."""

from __future__ import annotations

from pydantic import BaseModel

from runner_gen import r


class Size(BaseModel):
    n: int = 1


async def original_size(config: Size) -> str:
    return f"original {config.n}"


async def overridden_size(config: Size) -> str:
    return f"overridden {config.n}"


sized = r.resource("ov.sized").config_schema(Size).init(original_size).build()


async def original_answer() -> str:
    return "original"


async def overridden_answer() -> str:
    return "overridden"


answer = r.task("ov.tasks.answer").run(original_answer).build()

inner = r.resource("ov.inner").register(answer, sized.with_(n=3)).build()
outer = (
    r.resource("ov.outer")
    .register(inner)
    .overrides(r.override(answer, overridden_answer), r.override(sized, overridden_size))
    .build()
)
app = r.resource("ov").register(outer).build()
