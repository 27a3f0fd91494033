"""Registration rules after Runner 5.5's tests: a configured middleware registered as a global one
(run.middleware.test.ts), a global middleware that depends on a task it leaves out
(optional-dependencies.test.ts), and override precedence (run.overrides.test.ts).

Everything observable is appended to ``CALLS`` (reset by the tests).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from runner_gen import ResourceCall, TaskCall, r

CALLS: list[str] = []


def reset() -> None:
    CALLS.clear()


# -- run.middleware: "should allow configured middleware to be global for tasks/resources" -----


class Schema(BaseModel):
    schema_name: str = "default"


class Flag(BaseModel):
    flag: str = "default"


async def validate(call: TaskCall, config: Schema) -> Any:
    CALLS.append(f"global:{config.schema_name}")
    return await call.next(call.input)


async def mark(call: ResourceCall, config: Flag) -> Any:
    CALLS.append(f"{call.resource.id}:{config.flag}")
    return await call.next(call.config)


validate_mw = (
    r.middleware.task("validate.global.tasks").config_schema(Schema).everywhere()
    .run(validate).build()
)  # fmt: skip
mark_mw = (
    r.middleware.resource("validate.global.resources").config_schema(Flag).everywhere()
    .run(mark).build()
)  # fmt: skip


async def ok() -> str:
    return "ok"


global_task = r.task("task.global").run(ok).build()


async def open_sub() -> str:
    return "Sub"


sub = r.resource("res.sub").init(open_sub).build()

# -- optional-dependencies: "global middleware exclusion detects optional-wrapped dependency on
# target task" -- an everywhere middleware depending (optionally) on a task leaves it out ------


async def target_run() -> str:
    return "x"


target = r.task("tests.optional.middleware.target").run(target_run).build()


async def around(call: TaskCall, *, target: Any) -> Any:
    CALLS.append(f"around {call.task.id} (target present: {target is not None})")
    return await call.next(call.input)


around_mw = (
    r.middleware.task("tests.optional.middleware")
    .everywhere(lambda definition: definition.id != target.id)
    .dependencies(target=target.optional())
    .run(around)
    .build()
)

# -- run.overrides: precedence -------------------------------------------------------------


async def executed() -> str:
    return "Task executed"


async def middle_version() -> str:
    return "Middle"


async def root_version() -> str:
    return "Root"


async def first_listed() -> str:
    return "first"


async def last_listed() -> str:
    return "last"


same = r.task("task.same").run(executed).build()
twice = r.task("task.twice").run(executed).build()
middle = (
    r.resource("middle").register(same, twice)
    .overrides(r.override(same, middle_version), r.override(twice, first_listed),
               r.override(twice, last_listed))
    .build()
)  # fmt: skip


async def root_init(*, sub: str) -> str:
    return f"root with {sub}"


app = (
    r.resource("app")
    .register(validate_mw.with_(schema_name="user"), mark_mw.with_(flag="X"), global_task, sub,
              target, around_mw, middle)
    .overrides(r.override(same, root_version))
    .dependencies(sub=sub)
    .init(root_init)
    .build()
)  # fmt: skip
