"""Throughput and latency of the exposure against a bare ASGI app and FastAPI, served alike.

Each app runs in its own process under the exposure's server (``serve_asgi``: uvicorn with
httptools behind the guard, no access log, no lifespan); ``wrk -t1 -c64`` loads it. The kinds are
measured in interleaved rounds (one fresh process per run) so machine load affects them alike.

Throughput is gated on **requests per second of the server's CPU time**: on a machine shared with
other work, requests/s swings by 3x between runs of the same server, while CPU cost per request
is steady, and a CPU-bound server on a core of its own serves exactly that many requests/s.
Requests/s ratios are printed too. Each ratio is taken within a round, then the median of the
rounds is compared with the target; the spread (min, max) is printed beside it.

- Subject: ``ExposureApp`` with a token, a pydantic-validated task, Runner's envelope.
- Baseline 1: a bare ASGI app doing the same read/decode/validate/call/encode and nothing else
  (no auth, no request id, no limits, no security headers). Target: >= 0.9 of its throughput.
- Baseline 2: the same endpoint written the FastAPI way (body model, header dependency).
  Target: >= 2x its throughput.
Plus the in-process cost of one request through each ASGI app (no network), and round-trip
p50/p99 under the wrk load and for one httpx client calling sequentially. Exits 1 when a target
is missed (or wrk is missing: ``apt-get install wrk``).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
from pydantic import BaseModel, TypeAdapter

from benchmarks._harness import compare_async, report
from runner_gen.runtime import serializer
from runner_gen.runtime.exposure import (
    ExposureApp,
    ExposureConfig,
    TaskRoute,
    serve_asgi,
    serve_exposure,
)

TOKEN = "bench-token"
PATH = "/__runner/task/app.tasks.add"
BODY = b'{"input":{"a":1,"b":2}}'
EXPECTED = b'{"ok":true,"result":{"sum":3}}'
CONNECTIONS = 64
SECONDS = 4
ROUNDS = 7
KINDS = ("exposure", "bare", "fastapi")


class AddInput(BaseModel):
    a: int
    b: int


class AddResult(BaseModel):
    sum: int


class Envelope(BaseModel):
    input: AddInput


async def add(value: AddInput) -> AddResult:
    return AddResult(sum=value.a + value.b)


_validate = TypeAdapter(AddInput).validate_python


def _dump(result: AddResult) -> dict[str, Any]:
    return result.model_dump()


# ------------------------------------------------------------------------------------ the apps


def exposure_app() -> ExposureApp:
    config = ExposureConfig(tokens=(TOKEN,))
    route = TaskRoute(id="app.tasks.add", call=add, decode_input=_validate, encode_result=_dump)
    return ExposureApp(config, {route.id: route}, {})


async def bare_app(scope: Any, receive: Any, send: Any) -> None:
    """The work the exposure must do anyway, with none of its guards."""
    if scope["type"] != "http":
        return
    chunks = []
    more = True
    while more:
        message = await receive()
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False)
    document: Any = serializer.loads(b"".join(chunks))
    result = await add(_validate(document["input"]))
    body = b'{"ok":true,"result":' + serializer.dumps(_dump(result)) + b"}"
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def fastapi_app() -> Any:
    from fastapi import FastAPI, Header, HTTPException

    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)

    @app.post(PATH)
    async def run_add(envelope: Envelope, x_runner_token: str = Header()) -> dict[str, Any]:
        if x_runner_token != TOKEN:
            raise HTTPException(status_code=401)
        return {"ok": True, "result": _dump(await add(envelope.input))}

    return app


# ---------------------------------------------------------------------------------- the server


def serve(kind: str) -> None:
    """Child process: serve one app on a free port, print the port, run until killed.

    Every kind runs under the exposure's own server (uvicorn + httptools behind the guard), so
    the ratios compare the apps, not the servers.
    """

    async def run() -> None:
        if kind == "exposure":
            app = exposure_app()
            running = await serve_exposure(app, app.config)
        else:
            # The app itself, no wrapper: serve_asgi only needs a ``stopping`` attribute on it.
            served: Any = bare_app if kind == "bare" else fastapi_app()
            served.stopping = False
            running = await serve_asgi(served, host="127.0.0.1", port=0, drain_budget=1)
        print(running.port, flush=True)
        await asyncio.Event().wait()

    asyncio.run(run())


@dataclass
class Load:
    requests_per_s: float
    #: Requests served per second of the server process's CPU time: the throughput the app
    #: would reach on a core of its own, and far steadier than requests/s on a shared machine.
    requests_per_cpu_s: float
    p50_ms: float
    p99_ms: float


def _start_process(arguments: list[str]) -> tuple[subprocess.Popen[str], int]:
    """``python -m <arguments>`` serving on the port it prints; checked with one request."""
    process = subprocess.Popen(
        [sys.executable, "-m", *arguments],
        stdout=subprocess.PIPE,
        text=True,
        env={
            **os.environ,
            "PYTHONPATH": os.pathsep.join([os.getcwd(), os.environ.get("PYTHONPATH", "")]),
        },
    )
    assert process.stdout is not None
    port = int(process.stdout.readline())
    response = httpx.post(
        f"http://127.0.0.1:{port}{PATH}",
        content=BODY,
        headers={"x-runner-token": TOKEN, "content-type": "application/json"},
    )
    if response.status_code != 200 or response.json() != {"ok": True, "result": {"sum": 3}}:
        process.kill()
        raise RuntimeError(f"{arguments} answered {response.status_code} {response.content!r}")
    return process, port


def _start(kind: str) -> tuple[subprocess.Popen[str], int]:
    return _start_process(["benchmarks.exposure", "--serve", kind])


def _wrk_script() -> str:
    """A temporary wrk script posting the benchmark request; the caller deletes it."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(_WRK_SCRIPT)
    return script.name


