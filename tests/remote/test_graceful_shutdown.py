"""SIGTERM while requests are in flight: they finish, new connections are refused, resources are
disposed in order, and the exit code says whether disposal went well."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from runner_gen.generator.build import write
from tests.support.build import REPO, generate_files

SPEC = "tests.fixtures.remote.shutdown_app:app"
SCRIPT = Path(__file__).parent / "scripts" / "serve.py"
HEADERS = {"x-runner-token": "t0ken"}


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    root = tmp_path_factory.mktemp("shutdown")
    output = generate_files(SPEC)
    output.package_dir = root / output.spec.package
    write([output])
    return root, output.spec.package


@contextmanager
def serving(package: tuple[Path, str], **env: str) -> Iterator[tuple[subprocess.Popen[str], str]]:
    root, name = package
    with subprocess.Popen(
        [sys.executable, str(SCRIPT), name],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": f"{root}{os.pathsep}{REPO}", **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    ) as process:
        try:
            assert process.stdout is not None
            lines: list[str] = []
            while True:
                line = process.stdout.readline()
                assert line, f"server exited early: {''.join(lines)}"
                lines.append(line)
                if line.startswith("listening "):
                    yield process, line.split(" ", 1)[1].strip()
                    return
        finally:
            if process.poll() is None:
                process.kill()
            process.wait(timeout=10)


def _call(url: str, task: str, seconds: float, results: list[httpx.Response]) -> None:
    with httpx.Client(base_url=url, headers=HEADERS, timeout=30) as http:
        results.append(http.post(f"/task/{task}", json={"input": seconds}))


def _wait_for(process: subprocess.Popen[str], text: str) -> list[str]:
    assert process.stdout is not None
    seen: list[str] = []
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        seen.append(line.strip())
        if text in line:
            return seen
    raise AssertionError(f"never saw {text!r}; saw {seen}")


def _connection_refused(url: str) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "", parts.port or 0), timeout=2):
            return False
    except ConnectionRefusedError:
        return True


def test_sigterm_lets_in_flight_requests_finish_then_disposes_in_order(
    package: tuple[Path, str],
) -> None:
    with serving(package) as (process, url):
        results: list[httpx.Response] = []
        caller = threading.Thread(target=_call, args=(url, "sd.tasks.slow", 1.5, results))
        caller.start()
        _wait_for(process, "slow started")
        process.send_signal(signal.SIGTERM)
        # New connections are refused as soon as the stop begins, long before the 1.5 s request
        # ends (polled, so a loaded machine cannot make this flaky).
        deadline = time.monotonic() + 0.8
        while not _connection_refused(url) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert _connection_refused(url)
        assert caller.is_alive()  # ...while the in-flight request is still running
        caller.join(timeout=15)
        [response] = results
        assert response.status_code == 200
        # the in-flight call saw its dependency still open: disposal waited for it
        assert response.json()["result"] == "slept 1.5 with the database open"
        rest = _wait_for(process, "exit ")
        assert rest[-2:] == ["dispose database", "exit 0"]
        assert process.wait(timeout=10) == 0


def test_a_failing_dispose_makes_the_exit_code_non_zero(package: tuple[Path, str]) -> None:
    with serving(package, FAIL_DISPOSE="1") as (process, _):
        process.send_signal(signal.SIGTERM)
        assert _wait_for(process, "exit ")[-1] == "exit 1"
        assert process.wait(timeout=10) == 1


def test_a_task_that_ignores_cancellation_is_cut_off_at_the_drain_budget(
    package: tuple[Path, str],
) -> None:
    with serving(package) as (process, url):
        results: list[httpx.Response] = []
        caller = threading.Thread(target=_call, args=(url, "sd.tasks.stubborn", 30.0, results))
        caller.start()
        _wait_for(process, "stubborn started")
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=20) == 0
        elapsed = time.monotonic() - started
        caller.join(timeout=15)
        assert elapsed < 10, f"shutdown took {elapsed:.1f} s against a 3 s drain budget"
        assert results[0].status_code == 503
        assert results[0].json()["error"]["code"] == "UNAVAILABLE"
