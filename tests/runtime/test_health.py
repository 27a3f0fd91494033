"""Health aggregation: worst status wins; failing or hanging checks are unhealthy, not errors."""

from __future__ import annotations

import asyncio

import pytest

from runner_gen.runtime.health import Health, HealthChecks, HealthReport


async def test_the_worst_status_wins_and_each_entry_is_reported() -> None:
    checks = HealthChecks(lambda: True)

    async def healthy() -> Health:
        return Health()

    async def degraded() -> Health:
        return Health("degraded", "slow replica")

    checks.add("a", healthy)
    checks.add("b", degraded)
    report = await checks.check()
    assert report.status == "degraded"
    assert report.healthy
    assert report.find("b").message == "slow replica"
    with pytest.raises(KeyError, match="no health entry"):
        report.find("zzz")


async def test_a_raising_check_is_unhealthy_without_leaking_its_message() -> None:
    checks = HealthChecks(lambda: True)

    async def broken() -> Health:
        raise ConnectionError("password=hunter2 rejected")

    checks.add("db", broken)
    report = await checks.check()
    assert report.status == "unhealthy"
    assert not report.healthy
    assert report.find("db").message == "ConnectionError"


async def test_a_hanging_check_times_out_as_unhealthy() -> None:
    checks = HealthChecks(lambda: True, timeout=0.05)

    async def hangs() -> Health:
        await asyncio.sleep(10)
        return Health()

    checks.add("slow", hangs)
    report = await checks.check()
    assert report.find("slow").status == "unhealthy"
    assert "timed out" in (report.find("slow").message or "")


async def test_a_check_returning_something_else_is_unhealthy() -> None:
    checks = HealthChecks(lambda: False)

    async def wrong() -> Health:
        return True  # type: ignore[return-value]

    checks.add("odd", wrong)
    assert (await checks.check()).status == "unhealthy"
    assert not checks.ready


def test_an_empty_report_is_healthy() -> None:
    assert HealthReport().status == "healthy"
