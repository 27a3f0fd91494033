"""The auth example: what a caller with a good, bad, expired or missing token gets."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import AsyncIterator

import httpx
import jwt
import pytest

from examples.auth.definitions import auth_user, forbidden, jwt_auth, unauthorized
from examples.auth.generated import App, running
from examples.auth.models import AuthUser, DeleteUserInput, GetProfileInput
from examples.auth.services import DEMO_SECRET, issue_token
from runner_gen.definitions.errors import DefinitionError
from runner_gen.runtime.errors import RunnerError
from runner_gen.runtime.middleware import RateLimitExceededError
from tests.support.build import REPO

ADA = AuthUser(user_id="u-1", role="user")
GRACE = AuthUser(user_id="u-2", role="admin")


@pytest.fixture
async def app() -> AsyncIterator[App]:
    async with running() as started:
        yield started


def reason_of(error: RunnerError) -> str:
    return str(error.data.reason)


async def test_a_valid_token_reaches_the_task_with_its_user_in_context(app: App) -> None:
    profile = await app.tasks.get_profile(GetProfileInput(token=issue_token(DEMO_SECRET, ADA)))
    assert profile is not None
    assert (profile.user_id, profile.name) == ("u-1", "Ada")


async def test_an_expired_token_is_a_401(app: App) -> None:
    token = issue_token(DEMO_SECRET, ADA, expires_in_s=-5)
    with pytest.raises(unauthorized.error_class) as caught:
        await app.tasks.get_profile(GetProfileInput(token=token))
    assert caught.value.http_code == 401
    assert caught.value.id == "auth.errors.unauthorized"
    assert reason_of(caught.value) == "token expired"


async def test_a_token_signed_with_another_secret_is_a_401(app: App) -> None:
    token = issue_token("someone-elses-secret-of-32-bytes-or-more", GRACE)
    with pytest.raises(unauthorized.error_class) as caught:
        await app.tasks.delete_user(DeleteUserInput(token=token, user_id="u-1"))
    assert reason_of(caught.value) == "bad signature"
    assert app.resources.directory.profiles.keys() == {"u-1", "u-2"}  # nothing was deleted


@pytest.mark.parametrize("token", [None, ""])
async def test_a_missing_token_is_a_401(app: App, token: str | None) -> None:
    with pytest.raises(unauthorized.error_class) as caught:
        await app.tasks.get_profile(GetProfileInput(token=token))
    assert reason_of(caught.value) == "missing token"
    assert "Unauthorized: missing token" in str(caught.value)


async def test_garbage_is_a_401_not_a_crash(app: App) -> None:
    with pytest.raises(unauthorized.error_class) as caught:
        await app.tasks.get_profile(GetProfileInput(token="not.a.jwt"))
    assert reason_of(caught.value) == "malformed token"


async def test_a_token_for_another_algorithm_is_refused(app: App) -> None:
    token = issue_token(DEMO_SECRET * 2, GRACE, algorithm="HS512")  # HS512 wants 64 bytes
    with pytest.raises(unauthorized.error_class) as caught:
        await app.tasks.get_profile(GetProfileInput(token=token))
    assert reason_of(caught.value) == "malformed token"  # refused for its alg, not its signature


async def test_an_unsigned_alg_none_token_is_refused(app: App) -> None:
    token = jwt.encode({"sub": "u-2", "role": "admin", "exp": 2**40}, None, algorithm="none")
    with pytest.raises(unauthorized.error_class):
        await app.tasks.delete_user(DeleteUserInput(token=token, user_id="u-1"))


async def test_a_token_without_a_role_claim_is_refused(app: App) -> None:
    token = jwt.encode({"sub": "u-1", "exp": 2**40}, DEMO_SECRET, algorithm="HS256")
    with pytest.raises(unauthorized.error_class) as caught:
        await app.tasks.get_profile(GetProfileInput(token=token))
    assert reason_of(caught.value) == "token lacks sub or role"


async def test_the_wrong_role_is_a_403_and_the_task_does_not_run(app: App) -> None:
    token = issue_token(DEMO_SECRET, ADA)
    with pytest.raises(forbidden.error_class) as caught:
        await app.tasks.delete_user(DeleteUserInput(token=token, user_id="u-2"))
    assert caught.value.http_code == 403
    assert caught.value.id == "auth.errors.forbidden"
    assert caught.value.data.role == "user"
    assert "u-2" in app.resources.directory.profiles


async def test_an_admin_passes_both_middleware(app: App) -> None:
    token = issue_token(DEMO_SECRET, GRACE)
    assert await app.tasks.delete_user(DeleteUserInput(token=token, user_id="u-1")) is True
    assert "u-1" not in app.resources.directory.profiles
    assert await app.tasks.delete_user(DeleteUserInput(token=token, user_id="u-1")) is False


async def test_the_user_is_not_in_context_after_a_call_that_succeeded_or_failed(app: App) -> None:
    await app.tasks.get_profile(GetProfileInput(token=issue_token(DEMO_SECRET, ADA)))
    assert auth_user.try_use() is None
    with pytest.raises(forbidden.error_class):
        await app.tasks.delete_user(
            DeleteUserInput(token=issue_token(DEMO_SECRET, ADA), user_id="u-2")
        )
    assert auth_user.try_use() is None


async def test_concurrent_callers_each_see_their_own_user(app: App) -> None:
    ada, grace = issue_token(DEMO_SECRET, ADA), issue_token(DEMO_SECRET, GRACE)
    profiles = await asyncio.gather(
        *(app.tasks.get_profile(GetProfileInput(token=t)) for t in [ada, grace, ada, grace])
    )
    assert [p.name if p else None for p in profiles] == ["Ada", "Grace", "Ada", "Grace"]


def test_a_short_secret_is_refused_when_the_middleware_is_configured() -> None:
    with pytest.raises(DefinitionError, match="secret"):
        jwt_auth.with_(secret="short")


def test_the_demo_prints_each_outcome() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "examples.auth"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    lines = result.stdout.splitlines()
    assert "get_profile as Ada: Ada" in lines
    assert (
        "get_profile with a forged token: 401 auth.errors.unauthorized: Unauthorized: bad signature"
        in lines
    )
    assert (
        "delete_user as Ada: 403 auth.errors.forbidden: Forbidden: role 'user' is not one of admin"
        in lines
    )
    assert "HTTP whoami with a forged token: 401" in "\n".join(lines)
    assert "whoami as Grace, call 4: rate limited" in lines
    assert lines[-1] == "user in context after the calls: None"
    assert result.stderr == ""  # no key-length or other warnings


async def test_over_http_the_bearer_token_becomes_the_user_in_context(app: App) -> None:
    url = f"{app.resources.exposure.url}/task/auth.tasks.whoami"
    async with httpx.AsyncClient() as http:
        grace = await http.post(
            url, headers={"authorization": f"Bearer {issue_token(DEMO_SECRET, GRACE)}"}
        )
        forged = await http.post(
            url,
            headers={
                "authorization": "Bearer "
                + issue_token("an-attacker-guess-of-32-bytes-or-more", GRACE)
            },
        )
        missing = await http.post(url)
        # A user in the body is not a caller: only the verified bearer token is.
        spoofed = await http.post(url, json={"input": {"user_id": "u-2", "role": "admin"}})
    assert grace.json() == {
        "ok": True,
        "result": {"user_id": "u-2", "role": "admin", "name": "Grace"},
    }
    assert (forged.status_code, missing.status_code, spoofed.status_code) == (401, 401, 401)


async def test_the_per_user_rate_limit_keys_on_the_verified_caller(app: App) -> None:
    url = f"{app.resources.exposure.url}/task/auth.tasks.whoami"
    ada = {"authorization": f"Bearer {issue_token(DEMO_SECRET, ADA)}"}
    async with httpx.AsyncClient() as http:
        ada_calls = [(await http.post(url, headers=ada)).status_code for _ in range(4)]
        grace = await http.post(
            url, headers={"authorization": f"Bearer {issue_token(DEMO_SECRET, GRACE)}"}
        )
    assert ada_calls[:3] == [200, 200, 200]
    assert ada_calls[3] != 200  # Ada's 3 a minute are spent...
    assert grace.status_code == 200  # ...and Grace's quota is her own
    with auth_user.provide(ADA), pytest.raises(RateLimitExceededError):
        await app.tasks.whoami()  # the same window, in process
