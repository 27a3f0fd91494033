"""examples/mounted: the catalog adopted by a FastAPI and a Starlette app, run as a user runs it:
the demo script, and the FastAPI app under the plain ``uvicorn`` command."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import httpx
import pytest

from tests.support.build import REPO

TOKEN = "catalog-test-token-0123456789"


@pytest.mark.parametrize("host", ["fastapi", "starlette"])
def test_the_demo_serves_routes_and_the_mounted_exposure_then_drains(host: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "examples.mounted", host],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "CATALOG_TOKEN": TOKEN},
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"{host} app listening at http://127.0.0.1:")
    assert lines[1] == 'POST /quotes -> 200 {"sku":"book","quantity":2,"total_cents":2500}'
    assert lines[2] == "POST /quotes (lamp) -> 404"
    assert lines[3] == "rpc quote: 5 x pen = 995"
    assert lines[4] == "rpc refused: unknown SKU 'lamp' (HTTP 404)"
    assert lines[5] == "stopped: requests drained, then the catalog was disposed"
    assert "examples.mounted: catalog closed" in result.stderr.splitlines()


def _uvicorn(env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [
            sys.executable, "-m", "uvicorn", "examples.mounted.fastapi_app:api",
            "--port", "0", "--log-level", "info",
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )  # fmt: skip


def test_plain_uvicorn_refuses_to_start_without_the_token() -> None:
    env = {k: v for k, v in os.environ.items() if k != "CATALOG_TOKEN"}
    process = _uvicorn(env)
    output, _ = process.communicate(timeout=60)
    assert process.returncode == 3  # uvicorn's exit code for a failed lifespan startup
    assert "CATALOG_TOKEN is unset" in output
    assert "Application startup failed. Exiting." in output


def test_plain_uvicorn_serves_the_app_and_disposes_it_on_sigterm() -> None:
    process = _uvicorn({**os.environ, "CATALOG_TOKEN": TOKEN, "PYTHONUNBUFFERED": "1"})
    lines: list[str] = []
    try:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line)
            if "Uvicorn running on" in line:
                break
        url = lines[-1].split("running on ")[1].split()[0]
        answer = httpx.post(
            f"{url}/rpc/task/catalog.tasks.quote",
            json={"input": {"sku": "pen", "quantity": 2}},
            headers={"x-runner-token": TOKEN},
        )
        assert answer.json() == {
            "ok": True,
            "result": {"sku": "pen", "quantity": 2, "total_cents": 398},
        }
        assert httpx.get(f"{url}/prices").json() == {"book": 1250, "pen": 199}
        process.send_signal(signal.SIGTERM)
        rest, _ = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    # uvicorn re-raises the signal once its graceful shutdown is done.
    assert process.returncode == -signal.SIGTERM
    output = "".join(lines) + rest
    assert "Application startup complete." in output
    assert output.index("Waiting for application shutdown.") < output.index(
        "Application shutdown complete."
    )
