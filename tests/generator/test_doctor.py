"""`runner-gen doctor` checks an app against the production checklist, from its definitions."""

from __future__ import annotations

import subprocess
import sys

from runner_gen.generator.doctor import doctor, render
from runner_gen.generator.load import load_app
from tests.support.build import REPO


def _checks(spec: str) -> dict[str, tuple[bool, str]]:
    return {c.name: (c.passed, c.reason) for c in doctor(load_app(spec, REPO))}


def test_a_careless_app_fails_each_checklist_item_with_a_reason() -> None:
    checks = _checks("tests.fixtures.apps.careless:app")
    assert checks["careless.exposure: auth"][0] is False
    assert "anonymous" in checks["careless.exposure: auth"][1]
    assert checks["careless.exposure: allow-lists"] == (
        False,
        "catch-all pattern(s) * expose every task, internal ones too",
    )
    assert checks["careless.exposure: body limit"][0] is False
    assert checks["external I/O resilience"] == (
        False,
        "external I/O tasks without resilience middleware: "
        "careless.tasks.fetch (no timeout, circuit_breaker)",
    )
    assert checks["log redaction"][0] is False
    assert checks["health checks"][0] is False
    assert checks["metrics"][0] is False


def test_a_careful_app_passes() -> None:
    checks = _checks("examples.distributed.billing:app")
    assert all(passed for passed, _ in checks.values()), checks


def test_literal_credentials_and_open_probes_fail_with_the_fix() -> None:
    checks = _checks("tests.fixtures.apps.literal_tokens:app")
    assert checks["literal.exposure: auth"][0] is True
    assert checks["literal.exposure: secrets"] == (
        False,
        "tokens are hard-coded in the definitions: anyone with the code holds a live credential",
    )
    assert checks["tunnel secrets"] == (
        False,
        "token hard-coded in the definitions of literal.tunnels.upstream",
    )
    assert checks["literal.exposure: probes"][0] is False
    text = render(doctor(load_app("tests.fixtures.apps.literal_tokens:app", REPO)))
    assert "fix: Remove tokens=...; read them with tokens_env instead." in text


def test_the_report_is_a_table_with_fixes() -> None:
    text = render(doctor(load_app("tests.fixtures.apps.careless:app", REPO)))
    assert "FAIL    no resource declares a health check" in text
    assert "fix: Register globals.resources.metrics in the root resource." in text
    assert text.rstrip().endswith("passed, 7 failed")


def test_strict_exits_non_zero_only_when_something_fails() -> None:
    def run(spec: str, *flags: str) -> int:
        command = [sys.executable, "-m", "runner_gen.cli", "doctor", spec, *flags]
        return subprocess.run(command, cwd=REPO, capture_output=True, check=False).returncode

    assert run("tests.fixtures.apps.careless:app") == 0
    assert run("tests.fixtures.apps.careless:app", "--strict") == 1
    assert run("examples.distributed.billing:app", "--strict") == 0
    assert run("tests.fixtures.apps.literal_tokens:app", "--strict") == 1
    assert run("tests.fixtures.bad.cycle:app") == 1
