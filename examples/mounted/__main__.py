"""`python -m examples.mounted [fastapi|starlette]`: serve the host app (default: FastAPI) on a
free port with the catalog started by its lifespan, call a route and the mounted exposure, then
stop: requests drain first, the catalog is disposed last.

`python -m examples.mounted serve [PORT]` serves the FastAPI app until Ctrl+C instead; any ASGI
server works as well (`uvicorn examples.mounted.fastapi_app:api`).
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import sys
from functools import partial

import httpx

from examples.mounted.generated.client import AsyncClient
from examples.mounted.models import QuoteRequest, unknown_sku
from runner_gen.asgi import HostedServer, serve_app
from runner_gen.runtime.main import run_main


def host_app(name: str) -> object:
    if name == "starlette":
        from examples.mounted.starlette_app import api as starlette_api

        return starlette_api
    from examples.mounted.fastapi_app import api

    return api


async def demo(name: str) -> None:
    server = await serve_app(host_app(name), drain_budget=5.0)
    print(f"{name} app listening at {server.url}")
    try:
        async with httpx.AsyncClient(base_url=server.url) as http:
            answer = await http.post("/quotes", json={"sku": "book", "quantity": 2})
            print(f"POST /quotes -> {answer.status_code} {answer.text}")
            answer = await http.post("/quotes", json={"sku": "lamp", "quantity": 1})
            print(f"POST /quotes (lamp) -> {answer.status_code}")
        rpc = AsyncClient(f"{server.url}/rpc", token=os.environ["CATALOG_TOKEN"])
        try:
            quote = await rpc.quote(QuoteRequest(sku="pen", quantity=5))
            print(f"rpc quote: {quote.quantity} x {quote.sku} = {quote.total_cents}")
            try:
                await rpc.quote(QuoteRequest(sku="lamp", quantity=1))
            except unknown_sku.error_class as error:
                print(f"rpc refused: {error.message} (HTTP {error.http_code})")
        finally:
            await rpc.aclose()
    finally:
        await server.stop()
    print("stopped: requests drained, then the catalog was disposed")


async def announce_then_wait(server: HostedServer) -> None:
    print(f"listening at {server.url}", flush=True)
    await asyncio.Event().wait()  # until SIGINT/SIGTERM starts the graceful stop


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    # Never a default credential in the code: the demo makes one for itself.
    os.environ.setdefault("CATALOG_TOKEN", secrets.token_urlsafe(24))
    if sys.argv[1:2] == ["serve"]:
        port = int(sys.argv[2]) if len(sys.argv) > 2 else 8080
        # run_main owns the process: signals, the graceful stop, the exit code.
        serving = partial(serve_app, host_app("fastapi"), port=port)
        raise SystemExit(run_main(serving, until=announce_then_wait))
    else:
        asyncio.run(demo(sys.argv[1] if len(sys.argv) > 1 else "fastapi"))
