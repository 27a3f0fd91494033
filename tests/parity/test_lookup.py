"""Lookup by id and the execution journal on a generated app, ported from Runner 5.5's tests.

Runner files (tag 5.5.0): src/__tests__/models/RunResult.test.ts,
src/__tests__/models/ExecutionJournal.test.ts.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from runner_gen import DisposedError, HookError, Journal, JournalKey
from runner_gen.errors import ElementNotFoundError, JournalDuplicateKeyError
from tests.parity.apps import lookup_app as defs
from tests.support.build import build_app

wiring = build_app("tests.parity.apps.lookup_app:app")


@pytest.fixture(autouse=True)
def clean_log() -> Iterator[None]:
    defs.reset()
    yield
    defs.reset()


async def test_lookup_methods_run_emit_and_read_by_definition_and_by_id() -> None:
    """RunResult: "exposes runTask, emitEvent, getResourceValue, getResourceConfig, logger and
    they work"."""
    async with wiring.running() as app:
        assert await app.run_task(defs.double_task, 21) == 42
        await app.emit_event(defs.ping, defs.Ping(n=2))
        await app.emit_event(defs.ping, defs.Ping(n=3))
        assert app.get_resource_value("helpers.acc").calls == 5
        assert app.get_resource_value(defs.acc).calls == 5
        assert app.get_resource_config(defs.acc) == defs.Label(label="main")
        assert app.get_resource_config("helpers.acc") == defs.Label(label="main")
        assert app.get_resource_value("helpers.app") == "ready"  # the root's value
        assert app.get_resource_config("helpers.app") is None  # the root has no config


async def test_string_ids_reach_the_same_definitions() -> None:
    """RunResult: "supports string ids for runTask, emitEvent, getResourceValue, and
    getResourceConfig"."""
    async with wiring.running() as app:
        assert await app.run_task("helpers.double", 2) == 4
        await app.emit_event("helpers.ping", defs.Ping(n=3))
        assert app.get_resource_value("helpers.acc") is app.resources.acc
        assert app.get_resource_value("helpers.acc").calls == 3
        # The config is the very object the resource's init received.
        assert app.get_resource_config("helpers.acc") == defs.Label(label="main")


async def test_unknown_ids_raise_runners_not_found_errors_before_anything_runs() -> None:
    """RunResult: "throws helpful errors for missing string ids" -- raised by the call itself,
    as Runner throws before returning the promise."""
    async with wiring.running() as app:
        untyped: Any = app  # an unknown id is a type error; this checks the run-time answer
        with pytest.raises(ElementNotFoundError, match=r'^Task "nope.task" not found\.') as task:
            untyped.run_task("nope.task")
        with pytest.raises(ElementNotFoundError, match=r'^Event "nope.event" not found\.'):
            untyped.emit_event("nope.event")
        with pytest.raises(ElementNotFoundError, match=r'^Resource "nope.res" not found\.'):
            untyped.get_resource_value("nope.res")
        with pytest.raises(ElementNotFoundError, match=r'^Resource "nope.res" not found\.'):
            untyped.get_resource_config("nope.res")
        with pytest.raises(ElementNotFoundError, match=r'^Task "helpers.acc" not found\.'):
            untyped.run_task("helpers.acc")  # a resource's id is not a task's
    error = task.value
    assert (error.id, error.data) == (
        "runner.errors.runtimeElementNotFound",
        {"type": "Task", "elementId": "nope.task"},
    )
    assert isinstance(error, LookupError)
    assert "Remediation: Register Task" in str(error)


async def test_lookups_after_dispose_raise_the_disposed_error() -> None:
    """RunResult's ``ensureRuntimeIsActive``: every runtime API refuses after dispose, even for
    an unknown id."""
    app = await wiring.start()
    await app.dispose()
    untyped: Any = app
    attempts: list[Callable[[], object]] = [
        lambda: app.run_task("helpers.double", 1),
        lambda: app.emit_event("helpers.ping", defs.Ping(n=1)),
        lambda: app.get_resource_value("helpers.acc"),
        lambda: app.get_resource_config("helpers.acc"),
        lambda: untyped.run_task("nope.task"),
    ]
    for attempt in attempts:
        with pytest.raises(DisposedError, match=r'App "helpers\.app" has been disposed'):
            attempt()


async def test_emit_event_report_mode_collects_every_hook_failure() -> None:
    """RunResult: "emitEvent supports report mode for aggregated listener failures"."""
    async with wiring.running() as app:
        report = await app.emit_event(
            "rr.report.ping",
            defs.Ping(n=1),
            report=True,
            throw_on_error=False,
            failure_mode="aggregate",
        )
        assert report.failed_listeners == 2
        assert [str(error.__cause__) for error in report.errors] == ["first", "second"]
        with pytest.raises(HookError, match="first"):
            await app.emit_event(defs.report_ping, defs.Ping(n=1))  # fail-fast by default


async def test_run_task_forwards_a_journal_to_a_task_that_uses_one() -> None:
    """RunResult: "supports runTask call-options via input/options arguments"."""
    forwarded = Journal()
    async with wiring.running() as app:
        assert await app.run_task("rr.options.noInputTask", None, journal=forwarded) == "ok"
        assert await app.run_task(defs.no_input_task) == "ok"
        # A journal given to a task that cannot see one changes nothing.
        assert await app.run_task("helpers.double", 1, journal=forwarded) == 2
    assert defs.SEEN[0] is forwarded
    assert defs.SEEN[1] is not forwarded  # without the option: a fresh journal


