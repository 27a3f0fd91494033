"""An app for the middleware cost benchmark: one task behind three no-op built-in-style
middleware (``Middleware`` classes, as the built-ins are written), one behind three no-op
user-written custom middleware, and the bare task, all through generated wiring."""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any

from runner_gen import TaskCall, r
from runner_gen.definitions.builders import builtin_task_middleware
from runner_gen.definitions.source import caller_source
from runner_gen.runtime.info import DefinitionInfo, Next
from runner_gen.runtime.middleware import Middleware


class Db:
    __slots__ = ("calls",)

    def __init__(self) -> None:
        self.calls = 0


async def open_db() -> Db:
    return Db()


async def echo(input: int, *, db: Db) -> int:
    return input


@dataclass(frozen=True)
class NoConfig:
    """A middleware config with nothing to configure."""


class NoOp(Middleware[NoConfig]):
    """A built-in-style layer with work after the call, so it must await (as most built-ins)."""

    __slots__ = ()

    def wrap(self, next: Next, info: DefinitionInfo, config: NoConfig) -> Next:
        async def layer(input: Any) -> Any:
            return await next(input)

        return layer


class PassThrough(Middleware[NoConfig]):
    """A built-in-style layer with nothing to do after the call: it returns the awaitable."""

    __slots__ = ()

    def wrap(self, next: Next, info: DefinitionInfo, config: NoConfig) -> Next:
        def layer(input: Any) -> Awaitable[Any]:
            return next(input)

        return layer


async def noop(call: TaskCall) -> object:
    return await call.next(call.input)


def _builtin(name: str, implementation: str) -> Any:
    return builtin_task_middleware(
        f"bench.layers.{name}", f"benchmarks.apps.layers:{implementation}", NoConfig,
        caller_source(),
    )  # fmt: skip


noop_layers = [_builtin(f"noop_{index}", "NoOp") for index in range(3)]
through_layers = [_builtin(f"through_{index}", "PassThrough") for index in range(3)]
custom_layers = [r.middleware.task(f"bench.layers.custom_{i}").run(noop).build() for i in range(3)]

db = r.resource("bench.layers.db").init(open_db).build()
bare = r.task("bench.layers.tasks.bare").dependencies(db=db).run(echo).build()
builtin_wrapped = (
    r.task("bench.layers.tasks.builtin").dependencies(db=db).middleware(*noop_layers).run(echo)
).build()
through_wrapped = (
    r.task("bench.layers.tasks.through").dependencies(db=db).middleware(*through_layers).run(echo)
).build()
custom_wrapped = (
    r.task("bench.layers.tasks.custom").dependencies(db=db).middleware(*custom_layers).run(echo)
).build()

registered = (*noop_layers, *through_layers, *custom_layers)
tasks = (bare, builtin_wrapped, through_wrapped, custom_wrapped)
app = r.resource("bench.layers").register(db, *registered, *tasks).build()
