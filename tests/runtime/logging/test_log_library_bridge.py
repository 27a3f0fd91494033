"""Real library logs (uvicorn's access log, httpx's request log) through the stdlib bridge.

A real uvicorn server on 127.0.0.1:0 and a real httpx client; the request URL carries a token
in its query string, which both libraries log verbatim at INFO.
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import httpx
import uvicorn

from runner_gen.runtime.logging import LoggerConfig, RunnerLogHandler

from ._sinks import captured

TOKEN = "cnry-query-token-31337"

Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]


async def hello(scope: dict[str, Any], receive: Receive, send: Send) -> None:
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


@asynccontextmanager
async def serving() -> AsyncIterator[str]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()  # connections queue in the backlog until uvicorn accepts: no start race
    port = sock.getsockname()[1]
    config = uvicorn.Config(hello, lifespan="off", log_config=None, access_log=True)
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
        sock.close()


@contextmanager
def bridged(handler: logging.Handler, *names: str) -> Iterator[None]:
    loggers = [logging.getLogger(name) for name in names]
    saved = [(logger.level, logger.propagate) for logger in loggers]
    for logger in loggers:
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
    try:
        yield
    finally:
        for logger, (level, propagate) in zip(loggers, saved, strict=True):
            logger.removeHandler(handler)
            logger.setLevel(level)
            logger.propagate = propagate


async def test_library_request_logs_arrive_structured_and_redacted() -> None:
    log = captured(LoggerConfig(print_strategy="json", print_threshold="info"))

    with bridged(RunnerLogHandler(log.logger), "uvicorn.access", "httpx"):
        async with serving() as base_url, httpx.AsyncClient() as client:
            response = await client.get(f"{base_url}/orders?token={TOKEN}&page=2")
            assert response.status_code == 200

    printed = log.printed()
    assert TOKEN not in printed
    assert TOKEN not in repr(log.records)
    lines = [json.loads(line) for line in printed.splitlines()]
    sources = {line["source"] for line in lines}
    assert {"uvicorn.access", "httpx"} <= sources
    access = next(line for line in lines if line["source"] == "uvicorn.access")
    assert "token=[REDACTED]&page=2" in access["message"]
    request = next(line for line in lines if line["source"] == "httpx")
    assert "token=[REDACTED]" in request["message"]
    assert request["level"] == "info"