def test_journal_stores_values_by_typed_key() -> None:
    """ExecutionJournal: "stores and retrieves values by key", "returns undefined for unset
    keys", "has() returns true for set keys", "supports different value types"."""
    journal = Journal()
    text, number, flag = JournalKey[str]("test.key"), JournalKey[int]("n"), JournalKey[bool]("b")
    assert journal.get(number) is None
    assert not journal.has(flag)
    journal.set(text, "hello")
    journal.set(number, 42)
    journal.set(flag, True)
    assert (journal.get(text), journal.get(number), journal.has(flag)) == ("hello", 42, True)
    items = JournalKey[list[str]]("array")
    journal.set(items, ["a", "b"])
    assert journal.get(items) == ["a", "b"]


def test_setting_a_key_twice_needs_override() -> None:
    """ExecutionJournal: "throws when setting existing key without override", "allows overwrite
    with { override: true }"; errors.helpers-extras: journalDuplicateKeyError's message."""
    journal = Journal()
    key = JournalKey[str]("collision.key")
    journal.set(key, "first")
    with pytest.raises(JournalDuplicateKeyError) as raised:
        journal.set(key, "second")
    assert raised.value.message == (
        'Journal key "collision.key" already exists. Use override=True to overwrite.'
    )
    assert raised.value.id == "runner.errors.journal.duplicateKey"
    assert journal.get(key) == "first"  # the original value is kept
    journal.set(key, "second", override=True)
    assert journal.get(key) == "second"


def test_keys_with_one_id_share_a_slot() -> None:
    """ExecutionJournal: "creates a key with the given id", "keys with same id share the same
    storage slot", journal.create: "creates an empty journal"."""
    journal = Journal()
    first, second = JournalKey[str]("shared.id"), JournalKey[str]("shared.id")
    assert first.id == "shared.id"
    journal.set(first, "value")
    assert journal.get(second) == "value"


async def test_a_forwarded_journal_is_shared_with_the_nested_task() -> None:
    """ExecutionJournal forwarding: "forwards journal to nested task when options passed"."""
    async with wiring.running() as app:
        assert await app.tasks.outer_task(True) == ["outer-before", "inner"]


async def test_a_nested_task_gets_a_fresh_journal_unless_forwarded() -> None:
    """ExecutionJournal forwarding: "creates new journal when options not passed"."""
    async with wiring.running() as app:
        assert await app.tasks.outer_task(False) == ["outer-before"]
    assert defs.LOG == ["inner saw None"]


async def test_middleware_and_task_share_one_journal_per_call() -> None:
    """MiddlewareManager: "should propagate journal ..." (the task middleware and the task get
    the same journal); journal observers read what inner layers wrote after ``next``."""
    async with wiring.running() as app:
        assert await app.tasks.observed("a") == "A"
        assert await app.tasks.observed("b") == "B"
    middleware_first, task_first, middleware_second, task_second = defs.SEEN
    assert middleware_first is task_first
    assert middleware_second is task_second
    assert middleware_first is not middleware_second  # one journal per call
    assert defs.LOG == ["observer saw a", "observer saw b"]


async def test_concurrent_calls_each_get_their_own_journal() -> None:
    """Two calls created before either runs (``gather``) must not share a journal."""
    async with wiring.running() as app:
        both = await asyncio.gather(app.tasks.observed("x"), app.tasks.observed("y"))
        assert list(both) == ["X", "Y"]
    assert sorted(defs.LOG) == ["observer saw x", "observer saw y"]
    assert len({id(journal) for journal in defs.SEEN}) == 2


async def test_a_journal_in_middleware_only_still_reaches_a_task_that_does_not_ask() -> None:
    """A chain gets a journal when any of its middleware takes one, even if the task does not."""
    async with wiring.running() as app:
        assert await app.tasks.plain("z") == "z"
    assert defs.LOG == ["observer saw None"]
    assert len(defs.SEEN) == 1


async def test_forward_journal_to_a_task_without_one_just_calls_it() -> None:
    """Forwarding to a task whose chain has no journal changes nothing: it cannot see one."""
    from runner_gen.runtime.journal import forward_journal

    async def plain(value: int) -> int:
        return value + 1

    assert await forward_journal(plain, 1, journal=Journal()) == 2


def test_a_lookup_by_something_else_than_an_id_or_definition_is_a_type_error() -> None:
    from runner_gen.runtime.lookup import Lookup

    lookup = Lookup("a", lambda: True, tasks={}, journaled={}, events={}, values={}, configs={})
    with pytest.raises(TypeError, match="expected an id or a definition"):
        lookup.run_task(42, None)


async def test_the_tables_are_built_on_the_first_lookup_and_kept() -> None:
    """start() does not pay for lookup by id; the first lookup builds the tables once."""

    def tables_of(app: Any) -> object:  # read afresh each time (no narrowing across calls)
        return app._lookup

    async with wiring.running() as app:
        assert tables_of(app) is None
        assert app.get_resource_value("helpers.acc") is app.resources.acc
        tables = tables_of(app)
        assert tables is not None
        assert await app.run_task("helpers.double", 1) == 2
        assert tables_of(app) is tables
