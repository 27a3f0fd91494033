"""An app shaped after Runner 5.5's RunResult.test.ts (lookup by id) and ExecutionJournal.test.ts
(a journal per call, shared by a task and its middleware, forwarded on request).

Everything observable is appended to ``LOG`` or ``SEEN`` (reset by the tests).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from runner_gen import Emission, Journal, JournalKey, TaskCall, r
from runner_gen.runtime.journal import forward_journal

LOG: list[str] = []
SEEN: list[Journal] = []
TRACE = JournalKey[list[str]]("trace.steps")
OBSERVED = JournalKey[str]("observer.saw")


def reset() -> None:
    LOG.clear()
    SEEN.clear()


# -- RunResult: "exposes runTask, emitEvent, getResourceValue, getResourceConfig ..." -----------


@dataclass
class Counter:
    calls: int = 0


class Label(BaseModel):
    label: str


class Ping(BaseModel):
    n: int


async def double(x: int) -> int:
    return x * 2


double_task = r.task("helpers.double").run(double).build()


async def open_acc(config: Label) -> Counter:
    return Counter()


acc = r.resource("helpers.acc").config_schema(Label).init(open_acc).build()

ping = r.event("helpers.ping").payload_schema(Ping).build()


async def on_ping(emission: Emission[Ping], *, acc: Counter) -> None:
    acc.calls += emission.data.n


on_ping_hook = r.hook("helpers.onPing").on(ping).dependencies(acc=acc).run(on_ping).build()

# -- RunResult: "emitEvent supports report mode for aggregated listener failures" -------------

report_ping = r.event("rr.report.ping").payload_schema(Ping).build()


async def fail_first(emission: Emission[Ping]) -> None:
    raise RuntimeError("first")


async def fail_second(emission: Emission[Ping]) -> None:
    raise RuntimeError("second")


fail_first_hook = r.hook("rr.report.failFirst").on(report_ping).run(fail_first).build()
fail_second_hook = r.hook("rr.report.failSecond").on(report_ping).run(fail_second).build()

# -- ExecutionJournal and RunResult's call options -------------------------------------------


async def no_input(*, journal: Journal) -> str:
    SEEN.append(journal)
    return "ok"


no_input_task = r.task("rr.options.noInputTask").run(no_input).build()


async def inner(*, journal: Journal) -> str:
    steps = journal.get(TRACE) or []
    steps.append("inner")
    journal.set(TRACE, steps, override=True)
    return "inner-result"


inner_task = r.task("journal.innerTask").run(inner).build()


async def inner_unforwarded(*, journal: Journal) -> str:
    seen = journal.get(TRACE)
    LOG.append(f"inner saw {seen}")
    return "inner-result"


inner_unforwarded_task = r.task("journal.innerTaskNew").run(inner_unforwarded).build()


async def outer(
    forward: bool,
    *,
    inner: Callable[[], Awaitable[str]],
    fresh: Callable[[], Awaitable[str]],
    journal: Journal,
) -> list[str] | None:
    journal.set(TRACE, ["outer-before"])
    if forward:
        await forward_journal(inner, journal=journal)
    else:
        await fresh()
    return journal.get(TRACE)


outer_task = (
    r.task("journal.outerTask")
    .dependencies(inner=inner_task, fresh=inner_unforwarded_task)
    .run(outer)
    .build()
)


async def observer(call: TaskCall, *, journal: Journal) -> Any:
    """Runner's journal observers: read what the task wrote after ``next`` returns."""
    SEEN.append(journal)
    result = await call.next(call.input)
    saw = journal.get(OBSERVED)
    LOG.append(f"observer saw {saw}")
    return result


observer_mw = r.middleware.task("journal.observer").run(observer).build()


async def observed(text: str, *, journal: Journal) -> str:
    SEEN.append(journal)
    journal.set(OBSERVED, text)
    return text.upper()


observed_task = r.task("journal.observed").middleware(observer_mw).run(observed).build()


async def plain(text: str) -> str:
    return text


plain_task = r.task("journal.plain").middleware(observer_mw).run(plain).build()


async def started() -> str:
    return "ready"


app = (
    r.resource("helpers.app")
    .register(
        double_task,
        acc.with_(Label(label="main")),
        ping,
        on_ping_hook,
        report_ping,
        fail_first_hook,
        fail_second_hook,
        no_input_task,
        inner_task,
        inner_unforwarded_task,
        outer_task,
        observer_mw,
        observed_task,
        plain_task,
    )
    .init(started)
    .build()
)
