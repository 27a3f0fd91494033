"""An app for issue 14's benchmarks: a plain task, the same with a call-scoped resource."""

from __future__ import annotations

from runner_gen import r


class Db:
    __slots__ = ()


class Unit:
    __slots__ = ("db",)

    def __init__(self, db: Db) -> None:
        self.db = db


async def open_db() -> Db:
    return Db()


async def begin(*, db: Db) -> Unit:
    return Unit(db)


async def end(unit: Unit) -> None:
    return None


async def plain(input: int, *, db: Db) -> int:
    return input


async def with_unit(input: int, *, unit: Unit) -> int:
    return input


db = r.resource("bench.db").init(open_db).build()
unit = r.resource("bench.unit").scope("call").dependencies(db=db).init(begin).dispose(end).build()
plain_task = r.task("bench.tasks.plain").dependencies(db=db).run(plain).build()
scoped_task = r.task("bench.tasks.scoped").dependencies(unit=unit).run(with_unit).build()
app = r.resource("bench").register(db, unit, plain_task, scoped_task).build()
