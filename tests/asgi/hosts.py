"""FastAPI and Starlette host apps around a generated app, built per test."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route

from runner_gen.asgi import Lifespan
from runner_gen.fastapi import depends
from tests.asgi.apps import Hold
from tests.support.build import build_app


def lifespan(spec: str = "tests.asgi.apps:app") -> Lifespan[Any]:
    return Lifespan(build_app(spec).start)


def fastapi_host(runner: Lifespan[Any]) -> FastAPI:
    api = FastAPI(lifespan=runner)
    api.mount("/rpc", runner.mount(lambda app: app.resources.exposure))

    @api.post("/hold")
    async def hold(body: Hold, task: Any = depends(runner, lambda app: app.tasks.hold)) -> Any:
        return await task(body)

    @api.get("/log")
    async def log(store: Any = depends(runner, lambda app: app.resources.store)) -> list[str]:
        return list(store.log)

    return api


def starlette_host(runner: Lifespan[Any]) -> Starlette:
    async def echo(request: Request) -> JSONResponse:
        app = runner.of(request)
        answer = await app.tasks.echo(Hold.model_validate_json(await request.body()))
        return JSONResponse(answer.model_dump())

    return Starlette(
        routes=[
            Route("/echo", echo, methods=["POST"]),
            Mount("/rpc", app=runner.mount(lambda app: app.resources.exposure)),
        ],
        lifespan=runner,
    )
