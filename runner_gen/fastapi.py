"""FastAPI dependencies on a generated app's tasks and resources, with their real types.

    runner = Lifespan(start)
    api = FastAPI(lifespan=runner)

    @api.post("/quotes")
    async def create_quote(
        body: QuoteRequest,
        quote: QuoteTask = depends(runner, lambda app: app.tasks.quote),
    ) -> Quote:
        return await quote(body)

``depends`` is typed as what the selector returns, so mypy checks the parameter's annotation
against the task's (or resource's) generated type: ``QuoteTask`` must be
``Callable[[QuoteRequest], Awaitable[Quote]]`` or a supertype of it. The selector runs per
request on the app the host's lifespan started; nothing is looked up by name.

The only module of runner-gen that imports FastAPI.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar, cast

try:
    from fastapi import Depends, Request
except ImportError as missing:  # FastAPI is the user's, never a dependency of runner-gen
    raise ImportError("runner_gen.fastapi adapts FastAPI apps: pip install fastapi") from missing

from runner_gen.runtime.lifespan import Lifespan, StartedApp

AppT = TypeVar("AppT", bound=StartedApp)
T = TypeVar("T")

__all__ = ["dependency", "depends"]


def dependency(lifespan: Lifespan[AppT], select: Callable[[AppT], T]) -> Callable[[Request], T]:
    """A FastAPI dependency callable returning ``select(app)``, for ``Depends(...)`` and
    ``Annotated[T, Depends(dependency(runner, ...))]`` aliases."""

    def provide(request: Request) -> T:
        return select(lifespan.of(request))

    provide.__name__ = f"runner_gen_{lifespan.state_key}_dependency"
    return provide


def depends(lifespan: Lifespan[AppT], select: Callable[[AppT], T]) -> T:
    """``Depends(dependency(lifespan, select))`` as a parameter default, typed as ``T`` (the
    selected task's or resource's own type) so the parameter's annotation is checked."""
    return cast("T", Depends(dependency(lifespan, select)))
