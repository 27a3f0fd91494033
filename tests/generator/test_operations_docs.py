"""The alert rules query the metric families runner-gen actually emits."""

from __future__ import annotations

import re

import pytest

from runner_gen.runtime.info import DefinitionInfo
from runner_gen.runtime.metrics import Metrics, MetricsMiddleware, render_prometheus
from runner_gen.runtime.middleware import CircuitOpenError
from runner_gen.runtime.rejections import BUILTIN_ERROR_IDS
from tests.support.build import REPO

ALERTS = REPO / "docs" / "operations" / "alerts.yml"


async def test_every_metric_an_alert_uses_is_exposed() -> None:
    metrics = Metrics(["app.tasks.t"])
    layer = MetricsMiddleware(metrics).wrap(_ok, DefinitionInfo("app.tasks.t"), None)
    await layer(None)
    refusing = MetricsMiddleware(metrics).wrap(_refused, DefinitionInfo("app.tasks.t"), None)
    with pytest.raises(CircuitOpenError):
        await refusing(None)
    exposition = render_prometheus(metrics)
    families = set(re.findall(r"^([a-z_]+?)(?:\{|\s)", exposition, re.MULTILINE))
    used = set(re.findall(r"\b(runner_task_[a-z_]+)", ALERTS.read_text()))
    assert used, "the alert rules use no runner metric"
    assert used <= families, f"alerts use metrics that are not exposed: {used - families}"
    assert 'outcome="error"' in ALERTS.read_text()
    assert 'outcome="error"' in exposition
    for error_type in re.findall(r'error_type="([^"]+)"', ALERTS.read_text()):
        assert error_type in BUILTIN_ERROR_IDS  # alerts name ids the runtime really counts
    assert 'error_type="runner.errors.middleware.circuitBreakerOpen"' in exposition
    assert 'outcome="rejected"' in exposition


async def _ok(input: object) -> object:
    return input


async def _refused(input: object) -> object:
    raise CircuitOpenError("app.tasks.t", 30.0)


def test_the_runbook_has_the_sections_the_alerts_link_to() -> None:
    runbook = (REPO / "docs" / "operations" / "runbook.md").read_text().lower()
    for anchor in re.findall(r"runbook\.md#([a-z-]+)", ALERTS.read_text()):
        assert f"## {anchor.replace('-', ' ')}" in runbook
