"""An existing FastAPI app that adopts the catalog: the app starts and stops with FastAPI's
lifespan, routes depend on its task and resource with their real types, and its Runner exposure
is mounted at /rpc (so Runner clients and the generated client reach the same tasks)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse

from examples.mounted.definitions import Catalog
from examples.mounted.generated import start
from examples.mounted.models import Quote, QuoteRequest
from runner_gen.asgi import Lifespan
from runner_gen.errors import RunnerError
from runner_gen.fastapi import depends

QuoteTask = Callable[[QuoteRequest], Awaitable[Quote]]

runner = Lifespan(start)
api = FastAPI(title="catalog", lifespan=runner)
api.mount("/rpc", runner.mount(lambda app: app.resources.exposure))


@api.exception_handler(RunnerError)
async def typed_error(request: Request, error: Exception) -> JSONResponse:
    # The task's declared errors keep their status and id; anything else stays FastAPI's 500.
    assert isinstance(error, RunnerError)
    return JSONResponse(
        {"id": error.id, "message": error.message, "data": jsonable_encoder(error.data)},
        status_code=error.http_code,
    )


@api.post("/quotes")
async def create_quote(
    body: QuoteRequest,
    quote: QuoteTask = depends(runner, lambda app: app.tasks.quote),
) -> Quote:
    return await quote(body)


@api.get("/prices")
async def prices(
    catalog: Catalog = depends(runner, lambda app: app.resources.price_list),
) -> dict[str, int]:
    return dict(catalog.prices)
