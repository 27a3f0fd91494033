"""The principal API's static types: the validator and the context must agree on the caller's
type, and a task reading the context gets that type. Checked by mypy; run by pytest."""

from __future__ import annotations

from typing import assert_type

from pydantic import BaseModel

from runner_gen import r
from runner_gen.remote import AuthRequest, PrincipalAuth


class Caller(BaseModel):
    user_id: str


class Other(BaseModel):
    name: str


callers = r.async_context("typing.contexts.caller").schema(Caller).build()


async def from_bearer(token: str) -> Caller | None:
    return Caller(user_id=token)


async def from_request(request: AuthRequest) -> Caller | None:
    return Caller(user_id=request.headers.get("x-user", "")) if request.method == "POST" else None


async def wrong_type(token: str) -> Other | None:
    return None


def test_the_context_and_the_validators_share_the_callers_type() -> None:
    auth = PrincipalAuth(context=callers, verify=from_bearer, validate=from_request)
    assert_type(auth, PrincipalAuth[Caller])
    with callers.provide(Caller(user_id="ada")):
        assert_type(auth.context.use(), Caller)
        assert auth.context.use().user_id == "ada"


def test_a_validator_of_another_type_is_a_type_error() -> None:
    # mypy rejects the mismatch (the ignore would be reported as unused otherwise).
    auth = PrincipalAuth(context=callers, verify=wrong_type)  # type: ignore[arg-type]
    assert auth.verify is wrong_type
