"""The servers the exposure could run on, side by side, serving the real exposure.

Run: ``.venv/bin/python -m benchmarks.servers`` (needs ``wrk``; granian and hypercorn are
measured when importable, e.g. ``pip install --target /tmp/servers granian hypercorn`` and
``PYTHONPATH=/tmp/servers``). Not part of ``python -m benchmarks``: it is the evaluation behind
the choice of server (docs/open-internet.md), kept so it can be repeated, and it has no target.

- ``guarded``: the exposure's server (uvicorn + httptools behind ``guard.py``);
- ``uvicorn``: plain uvicorn + httptools, as before the guard;
- ``granian``: granian's embeddable asyncio server (Rust HTTP), header timeout 10 s;
- ``hypercorn``: hypercorn on asyncio (h11), read timeout 10 s.

Throughput is the median of interleaved rounds, as requests/s and requests per server
CPU-second (steadier on a shared machine). Then each server meets the attacks: 300 slowloris
connections (are they closed, and is a normal request served meanwhile?), an idle connection,
a 1 MiB header and 10,000 headers.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import importlib.util
import os
import select
import socket
import statistics
import subprocess
import sys
import time
from typing import Any

from benchmarks.exposure import (
    BODY,
    PATH,
    TOKEN,
    _cpu_seconds,
    _start_process,
    _wrk_script,
    exposure_app,
)

SERVERS = ("guarded", "uvicorn", "granian", "hypercorn")
ROUNDS = 3
SECONDS = 4


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


async def _wait_listening(port: int) -> None:
    for _ in range(400):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            return
        except OSError:
            await asyncio.sleep(0.05)
    raise RuntimeError(f"nothing listens on {port}")


def serve(kind: str) -> None:
    """Child process: serve the exposure with ``kind``, print the port, run until killed."""

    async def run() -> None:
        app = exposure_app()
        if kind == "guarded":
            from runner_gen.runtime.exposure import serve_exposure

            running = await serve_exposure(app, app.config)
            print(running.port, flush=True)
            await asyncio.Event().wait()
        port = _free_port()
        if kind == "uvicorn":
            import uvicorn

            config = uvicorn.Config(
                app, port=port, http="httptools", lifespan="off", ws="none",
                log_config=None, access_log=False, server_header=False,
            )  # fmt: skip
            serving = asyncio.ensure_future(uvicorn.Server(config).serve())
        elif kind == "granian":
            embed: Any = importlib.import_module("granian.server.embed")
            constants: Any = importlib.import_module("granian.constants")
            http: Any = importlib.import_module("granian.http")
            server = embed.Server(
                app, address="127.0.0.1", port=port, interface=constants.Interfaces.ASGINL,
                runtime_threads=1, http="1", websockets=False, log_enabled=False, backlog=2048,
                http1_settings=http.HTTP1Settings(header_read_timeout=10_000),
            )  # fmt: skip
            serving = asyncio.ensure_future(server.serve())
        else:
            hypercorn: Any = importlib.import_module("hypercorn.asyncio")
            hconfig: Any = importlib.import_module("hypercorn.config").Config()
            hconfig.bind = [f"127.0.0.1:{port}"]
            hconfig.accesslog = hconfig.errorlog = None
            hconfig.read_timeout = 10
            serving = asyncio.ensure_future(
                hypercorn.serve(app, hconfig, shutdown_trigger=asyncio.Event().wait)
            )
        await _wait_listening(port)
        print(port, flush=True)
        await serving

    asyncio.run(run())


def _available(kind: str) -> bool:
    return kind in ("guarded", "uvicorn") or importlib.util.find_spec(kind) is not None


def _throughput(kind: str, script: str) -> tuple[float, float]:
    process, port = _start_process(["benchmarks.servers", "--serve", kind])
    try:
        before = _cpu_seconds(process.pid)
        out = subprocess.run(
            ["wrk", "-t1", "-c64", f"-d{SECONDS}s", "-s", script, f"http://127.0.0.1:{port}{PATH}"],
            capture_output=True, text=True, check=True, timeout=SECONDS + 30,
        ).stdout  # fmt: skip
        cpu = _cpu_seconds(process.pid) - before
    finally:
        process.kill()
        process.wait()
    total = int(out.split(" requests in")[0].split()[-1])
    return total / SECONDS, total / cpu


def _status(port: int, raw: bytes) -> str:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        try:
            connection.sendall(raw)
            line = connection.recv(200).split(b"\r\n", 1)[0].decode(errors="replace")
        except OSError as error:
            return type(error).__name__
    return " ".join(line.split()[1:2]) or "closed"


def _attacks(kind: str) -> dict[str, str]:
    process, port = _start_process(["benchmarks.servers", "--serve", kind])
    good = (
        f"POST {PATH} HTTP/1.1\r\nhost: x\r\nx-runner-token: {TOKEN}\r\n"
        f"content-length: {len(BODY)}\r\n\r\n"
    ).encode() + BODY
    found: dict[str, str] = {}
    try:
        slow = [socket.create_connection(("127.0.0.1", port)) for _ in range(300)]
        for connection in slow:
            connection.sendall(f"POST {PATH} HTTP/1.1\r\nhost: x\r\n".encode())
        idle = socket.create_connection(("127.0.0.1", port))
        started = time.monotonic()
        found["served during"] = _status(port, good)
        open_ = list(slow)
        while open_ and time.monotonic() - started < 20:
            readable, _, _ = select.select(open_, [], [], 0.5)
            for connection in readable:
                open_.remove(connection)
        closed = len(slow) - len(open_)
        found["slowloris closed"] = f"{closed}/300" + (
            f" by {time.monotonic() - started:.0f} s" if not open_ else " in 20 s"
        )
        found["idle closed"] = "yes" if select.select([idle], [], [], 5)[0] else "no"
        for connection in [*slow, idle]:
            connection.close()
        big = f"POST {PATH} HTTP/1.1\r\nhost: x\r\nx-big: {'a' * (1 << 20)}\r\n\r\n".encode()
        many = (f"POST {PATH} HTTP/1.1\r\nhost: x\r\n" + "x-h: v\r\n" * 10_000 + "\r\n").encode()
        found["1 MiB header"] = _status(port, big)
        found["10k headers"] = _status(port, many)
    finally:
        process.kill()
        process.wait()
    return found


def main() -> int:
    kinds = [kind for kind in SERVERS if _available(kind)]
    script = _wrk_script()
    rates: dict[str, list[tuple[float, float]]] = {kind: [] for kind in kinds}
    try:
        for _ in range(ROUNDS):
            for kind in kinds:
                rates[kind].append(_throughput(kind, script))
    finally:
        os.unlink(script)
    print(f"real exposure, wrk -t1 -c64, {SECONDS} s, median of {ROUNDS} interleaved rounds")
    for kind in kinds:
        per_s = statistics.median(rate for rate, _ in rates[kind])
        per_cpu = statistics.median(cpu for _, cpu in rates[kind])
        found = _attacks(kind)
        print(f"  {kind:<10} {per_s:>7.0f} req/s {per_cpu:>7.0f} req/CPU-s  {found}")
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--serve", choices=SERVERS)
    arguments = parser.parse_args()
    if arguments.serve:
        serve(arguments.serve)
    else:
        with contextlib.suppress(KeyboardInterrupt):
            raise SystemExit(main())
    sys.exit(0)
