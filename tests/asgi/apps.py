"""Apps the ASGI tests mount: a task that waits for the test's signal, a resource that records
when it is disposed, and a variant whose database never comes up."""

from __future__ import annotations

import asyncio

from pydantic import BaseModel

from runner_gen import r
from runner_gen.remote import http_exposure

TOKEN = "mounted-test-token-0123456789"


class Store:
    """Records what happened, in order; a task reads ``closed`` after it was let go."""

    def __init__(self) -> None:
        self.log: list[str] = []
        self.closed = False
        self.release = asyncio.Event()


class Hold(BaseModel):
    label: str


class Held(BaseModel):
    label: str
    store_closed_when_answered: bool


async def open_store() -> Store:
    return Store()


async def close_store(store: Store) -> None:
    store.closed = True
    store.log.append("store disposed")


store = r.resource("mounted.store").init(open_store).dispose(close_store).build()


async def hold(input: Hold, *, store: Store) -> Held:
    store.log.append(f"{input.label} started")
    await store.release.wait()
    store.log.append(f"{input.label} answered")
    return Held(label=input.label, store_closed_when_answered=store.closed)


async def echo(input: Hold) -> Hold:
    return input


hold_task = r.task("mounted.tasks.hold").dependencies(store=store).run(hold).build()
echo_task = r.task("mounted.tasks.echo").run(echo).build()
hidden_task = r.task("mounted.hidden.secret").run(echo).build()

exposure = http_exposure("mounted.exposure").with_(
    mount=True, tokens=(TOKEN,), allow_task_ids=("mounted.tasks.*",), drain_budget=5.0
)

app = r.resource("mounted").register(store, hold_task, echo_task, hidden_task, exposure).build()


async def unreachable_database() -> None:
    raise ConnectionError("database at 127.0.0.1:1 is unreachable")


database = r.resource("mounted.database").init(unreachable_database).build()

broken_app = r.resource("mounted_broken").register(store, database, echo_task, exposure).build()

with_admin_port = http_exposure("mounted.admin_exposure").with_(
    mount=True, tokens=(TOKEN,), admin_port=0
)
admin_port_app = r.resource("mounted_admin").register(echo_task, with_admin_port).build()


async def open_cache() -> dict[str, str]:
    return {}


async def flush_cache(cache: dict[str, str]) -> None:
    raise OSError("cache flush failed: disk full")


cache = r.resource("mounted.cache").init(open_cache).dispose(flush_cache).build()
failing_dispose_app = r.resource("mounted_dispose").register(cache, echo_task).build()
