"""An app shaped after Runner 5.5's run.test.ts, run.middleware.test.ts, optional-dependencies and
context tests: resources with config, private context and dispose order; tasks with
dependencies, events and middleware; hooks with order, a global hook and the ready event.

Everything observable is appended to ``LOG`` (reset by the tests).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from runner_gen import (
    AsyncContext,
    Emission,
    Emit,
    ResourceCall,
    TagAccessor,
    TaskCall,
    globals,
    r,
)

LOG: list[str] = []


def reset() -> None:
    LOG.clear()


# -- resources ----------------------------------------------------------------------------------


class Greeting(BaseModel):
    prefix: str = "hello"


async def open_greeter(config: Greeting) -> str:
    LOG.append(f"init greeter ({config.prefix})")
    return config.prefix


greeter = r.resource("run.greeter").config_schema(Greeting).init(open_greeter).build()

unregistered_resource_for_mw = r.resource("run.unregistered_for_middleware").build()


async def optional_resource_layer(call: ResourceCall, *, missing: Any) -> Any:
    LOG.append(f"optional resource middleware: missing={missing}")
    return await call.next(call.config)


optional_resource_mw = (
    r.middleware.resource("run.middleware.optional_resource")
    .dependencies(missing=unregistered_resource_for_mw.optional())
    .run(optional_resource_layer)
    .build()
)


async def open_store(*, greeter: str) -> dict[str, str]:
    LOG.append("init store")
    return {"greeting": greeter}


async def close_store(value: dict[str, str]) -> None:
    LOG.append("dispose store")


store = (
    r.resource("run.store")
    .dependencies(greeter=greeter)
    .middleware(optional_resource_mw)
    .init(open_store)
    .dispose(close_store)
    .build()
)


@dataclass
class Session:
    opened: list[str] = field(default_factory=list)


def new_session() -> Session:
    return Session()


async def open_conn(*, store: dict[str, str], context: Session) -> str:
    context.opened.append("conn")
    LOG.append("init conn")
    return "conn"


async def close_conn(value: str, *, context: Session) -> None:
    LOG.append(f"dispose conn (context saw {context.opened})")


conn = (
    r.resource("run.conn")
    .dependencies(store=store)
    .context(new_session)
    .init(open_conn)
    .dispose(close_conn)
    .build()
)

no_init = r.resource("run.no_init").build()  # a resource without init: its value is None


async def close_dispose_only(value: None, *, context: Session) -> None:
    LOG.append(f"dispose dispose_only (value {value}, context {context.opened})")


dispose_only = (
    r.resource("run.dispose_only").context(new_session).dispose(close_dispose_only).build()
)

# -- events and hooks ---------------------------------------------------------------------------


class Said(BaseModel):
    text: str


said = r.event("run.events.said").payload_schema(Said).build()


async def second_hook(event: Emission[Said]) -> None:
    LOG.append(f"hook order 2: {event.data.text}")


async def first_hook(event: Emission[Said]) -> None:
    LOG.append(f"hook order 1: {event.data.text}")


async def any_event(event: Emission[object]) -> None:
    if event.id == "run.events.said":
        LOG.append("global hook saw run.events.said")


async def on_ready(event: Emission[None]) -> None:
    LOG.append("ready")


async def optional_hook(event: Emission[Said], *, missing: Any, present: str | None) -> None:
    LOG.append(f"optional hook: missing={missing} present={present}")


hook_two = r.hook("run.hooks.two").on(said).order(2).run(second_hook).build()
hook_one = r.hook("run.hooks.one").on(said).order(1).run(first_hook).build()
hook_any = r.hook("run.hooks.any").on("*").order(3).run(any_event).build()
hook_ready = r.hook("run.hooks.ready").on(globals.events.ready).run(on_ready).build()
hook_optional = (
    r.hook("run.hooks.optional")
    .on(said)
    .order(9)
    .dependencies(missing=unregistered_resource_for_mw.optional(), present=greeter.optional())
    .run(optional_hook)
    .build()
)

# -- middleware -------------------------------------------------------------------------------


async def outer_layer(call: TaskCall) -> Any:
    LOG.append("outer before")
    result = await call.next(call.input)
    LOG.append("outer after")
    return result


async def inner_layer(call: TaskCall, *, greeter: str) -> Any:
    LOG.append(f"inner before ({greeter})")
    result = await call.next(call.input)
    LOG.append("inner after")
    return result


async def optional_layer(call: TaskCall, *, missing: Any, present: str | None) -> Any:
    LOG.append(f"optional middleware: missing={missing} present={present}")
    return await call.next(call.input)


optional_mw = (
    r.middleware.task("run.middleware.optional")
    .dependencies(missing=unregistered_resource_for_mw.optional(), present=greeter.optional())
    .run(optional_layer)
    .build()
)


async def route_reader_layer(call: TaskCall) -> Any:
    route_config = call.task.tag_config("run.tags.route")
    LOG.append(f"route tag seen by middleware: {route_config.path if route_config else None}")
    return await call.next(call.input)


route_reader = r.middleware.task("run.middleware.route_reader").run(route_reader_layer).build()
outer = r.middleware.task("run.middleware.outer").run(outer_layer).build()
inner = (
    r.middleware.task("run.middleware.inner").dependencies(greeter=greeter).run(inner_layer).build()
)

# -- tags --------------------------------------------------------------------------------------


class Route(BaseModel):
    path: str
    method: str = "GET"


route = r.tag("run.tags.route").config_schema(Route).config(Route(path="/")).build()

# -- async context -----------------------------------------------------------------------------

request_id = r.async_context("run.contexts.request_id").schema(str).build()

# -- tasks ------------------------------------------------------------------------------------


async def greet(input: str, *, store: dict[str, str]) -> str:
    return f"{store['greeting']} {input}"


greet_task = (
    r.task("run.tasks.greet")
    .dependencies(store=store)
    .middleware(outer, inner, route_reader)
    .tags(route.with_(path="/greet"))
    .run(greet)
    .build()
)


async def say(input: str, *, said: Emit[Said]) -> str:
    await said(Said(text=input))
    return "said"


say_task = r.task("run.tasks.say").dependencies(said=said).middleware(optional_mw).run(say).build()


async def explode(input: str) -> str:
    raise LookupError(f"no such thing: {input}")


explode_task = r.task("run.tasks.explode").run(explode).build()


async def missing_thing() -> str:  # pragma: no cover - never registered, so never run
    return "unreachable"


unregistered_task = r.task("run.tasks.unregistered").run(missing_thing).build()
unregistered_resource = r.resource("run.unregistered").build()
unregistered_event = r.event("run.events.unregistered").build()


async def optionals(
    *,
    absent_task: Any,
    absent_resource: Any,
    absent_event: Any,
    present_task: Any,
    present_resource: dict[str, str] | None,
    present_event: Any,
) -> list[str]:
    return [
        "absent task: None" if absent_task is None else "absent task: set",
        "absent resource: None" if absent_resource is None else "absent resource: set",
        "absent event: None" if absent_event is None else "absent event: set",
        f"present task: {await present_task('opt')}",
        f"present resource: {present_resource}",
        f"present event: {await present_event(Said(text='opt'))}",
    ]


optionals_task = (
    r.task("run.tasks.optionals")
    .dependencies(
        absent_task=unregistered_task.optional(),
        absent_resource=unregistered_resource.optional(),
        absent_event=unregistered_event.optional(),
        present_task=greet_task.optional(),
        present_resource=store.optional(),
        present_event=said.optional(),
    )
    .run(optionals)
    .build()
)


async def routes(*, routes: TagAccessor[Route]) -> list[str]:
    return [f"{t.config.method} {t.config.path} -> {t.id}" for t in routes.tasks]


routes_task = r.task("run.tasks.routes").dependencies(routes=route).run(routes).build()


async def whoami(*, request_id: AsyncContext[str]) -> str:
    return request_id.use()


whoami_task = r.task("run.tasks.whoami").dependencies(request_id=request_id).run(whoami).build()

app = (
    r.resource("run")
    .register(
        greeter.with_(prefix="hi"),
        store,
        conn,
        no_init,
        dispose_only,
        said,
        hook_two,
        hook_one,
        hook_any,
        hook_ready,
        hook_optional,
        optional_mw,
        optional_resource_mw,
        outer,
        inner,
        route_reader,
        route,
        request_id,
        greet_task,
        say_task,
        explode_task,
        optionals_task,
        routes_task,
        whoami_task,
    )
    .build()
)
