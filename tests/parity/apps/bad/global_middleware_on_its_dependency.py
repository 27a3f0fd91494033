"""An everywhere middleware that depends on a task and wraps it too: a cycle (as in Runner, which
needs the everywhere predicate to leave the task out)."""

from typing import Any

from runner_gen import TaskCall, r


async def target_run() -> str:
    return "x"


target = r.task("cycle.target").run(target_run).build()


async def around(call: TaskCall, *, target: Any) -> Any:
    return await call.next(call.input)


around_mw = (
    r.middleware.task("cycle.everywhere").everywhere().dependencies(target=target.optional())
    .run(around).build()
)  # fmt: skip
app = r.resource("cycle.app").register(target, around_mw).build()
