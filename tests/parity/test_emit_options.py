"""Emit options through a generated emitter: Runner's report, aggregate and throwOnError.

Runner file (tag 5.5.0): src/__tests__/models/EventManager.test.ts. Runner's listeners are
added to an EventManager; here they are three hooks of orders 0, 1, 2 (``first``, ``second``,
``third``) in a generated app, failing when a test asks. A failure arrives as ``HookError``
naming the hook and its order (Runner's ``listenerId``/``listenerOrder``), the hook's own
error as ``__cause__`` (divergence 26 in docs/runner-parity.md).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from runner_gen.runtime.errors import HookError, HookErrorGroup
from tests.parity.apps import emit_options as defs
from tests.support.build import build_app

wiring = build_app("tests.parity.apps.emit_options:app")


@pytest.fixture(autouse=True)
def clean() -> Iterator[None]:
    defs.reset()
    yield
    defs.reset()


async def test_report_mode_returns_the_emission_report() -> None:
    """EventManager: "returns emission report when report=true" (with throwOnError false)."""
    defs.FAIL.add("second")
    async with wiring.running() as app:
        report = await app.events.happened.report("data", throw_on_error=False)
    assert (report.total_listeners, report.attempted_listeners) == (3, 3)
    assert (report.succeeded_listeners, report.failed_listeners) == (2, 1)
    [error] = report.errors
    assert (error.hook_id, error.order) == ("eo.hooks.second", 1)
    assert str(error.__cause__) == "second-failure"
    assert defs.CALLS == ["first", "second", "third"]


async def test_aggregate_mode_runs_every_hook_then_raises_them_together() -> None:
    """EventManager: "aggregate mode continues sequential listeners and throws aggregate by
    default" (Runner's AggregateError is a HookErrorGroup here)."""
    defs.FAIL.update({"first", "third"})
    async with wiring.running() as app:
        with pytest.raises(HookErrorGroup) as raised:
            await app.events.happened("data", failure_mode="aggregate")
    assert defs.CALLS == ["first", "second", "third"]
    failures = [error for error in raised.value.exceptions if isinstance(error, HookError)]
    assert [error.hook_id for error in failures] == [
        "eo.hooks.first",
        "eo.hooks.third",
    ]
    assert raised.value.report.failed_listeners == 2


async def test_aggregate_report_without_throwing_lists_every_hook_error() -> None:
    """EventManager: "aggregate mode with report=true and throwOnError=false returns all
    listener errors"."""
    defs.FAIL.update({"first", "second"})
    async with wiring.running() as app:
        report = await app.emit_event(
            "eo.events.happened",
            "data",
            report=True,
            throw_on_error=False,
            failure_mode="aggregate",
        )
    assert report.failed_listeners == 2
    assert [error.hook_id for error in report.errors] == ["eo.hooks.first", "eo.hooks.second"]


async def test_aggregate_mode_with_one_failure_raises_that_failure_alone() -> None:
    """EventManager: "aggregate mode throws original error when exactly one listener fails":
    one failure is not grouped; it is that hook's HookError, its error the cause."""
    defs.FAIL.add("second")
    async with wiring.running() as app:
        with pytest.raises(HookError, match="second-failure") as raised:
            await app.events.happened("data", failure_mode="aggregate")
    assert not isinstance(raised.value, HookErrorGroup)
    assert isinstance(raised.value.__cause__, RuntimeError)
    assert defs.CALLS == ["first", "second", "third"]


async def test_fail_fast_stops_at_the_first_failure_and_names_the_hook() -> None:
    """EventManager: "throws first sequential listener failure and stops execution" (the
    error carries listenerId and listenerOrder: here ``hook_id`` and ``order``)."""
    defs.FAIL.update({"second", "third"})
    async with wiring.running() as app:
        with pytest.raises(HookError) as raised:
            await app.events.happened("data")
    assert (raised.value.hook_id, raised.value.order) == ("eo.hooks.second", 1)
    assert str(raised.value.__cause__) == "second-failure"
    assert defs.CALLS == ["first", "second"]


async def test_throw_on_error_false_runs_every_hook_and_raises_nothing() -> None:
    """Runner's ``throwOnError: false`` without a report: every listener runs."""
    defs.FAIL.update({"first", "second", "third"})
    async with wiring.running() as app:
        assert await app.events.happened("data", throw_on_error=False) is None
    assert defs.CALLS == ["first", "second", "third"]
