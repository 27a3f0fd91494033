"""Fail closed on configuration: an exposure never starts open or with a default credential."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from runner_gen.definitions.remote import ExposureConfigError, HttpExposureConfig
from runner_gen.generator.build import write
from runner_gen.runtime.context import AsyncContext
from runner_gen.runtime.exposure.principal import PrincipalAuth
from tests.support.build import REPO, generate_files

SCRIPT = Path(__file__).parent / "scripts" / "serve.py"


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    monkeypatch.delenv("EDGE_TOKENS", raising=False)
    monkeypatch.delenv("EDGE_PORT", raising=False)
    return monkeypatch


@pytest.mark.parametrize(
    "value", [None, "", "  ", ",, ,"], ids=["unset", "empty", "blank", "commas"]
)
def test_a_tokens_env_without_a_token_refuses_to_start_without_falling_back(
    environment: pytest.MonkeyPatch, value: str | None
) -> None:
    if value is not None:
        environment.setenv("EDGE_TOKENS", value)
    config = HttpExposureConfig(tokens=("hard-coded",), tokens_env="EDGE_TOKENS")
    with pytest.raises(ExposureConfigError, match=r"EDGE_TOKENS is (unset|empty)") as raised:
        config.runtime_config(())
    assert raised.value.id == "runner.errors.exposure.config"
    assert "EDGE_TOKENS" in (raised.value.remediation or "")


def test_tokens_come_from_the_variable_only(environment: pytest.MonkeyPatch) -> None:
    environment.setenv("EDGE_TOKENS", " one-token , two-token ,")
    config = HttpExposureConfig(tokens=("hard-coded",), tokens_env="EDGE_TOKENS")
    assert config.runtime_config(()).tokens == ("one-token", "two-token")


def test_no_credentials_at_all_refuse_to_start_unless_deliberately_anonymous() -> None:
    with pytest.raises(ExposureConfigError, match="no credentials"):
        HttpExposureConfig().runtime_config(())
    assert HttpExposureConfig(allow_anonymous=True).runtime_config(()).allow_anonymous

    async def nobody(token: str) -> str | None:
        return None

    principal = PrincipalAuth(context=AsyncContext[str]("ctx"), verify=nobody)
    assert HttpExposureConfig(principal=principal).runtime_config(()).principal is principal


@pytest.mark.parametrize("value", ["http", "-1", "70000"])
def test_a_port_variable_that_is_not_a_port_is_a_typed_error(
    environment: pytest.MonkeyPatch, value: str
) -> None:
    environment.setenv("EDGE_PORT", value)
    config = HttpExposureConfig(tokens=("t0ken-1",), port_env="EDGE_PORT")
    with pytest.raises(ExposureConfigError, match="EDGE_PORT"):
        config.runtime_config(())


def test_every_setting_reaches_the_server_config(environment: pytest.MonkeyPatch) -> None:
    environment.setenv("EDGE_PORT", "8123")
    config = HttpExposureConfig(
        tokens=("t0ken-1",),
        port_env="EDGE_PORT",
        cors_allow_origin=("https://app.example",),
        body_timeout=5.0,
        strict_input=("app.tasks.*",),
        probes_require_token=False,
        admin_port=9100,
        health_cache_seconds=2.5,
        header_timeout=3.0,
        keep_alive_timeout=2.0,
        max_header_bytes=8192,
        max_headers=50,
        max_connections=500,
    ).runtime_config(())
    assert (config.port, config.admin_port, config.cors_allow_origin) == (
        8123,
        9100,
        ("https://app.example",),
    )
    assert (config.body_timeout, config.strict_input, config.probes_require_token) == (
        5.0,
        ("app.tasks.*",),
        False,
    )
    limits = config.server_limits
    assert (limits.header_timeout, limits.keep_alive_timeout) == (3.0, 2.0)
    assert (limits.max_header_bytes, limits.max_headers, limits.max_connections) == (8192, 50, 500)
    assert config.health_cache_seconds == 2.5


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    root = tmp_path_factory.mktemp("envtok")
    output = generate_files("tests.fixtures.remote.env_token_app:app")
    output.package_dir = root / output.spec.package
    write([output])
    return root, output.spec.package


def _run(package: tuple[Path, str], **env: str) -> subprocess.Popen[str]:
    root, name = package
    clean = {key: value for key, value in os.environ.items() if key != "EDGE_APP_TOKEN"}
    return subprocess.Popen(
        [sys.executable, str(SCRIPT), name],
        cwd=REPO,
        env={**clean, "PYTHONPATH": f"{root}{os.pathsep}{REPO}", **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.parametrize("env", [{}, {"EDGE_APP_TOKEN": ""}], ids=["unset", "empty"])
def test_main_exits_1_naming_the_variable_when_the_token_is_missing(
    package: tuple[Path, str], env: dict[str, str]
) -> None:
    process = _run(package, **env)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 1
    assert "listening" not in out
    assert "ExposureConfigError" in err
    assert "EDGE_APP_TOKEN is" in err


def test_main_serves_with_the_token_from_the_environment(package: tuple[Path, str]) -> None:
    process = _run(package, EDGE_APP_TOKEN="from-the-env-42")
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("listening "), line
        url = line.split(" ", 1)[1].strip()
        ok = httpx.post(
            f"{url}/task/envtok.tasks.ping", headers={"x-runner-token": "from-the-env-42"}
        )
        refused = httpx.post(f"{url}/task/envtok.tasks.ping", headers={"x-runner-token": "x"})
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=60)
    assert (ok.status_code, ok.json()) == (200, {"ok": True, "result": "pong"})
    assert refused.status_code == 401
    assert process.returncode == 0
