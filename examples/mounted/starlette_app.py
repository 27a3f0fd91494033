"""The same adoption in a plain Starlette app: the lifespan starts and disposes the catalog,
handlers read the started app from the request, the exposure is mounted at /rpc."""

from __future__ import annotations

from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Mount, Route

from examples.mounted.generated import start
from examples.mounted.models import QuoteRequest, unknown_sku
from runner_gen.asgi import Lifespan

runner = Lifespan(start)


async def create_quote(request: Request) -> JSONResponse:
    app = runner.of(request)  # typed: the generated App
    try:
        body = QuoteRequest.model_validate_json(await request.body())
    except ValidationError as invalid:
        details = invalid.errors(include_url=False, include_context=False, include_input=False)
        return JSONResponse({"detail": details}, status_code=422)
    try:
        quote = await app.tasks.quote(body)
    except unknown_sku.error_class as error:
        return JSONResponse({"id": error.id, "message": error.message}, status_code=404)
    return JSONResponse(quote.model_dump())


api = Starlette(
    routes=[
        Route("/quotes", create_quote, methods=["POST"]),
        Mount("/rpc", app=runner.mount(lambda app: app.resources.exposure)),
    ],
    lifespan=runner,
)
