"""A minimal app for measuring the cost of a task call through generated wiring."""

from __future__ import annotations

from runner_gen import TaskCall, r


class Db:
    __slots__ = ("calls",)

    def __init__(self) -> None:
        self.calls = 0


async def open_db() -> Db:
    return Db()


async def echo(input: int, *, db: Db) -> int:
    return input


async def noop(call: TaskCall) -> object:
    return await call.next(call.input)


db = r.resource("bench.db").init(open_db).build()
echo_task = r.task("bench.tasks.echo").dependencies(db=db).run(echo).build()

first = r.middleware.task("bench.middleware.first").run(noop).build()
second = r.middleware.task("bench.middleware.second").run(noop).build()
third = r.middleware.task("bench.middleware.third").run(noop).build()
wrapped_task = (
    r.task("bench.tasks.wrapped")
    .dependencies(db=db)
    .middleware(first, second, third)
    .run(echo)
    .build()
)
app = r.resource("bench").register(db, echo_task, first, second, third, wrapped_task).build()
