"""Generated emitters: hooks run in order, global hooks, exclusion, stopped propagation."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from runner_gen import HookError
from tests.fixtures.apps import events as defs
from tests.support.build import build_app

wiring = build_app("tests.fixtures.apps.events:app")


READY = "global:globals.events.ready"  # Runner emits ready once started; "*" hooks hear it


@pytest.fixture(autouse=True)
def clean_log() -> Iterator[None]:
    defs.LOG.clear()
    yield
    defs.LOG.clear()


async def test_global_hooks_hear_the_ready_event_once_the_app_started() -> None:
    async with wiring.running():
        assert defs.LOG == [READY]


async def test_hooks_run_by_order_then_exact_before_global_then_registration() -> None:
    async with wiring.running() as app:
        await app.events.ping(defs.Ping(text="hi"))
    # order 1: the exact hook `first` before the global one (registered earlier), then 3, 4, 5.
    assert defs.LOG == [READY, "first:hi", "global:ev.ping", "stopper", "after_stop", "late:hi"]


async def test_a_hook_can_stop_propagation() -> None:
    async with wiring.running() as app:
        await app.events.ping(defs.Ping(text="hi", stop=True))
    assert defs.LOG == [READY, "first:hi", "global:ev.ping", "stopper"]


async def test_excluded_events_skip_global_hooks() -> None:
    async with wiring.running() as app:
        await app.events.quiet(None)
    assert defs.LOG == [READY, "quiet"]


async def test_a_task_emits_through_its_injected_emitter() -> None:
    async with wiring.running() as app:
        assert await app.tasks.shout("hey") == "HEY"
    assert defs.LOG[1] == "first:hey"


async def test_a_failing_hook_stops_the_emission_and_reaches_the_emitter() -> None:
    async with wiring.running() as app:
        with pytest.raises(HookError) as raised:
            await app.events.ping(None)  # hooks read .data.text
    # The failure names the hook and its order; the hook's own error is its cause.
    assert (raised.value.hook_id, raised.value.order) == ("ev.hooks.first", 1)
    assert isinstance(raised.value.__cause__, AttributeError)
    assert defs.LOG == [READY]