_WRK_SCRIPT = f"""
wrk.method = "POST"
wrk.body = '{BODY.decode()}'
wrk.headers["content-type"] = "application/json"
wrk.headers["x-runner-token"] = "{TOKEN}"
"""

_UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux ``/proc``)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _wrk(process: subprocess.Popen[str], port: int, script: str) -> Load:
    cpu_before = _cpu_seconds(process.pid)
    out = subprocess.run(
        [
            "wrk",
            "-t1",
            f"-c{CONNECTIONS}",
            f"-d{SECONDS}s",
            "--latency",
            "-s",
            script,
            f"http://127.0.0.1:{port}{PATH}",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=SECONDS + 30,
    ).stdout
    cpu = _cpu_seconds(process.pid) - cpu_before
    if "Non-2xx" in out:
        raise RuntimeError(f"wrk saw errors:\n{out}")

    def percentile(label: str) -> float:
        match = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.MULTILINE)
        assert match, out
        return float(match.group(1)) * _UNIT_MS[match.group(2)]

    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    total = re.search(r"(\d+) requests in", out)
    assert rps, out
    assert total, out
    per_cpu = int(total.group(1)) / cpu if cpu > 0 else float("inf")
    return Load(float(rps.group(1)), per_cpu, percentile("50"), percentile("99"))


