"""The exposure in its own process, watched from outside: what it writes when secrets pass
through it, and how it survives running out of file descriptors."""

from __future__ import annotations

import contextlib
import os
import resource
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.support.build import REPO

SCRIPT = Path(__file__).parent / "scripts" / "edge_server.py"
TOKEN = "edge-configured-token-7c1f02"


@dataclass
class Served:
    port: int
    output: list[str]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/__runner"


@contextlib.contextmanager
def edge_server(scenario: str, *, fd_limit: int | None = None, **env: str) -> Iterator[Served]:
    """Run the script; on exit, SIGTERM it and collect all it wrote (stdout and stderr)."""

    def limit_fds() -> None:
        if fd_limit is not None:
            resource.setrlimit(resource.RLIMIT_NOFILE, (fd_limit, fd_limit))

    with subprocess.Popen(
        [sys.executable, str(SCRIPT), scenario],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO), "EDGE_TOKEN": TOKEN, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        preexec_fn=limit_fds,
    ) as process:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert first.startswith("listening "), first + process.stdout.read()
        served = Served(int(first.split()[1]), [first])
        try:
            yield served
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                rest, _ = process.communicate(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                rest, _ = process.communicate()
            served.output.append(rest)


CANARIES = {
    "body": "cnry-body-5f2a9c7e1d",
    "redis": "cnry-redis-0b8e44aa21",
    "bearer": "cnry-bearer-9d7c3b2a10",
    "wrong_token": "cnry-wrongtoken-61e0f7",
    "cookie": "cnry-cookie-4a4a1c9e",
    "query": "cnry-query-77d2ab3c5e",
    "jwt": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJjbnJ5LWp3dCJ9.c2lnbmF0dXJlLWNucnk",
}


def test_no_secret_reaches_the_output_of_a_served_process() -> None:
    with edge_server("canary", EDGE_REDIS_PASSWORD=CANARIES["redis"]) as served:
        with httpx.Client(base_url=served.url, timeout=10) as client:
            authorized = {"x-runner-token": TOKEN}
            leaked = client.post(
                "/task/edge.leak",
                json={"input": {"password": CANARIES["body"], "note": "hello"}},
                headers=authorized,
            )
            refused = client.post(
                f"/task/edge.echo?api_key={CANARIES['query']}",
                json={"input": 1},
                headers={
                    "x-runner-token": CANARIES["wrong_token"],
                    "authorization": f"Bearer {CANARIES['bearer']}",
                    "cookie": f"session={CANARIES['cookie']}",
                    "x-forwarded-jwt": CANARIES["jwt"],
                },
            )
            unencodable = client.post("/task/edge.unencodable", json={}, headers=authorized)
        with socket.create_connection(("127.0.0.1", served.port), timeout=10) as raw:
            raw.sendall(b"GARBAGE " + CANARIES["query"].encode() + b"\r\n\r\n")
            bad_request_line = raw.recv(200)
    output = "".join(served.output)
    # What the client saw: envelopes, and nothing of the detail.
    assert (leaked.status_code, refused.status_code, unencodable.status_code) == (500, 401, 500)
    assert bad_request_line.startswith(b"HTTP/1.1 400 ")
    for response in (leaked, refused, unencodable):
        assert all(canary not in response.text for canary in CANARIES.values())
    # What the process wrote: the failures were logged, with their tracebacks, redacted...
    assert "exposure.task.error: edge.leak failed" in output
    assert "exposure.task.error: edge.unencodable failed" in output
    assert "exposure.auth.verifier_error" in output
    assert "PermissionError" in output
    assert "RuntimeError: could not store" in output
    assert "[REDACTED]" in output
    # ...and no canary anywhere, nor the configured token itself.
    leaks = {name for name, canary in CANARIES.items() if canary in output}
    assert leaks == set(), output
    assert TOKEN not in output


def _open_slow_connections(port: int, count: int) -> list[socket.socket]:
    slow = []
    for _ in range(count):
        connection = socket.socket()
        connection.setblocking(False)
        with contextlib.suppress(BlockingIOError):
            connection.connect(("127.0.0.1", port))
        slow.append(connection)
    for connection in slow:
        with contextlib.suppress(OSError):
            connection.setblocking(True)
            connection.settimeout(0.2)
            connection.sendall(b"POST /__runner/task/edge.echo HTTP/1.1\r\nhost: x\r\n")
    return slow


def _served_again(url: str, deadline_s: float = 30.0) -> httpx.Response:
    """Poll until a normal request is answered 200 (connections shed meanwhile are retried)."""
    end = time.monotonic() + deadline_s
    last: object = None
    while time.monotonic() < end:
        try:
            response = httpx.post(
                f"{url}/task/edge.echo",
                json={"input": "still here"},
                headers={"x-runner-token": TOKEN},
                timeout=5,
            )
            if response.status_code == 200:
                return response
            last = response.status_code
        except httpx.TransportError as error:
            last = error
        time.sleep(0.05)
    pytest.fail(f"the service did not recover within {deadline_s} s (last: {last!r})")


@pytest.mark.parametrize(
    "max_connections",
    [None, "100000"],
    ids=["derived-connection-cap", "cap-above-fd-limit"],
)
def test_a_connection_flood_past_the_fd_limit_is_survived_with_a_quiet_log(
    max_connections: str | None,
) -> None:
    env = {"EDGE_HEADER_TIMEOUT": "1"}
    if max_connections is not None:
        env["EDGE_MAX_CONNECTIONS"] = max_connections  # accept() itself runs out of fds
    with edge_server("plain", fd_limit=128, **env) as served:
        slow = _open_slow_connections(served.port, 400)
        try:
            recovered = _served_again(served.url)
        finally:
            for connection in slow:
                connection.close()
    assert recovered.json() == {"ok": True, "result": "still here"}
    output = "".join(served.output)
    assert "Traceback" not in output
    assert "out of system resource" not in output
    assert len(output) < 20_000, output[:3000]
    expected = "connection_limit" if max_connections is None else "fd_exhausted"
    assert f"exposure.server.{expected}" in output
    assert output.count(f"exposure.server.{expected}") <= 5
