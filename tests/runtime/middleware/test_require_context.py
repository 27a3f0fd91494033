from __future__ import annotations

from contextvars import ContextVar
from typing import Any

import pytest

from runner_gen.runtime.info import DefinitionInfo
from runner_gen.runtime.middleware import (
    ContextRequiredError,
    RequireContextConfig,
    RequireContextMiddleware,
)

INFO = DefinitionInfo("app.tasks.audit")


class RequestContext:
    """A minimal async context: ``use()`` raises when nothing was provided."""

    def __init__(self) -> None:
        self.var: ContextVar[str] = ContextVar("request")

    def use(self) -> str:
        try:
            return self.var.get()
        except LookupError:
            raise LookupError("request context not provided") from None


async def test_runs_the_task_when_the_context_is_provided() -> None:
    context = RequestContext()

    async def task(input: Any) -> Any:
        return (context.use(), input)

    chain = RequireContextMiddleware().wrap(task, INFO, RequireContextConfig(context=context))
    token = context.var.set("req-1")
    try:
        assert await chain(5) == ("req-1", 5)
    finally:
        context.var.reset(token)


async def test_fails_fast_with_a_typed_error_when_the_context_is_absent() -> None:
    context = RequestContext()
    ran = False

    async def task(input: Any) -> Any:
        nonlocal ran
        ran = True

    chain = RequireContextMiddleware().wrap(task, INFO, RequireContextConfig(context=context))
    with pytest.raises(ContextRequiredError) as caught:
        await chain(5)
    assert not ran
    error = caught.value
    assert error.id == "runner.errors.middleware.contextRequired"
    assert 'Task "app.tasks.audit" requires an async context' in str(error)
    assert isinstance(error.__cause__, LookupError)