def _round_trips(port: int, count: int = 300) -> tuple[float, float]:
    """p50/p99 in ms of one httpx client calling sequentially over one kept-alive connection."""
    url = f"http://127.0.0.1:{port}{PATH}"
    headers = {"x-runner-token": TOKEN, "content-type": "application/json"}
    with httpx.Client(headers=headers) as client:
        timings = []
        for _ in range(count):
            start = time.perf_counter()
            client.post(url, content=BODY).raise_for_status()
            timings.append((time.perf_counter() - start) * 1000)
    timings.sort()
    return timings[count // 2], timings[int(count * 0.99)]


def measure_servers() -> dict[str, list[Load]]:
    """ROUNDS interleaved runs of every kind (one fresh server process per run)."""
    runs: dict[str, list[Load]] = {kind: [] for kind in KINDS}
    script = _wrk_script()
    try:
        for _ in range(ROUNDS):
            for kind in KINDS:
                process, port = _start(kind)
                try:
                    runs[kind].append(_wrk(process, port, script))
                finally:
                    process.kill()
                    process.wait()
    finally:
        os.unlink(script)
    return runs


# ------------------------------------------------------------------------------ in-process path


def _asgi_call(app: Callable[..., Any]) -> Callable[[], Any]:
    scope = {
        "type": "http",
        "method": "POST",
        "path": PATH,
        "headers": [
            (b"host", b"127.0.0.1"),
            (b"content-type", b"application/json"),
            (b"content-length", b"%d" % len(BODY)),
            (b"x-runner-token", TOKEN.encode()),
        ],
    }
    request = {"type": "http.request", "body": BODY, "more_body": False}

    async def receive() -> dict[str, Any]:
        return request

    async def send(message: Any) -> None:
        pass

    async def call() -> None:
        await app(scope, receive, send)

    return call


def _spread(values: list[float]) -> str:
    return f"median {statistics.median(values):.2f} (min {min(values):.2f}, max {max(values):.2f})"


def main() -> int:
    if shutil.which("wrk") is None:
        print("wrk is not installed (Debian: apt-get install wrk); the server ratios need it")
        return 1
    in_process = compare_async(
        "in-process request: ExposureApp vs bare ASGI (ns/request)",
        _asgi_call(exposure_app()),
        _asgi_call(bare_app),
        # A regression guard: the exposure's own work (constant-time token check, request id,
        # body deadline, routing, security headers) must stay below the app's work itself.
        "<= 2",
        ops=5_000,
        rounds=5,
    )
    report([in_process])
    runs = measure_servers()
    # Ratios per round (the kinds of one round ran back to back under the same machine load).
    per_cpu = {kind: [load.requests_per_cpu_s for load in loads] for kind, loads in runs.items()}
    per_s = {kind: [load.requests_per_s for load in loads] for kind, loads in runs.items()}
    vs_bare = [e / b for e, b in zip(per_cpu["exposure"], per_cpu["bare"], strict=True)]
    vs_fastapi = [e / f for e, f in zip(per_cpu["exposure"], per_cpu["fastapi"], strict=True)]
    vs_bare_rps = [e / b for e, b in zip(per_s["exposure"], per_s["bare"], strict=True)]
    vs_fastapi_rps = [e / f for e, f in zip(per_s["exposure"], per_s["fastapi"], strict=True)]
    print(f"\nguarded uvicorn + httptools, load wrk -t1 -c{CONNECTIONS}, {SECONDS} s per run, ")
    print(f"{ROUNDS} interleaved rounds; throughput = requests per server CPU-second")
    for kind in KINDS:
        loads = runs[kind]
        print(
            f"  {kind:<9} {statistics.median(per_cpu[kind]):>8.0f} req/CPU-s"
            f"  {statistics.median(per_s[kind]):>8.0f} req/s"
            f"  p50 {statistics.median(load.p50_ms for load in loads):5.2f} ms"
            f"  p99 {statistics.median(load.p99_ms for load in loads):6.2f} ms"
        )
    trips = _one_client_round_trips()
    for kind, (p50, p99) in trips.items():
        print(f"  one client, {kind:<9} p50 {p50:5.2f} ms  p99 {p99:5.2f} ms")
    targets = [
        ("exposure / bare    (target >= 0.9)", vs_bare, 0.9),
        ("exposure / fastapi (target >= 2)  ", vs_fastapi, 2.0),
    ]
    print(f"  exposure / bare    req/s ratios: {_spread(vs_bare_rps)}")
    print(f"  exposure / fastapi req/s ratios: {_spread(vs_fastapi_rps)}")
    missed = not in_process.met()
    for label, ratios, target in targets:
        verdict = "ok" if statistics.median(ratios) >= target else "MISSED"
        missed |= verdict == "MISSED"
        print(f"  {label} {_spread(ratios)}  {verdict}")
    return 1 if missed else 0


def _one_client_round_trips() -> dict[str, tuple[float, float]]:
    trips = {}
    for kind in KINDS:
        process, port = _start(kind)
        try:
            trips[kind] = _round_trips(port)
        finally:
            process.kill()
            process.wait()
    return trips


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--serve", choices=KINDS)
    arguments = parser.parse_args()
    if arguments.serve:
        serve(arguments.serve)
    else:
        raise SystemExit(main())
