"""Apps whose exposures the OpenAPI tests describe: every wire form Runner's serializer uses, a
task without input, one without result, an event, typed errors with and without data, and the
auth schemes."""

from __future__ import annotations

import collections.abc
import datetime as dt
from datetime import UTC, datetime

from pydantic import BaseModel, Field

from runner_gen import r
from runner_gen.remote import http_exposure

TOKEN = "openapi-test-token-0123456789"


class Reading(BaseModel):
    at: datetime
    tags: set[str]
    count: int
    small: int = Field(ge=0, le=100)
    ratio: float


class Shape(BaseModel):
    sides: int = Field(ge=3, le=12)


class Missing(BaseModel):
    key: str


missing = r.error("wire.errors.missing").data_schema(Missing).http_code(404).build()
conflict = r.error("wire.errors.conflict").http_code(409).build()
odd = r.error("wire.errors.odd").http_code(302).build()
undeclared = r.error("wire.errors.undeclared").build()  # no http code: 500, no httpCode field


async def record(input: Reading) -> Reading:
    return input


async def now() -> datetime:
    return datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)


async def forget(input: Shape) -> None:
    if input.sides == 4:
        missing.throw(Missing(key="square"))


async def sizes(input: list[int]) -> dict[str, int]:
    return {"total": sum(input)}


async def first_day(input: collections.abc.Sequence[int]) -> dt.date:
    return dt.date(input[0], 1, 1)


first_day_task = r.task("wire.tasks.first_day").run(first_day).build()
record_task = r.task("wire.tasks.record").run(record).build()
now_task = r.task("wire.tasks.now").meta(title="The time", description="Fixed.").run(now).build()
forget_task = r.task("wire.tasks.forget").run(forget).build()
sizes_task = r.task("wire.tasks.sizes").run(sizes).build()
noticed = r.event("wire.events.noticed").payload_schema(Shape).build()
pinged = r.event("wire.events.pinged").build()


async def accept(token: str) -> bool:
    return token == TOKEN


exposure = http_exposure("wire.exposure").with_(
    base_path="/api/",
    tokens=(TOKEN,),
    verify=accept,
    allow_task_ids=("wire.tasks.*",),
    allow_event_ids=("wire.events.*",),
)

app = (
    r.resource("wire")
    .register(
        missing, conflict, odd, undeclared, record_task, now_task, first_day_task, forget_task,
        sizes_task, noticed, pinged, exposure,
    )
    .build()
)  # fmt: skip

public = http_exposure("wire.public").with_(
    tokens=(TOKEN,),
    allow_anonymous=True,
    disable_discovery=True,
    allow_task_ids=("wire.tasks.now",),
)
anonymous_app = r.resource("wire_public").register(now_task, public).build()

bare = http_exposure("wire.bare")  # registered bare: the schema's defaults, no credentials
bare_app = r.resource("wire_bare").register(bare).build()

no_exposure_app = r.resource("wire_none").register(now_task).build()
two_exposures_app = r.resource("wire_two").register(now_task, noticed, exposure, public).build()
