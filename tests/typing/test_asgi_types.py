"""mypy sees a generated app's types through the ASGI lifespan and the FastAPI adapter: a route's
dependency is the task's own callable type, and a wrong annotation is a type error. Checked by
mypy (``make typecheck``); run by pytest."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import assert_type

from fastapi import Request

from examples.mounted.definitions import Catalog
from examples.mounted.generated import App, start
from examples.mounted.models import Quote, QuoteRequest
from runner_gen.asgi import Lifespan, MountedExposure
from runner_gen.fastapi import dependency, depends


def test_the_lifespan_is_typed_by_the_generated_start() -> None:
    runner = Lifespan(start)
    assert_type(runner, Lifespan[App])
    request = Request({"type": "http", "state": {"runner": "not an app"}})
    assert_type(runner.of(request), App)
    found: object = runner.of(request)
    assert found == "not an app"  # the accessor adds no check of its own


def test_fastapi_dependencies_carry_the_task_and_resource_types() -> None:
    runner = Lifespan(start)
    quote = depends(runner, lambda app: app.tasks.quote)
    assert_type(quote, Callable[[QuoteRequest], Awaitable[Quote]])
    assert_type(depends(runner, lambda app: app.resources.price_list), Catalog)
    assert_type(depends(runner, lambda app: app.resources.exposure), MountedExposure)
    provide = dependency(runner, lambda app: app.tasks.quote)
    assert_type(provide, Callable[[Request], Callable[[QuoteRequest], Awaitable[Quote]]])


def test_a_route_parameter_of_the_wrong_type_is_a_type_error() -> None:
    runner = Lifespan(start)

    # mypy rejects each default (an unused ignore would be reported under --strict).
    async def wrong_input(
        quote: Callable[[int], Awaitable[Quote]] = depends(  # type: ignore[assignment]
            runner, lambda app: app.tasks.quote
        ),
    ) -> None: ...

    def price_list(app: App) -> Catalog:
        return app.resources.price_list

    async def wrong_resource(
        catalog: dict[str, int] = depends(runner, price_list),  # type: ignore[arg-type]
    ) -> None: ...

    assert wrong_input.__defaults__ is not None
    assert wrong_resource.__defaults__ is not None
