"""What a generated client stub costs on top of the httpx call it makes.

Subject: ``AsyncTransport.task`` (serialize input, POST, check the envelope, deserialize the
result). Baseline: ``httpx.AsyncClient.post`` of the same pre-encoded bytes with the same
headers, reading the body. Measured twice: against a real uvicorn server in another process
(what users see) and against ``httpx.MockTransport`` (no network: the transport's own overhead,
magnified). Plus the serializer against the stdlib ``json`` it wraps.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime

import httpx

from benchmarks._harness import Ratio, compare_async, report
from runner_gen.runtime.client import AsyncTransport
from runner_gen.runtime.serializer import dumps, loads

TOKEN = "bench"
INPUT = {"a": 1, "b": 2, "label": "benchmark", "tags": ["x", "y"]}
RESPONSE = b'{"ok":true,"result":{"sum":3,"label":"benchmark"}}'
RICH = {"at": datetime(2024, 1, 1, tzinfo=UTC), "ids": {1, 2, 3}, "n": 2**60, "items": [INPUT] * 5}

_SERVER = f"""
import socket, sys, uvicorn
BODY = {RESPONSE!r}
async def app(scope, receive, send):
    more = True
    while more:
        message = await receive()
        more = message.get("more_body", False)
    await send({{"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json; charset=utf-8")]}})
    await send({{"type": "http.response.body", "body": BODY}})
# IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY only then; without it every response waits
# ~40 ms for a delayed ACK and the comparison measures nothing but that.
sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
sock.bind(("127.0.0.1", 0))
print(sock.getsockname()[1], flush=True)
uvicorn.Server(uvicorn.Config(app, log_level="critical", lifespan="off", ws="none",
                              access_log=False)).run(sockets=[sock])
"""


def _start_server() -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen([sys.executable, "-c", _SERVER], stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    port = int(process.stdout.readline())
    return process, f"http://127.0.0.1:{port}/__runner"


def _transport_vs_raw(
    name: str, base_url: str, mock: httpx.MockTransport | None, ops: int
) -> Ratio:
    def client() -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=mock) if mock is not None else httpx.AsyncClient()

    raw_http = client()
    # With a mock the transport must share a client; on the network it owns one, as stubs do.
    transport = (
        AsyncTransport(base_url, token=TOKEN, http=client())
        if mock is not None
        else AsyncTransport(base_url, token=TOKEN)
    )
    url = base_url + "/task/app.tasks.add"
    body = dumps({"input": INPUT})
    headers = {"content-type": "application/json; charset=utf-8", "x-runner-token": TOKEN}

    async def subject() -> object:
        return await transport.task("app.tasks.add", INPUT)

    async def baseline() -> object:
        response = await raw_http.post(url, content=body, headers=headers)
        return response.content

    return compare_async(name, subject, baseline, "<= 1.2", ops=ops, rounds=5)


def _codec_ratios() -> list[Ratio]:
    plain = json.dumps(INPUT).encode()

    async def dumps_plain() -> object:
        return dumps(INPUT)

    async def json_dumps_plain() -> object:
        return json.dumps(INPUT).encode()  # no options: the stdlib's cached, fastest encoder

    async def loads_plain() -> object:
        return loads(plain)

    async def json_loads_plain() -> object:
        return json.loads(plain)

    rich_wire = dumps(RICH)

    async def roundtrip_rich() -> object:
        return loads(dumps(RICH))

    async def json_roundtrip_same_size() -> object:
        return json.loads(rich_wire)  # the stdlib parse alone, no typed values

    return [
        compare_async(
            "serializer.dumps vs json.dumps (plain JSON input)",
            dumps_plain,
            json_dumps_plain,
            "<= 4",
            ops=20_000,
        ),
        compare_async(
            "serializer.loads vs json.loads (plain JSON input)",
            loads_plain,
            json_loads_plain,
            "<= 4",
            ops=20_000,
        ),
        compare_async(
            "serializer round trip (Date/Set/BigInt) vs json.loads",
            roundtrip_rich,
            json_roundtrip_same_size,
            "<= 15",
            ops=5_000,
        ),
    ]


def main() -> None:
    ratios = _codec_ratios()
    mock = httpx.MockTransport(lambda request: httpx.Response(200, content=RESPONSE))
    ratios.append(
        _transport_vs_raw(
            "AsyncTransport.task vs raw post (MockTransport, no network)",
            "http://bench.invalid/__runner",
            mock,
            ops=3_000,
        )
    )
    process, base_url = _start_server()
    try:
        ratios.append(
            _transport_vs_raw(
                "AsyncTransport.task vs raw post (uvicorn on loopback)", base_url, None, ops=500
            )
        )
    finally:
        process.terminate()
        process.wait(timeout=10)
    report(ratios)


if __name__ == "__main__":
    main()
