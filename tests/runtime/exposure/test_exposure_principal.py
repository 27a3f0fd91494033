"""The caller's identity: validators return a principal, tasks read it from an async context,
and per-user limits key on it, over real HTTP."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from runner_gen.runtime.context import AsyncContext
from runner_gen.runtime.exposure import ExposureConfig, TaskRoute
from runner_gen.runtime.exposure.principal import AuthRequest, PrincipalAuth
from runner_gen.runtime.info import DefinitionInfo
from runner_gen.runtime.middleware import (
    RateLimitConfig,
    RateLimitExceededError,
    RateLimitMiddleware,
)

from .helpers import TOKEN, serving

CALLER: AsyncContext[str] = AsyncContext("test.contexts.caller")
USERS = {"good-ada": "ada", "good-grace": "grace"}


async def from_bearer(token: str) -> str | None:
    return USERS.get(token)


async def whoami(_: Any) -> str | None:
    return CALLER.try_use()


def principal_config(**fields: Any) -> ExposureConfig:
    return ExposureConfig(principal=PrincipalAuth(context=CALLER, **fields))


async def test_the_principal_a_bearer_verifier_returns_is_in_the_tasks_context() -> None:
    config = principal_config(verify=from_bearer)
    async with serving([TaskRoute(id="t", call=whoami)], config=config, client_headers={}) as s:
        ada = await s.client.post("/task/t", headers={"authorization": "Bearer good-ada"})
        grace = await s.client.post("/task/t", headers={"authorization": "bearer good-grace"})
        stranger = await s.client.post("/task/t", headers={"authorization": "Bearer nope"})
        anonymous = await s.client.post("/task/t")
    assert ada.json() == {"ok": True, "result": "ada"}
    assert grace.json() == {"ok": True, "result": "grace"}
    assert (stranger.status_code, anonymous.status_code) == (401, 401)
    assert CALLER.try_use() is None  # provided only around the call


async def test_a_request_validator_sees_headers_method_path_and_url() -> None:
    seen: list[AuthRequest] = []

    async def from_request(request: AuthRequest) -> str | None:
        seen.append(request)
        return request.headers.get("x-user") if request.method == "POST" else None

    config = principal_config(validate=from_request)
    async with serving([TaskRoute(id="t", call=whoami)], config=config, client_headers={}) as s:
        response = await s.client.post("/task/t?x=1", headers={"x-user": "carol"})
        refused = await s.client.post("/task/t")
    assert response.json() == {"ok": True, "result": "carol"}
    assert refused.status_code == 401
    first = seen[0]
    assert (first.method, first.path, first.url) == (
        "POST",
        "/__runner/task/t",
        "/__runner/task/t?x=1",
    )
    assert first.headers["x-user"] == "carol"


async def test_a_static_token_still_passes_without_a_principal() -> None:
    config = ExposureConfig(
        tokens=(TOKEN,), principal=PrincipalAuth(context=CALLER, verify=from_bearer)
    )
    async with serving([TaskRoute(id="t", call=whoami)], config=config) as s:
        response = await s.client.post("/task/t")
    assert response.json() == {"ok": True, "result": None}


async def test_a_caller_cannot_send_the_principal_context_itself() -> None:
    config = principal_config(verify=from_bearer)
    # x-runner-context carries serialized context values: "mallory" for the principal context.
    spoofed = '{"test.contexts.caller":"\\"mallory\\""}'
    async with serving(
        [TaskRoute(id="t", call=whoami)],
        config=config,
        client_headers={},
        contexts={CALLER.id: CALLER},
    ) as s:
        as_ada = await s.client.post(
            "/task/t", headers={"authorization": "Bearer good-ada", "x-runner-context": spoofed}
        )
        unauthenticated = await s.client.post("/task/t", headers={"x-runner-context": spoofed})
    assert as_ada.json() == {"ok": True, "result": "ada"}
    assert unauthenticated.status_code == 401


async def test_a_validator_that_raises_refuses_and_logs_without_the_detail_reaching_the_client(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def broken(token: str) -> str | None:
        raise RuntimeError(f"directory down while checking {token}")

    config = principal_config(verify=broken)
    with caplog.at_level(logging.WARNING, logger="runner_gen.exposure"):
        async with serving([TaskRoute(id="t", call=whoami)], config=config, client_headers={}) as s:
            response = await s.client.post("/task/t", headers={"authorization": "Bearer tok-1"})
    assert response.status_code == 401
    assert "directory down" not in response.text
    assert any(r.getMessage() == "exposure.auth.verifier_error" for r in caplog.records)


async def test_the_per_user_rate_limit_keys_on_the_principal() -> None:
    limited = RateLimitMiddleware().wrap(
        whoami,
        DefinitionInfo("t"),
        RateLimitConfig(window_ms=60_000, max=1, key_fn=lambda _input: CALLER.use()),
    )
    config = ExposureConfig(
        principal=PrincipalAuth(context=CALLER, verify=from_bearer),
        public_errors=(RateLimitExceededError,),
    )
    async with serving([TaskRoute(id="t", call=limited)], config=config, client_headers={}) as s:
        ada = [
            await s.client.post("/task/t", headers={"authorization": "Bearer good-ada"})
            for _ in range(2)
        ]
        grace = await s.client.post("/task/t", headers={"authorization": "Bearer good-grace"})
    assert ada[0].json() == {"ok": True, "result": "ada"}
    assert ada[1].status_code != 200
    assert ada[1].json()["error"]["id"] == RateLimitExceededError.id
    # Grace has a quota of her own: Ada's use of hers did not touch it.
    assert grace.json() == {"ok": True, "result": "grace"}


def test_principal_auth_needs_a_validator() -> None:
    with pytest.raises(ValueError, match="verify"):
        PrincipalAuth(context=CALLER)
