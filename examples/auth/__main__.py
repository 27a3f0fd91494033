"""`python -m examples.auth`: call the tasks with good, bad and missing tokens."""

from __future__ import annotations

import asyncio

import httpx

from examples.auth.definitions import auth_user
from examples.auth.generated import running
from examples.auth.models import AuthUser, DeleteUserInput, GetProfileInput
from examples.auth.services import DEMO_SECRET, issue_token
from runner_gen import RunnerError
from runner_gen.runtime.middleware import RateLimitExceededError


async def demo() -> None:
    ada = issue_token(DEMO_SECRET, AuthUser(user_id="u-1", role="user"))
    grace = issue_token(DEMO_SECRET, AuthUser(user_id="u-2", role="admin"))
    forged = issue_token(
        "an-attacker-guess-of-32-bytes-or-more", AuthUser(user_id="u-2", role="admin")
    )
    expired = issue_token(DEMO_SECRET, AuthUser(user_id="u-1", role="user"), expires_in_s=-60)
    async with running() as app:
        profile = await app.tasks.get_profile(GetProfileInput(token=ada))
        print(f"get_profile as Ada: {profile.name if profile else None}")
        attempts = {
            "get_profile without a token": app.tasks.get_profile(GetProfileInput()),
            "get_profile with a forged token": app.tasks.get_profile(GetProfileInput(token=forged)),
            "get_profile with an expired token": app.tasks.get_profile(
                GetProfileInput(token=expired)
            ),
            "delete_user as Ada": app.tasks.delete_user(DeleteUserInput(token=ada, user_id="u-2")),
        }
        for label, attempt in attempts.items():
            try:
                await attempt
            except RunnerError as error:
                print(f"{label}: {error.http_code} {error.id}: {error.message}")
        deleted = await app.tasks.delete_user(DeleteUserInput(token=grace, user_id="u-1"))
        print(f"delete_user as Grace: deleted={deleted}")
        # Over HTTP the exposure verifies the bearer token; tasks get the caller in auth_user.
        whoami = f"{app.resources.exposure.url}/task/auth.tasks.whoami"
        async with httpx.AsyncClient() as http:
            for label, headers in {
                "as Grace": {"authorization": f"Bearer {grace}"},
                "with a forged token": {"authorization": f"Bearer {forged}"},
                "without a token": {},
            }.items():
                answer = await http.post(whoami, headers=headers)
                print(f"HTTP whoami {label}: {answer.status_code} {answer.json()}")
        # whoami allows 3 calls a minute per caller, keyed on the verified user (Grace used 1).
        with auth_user.provide(AuthUser(user_id="u-2", role="admin")):
            for call in (2, 3, 4):
                try:
                    await app.tasks.whoami()
                    print(f"whoami as Grace, call {call}: ok")
                except RateLimitExceededError:
                    print(f"whoami as Grace, call {call}: rate limited")
        print(f"user in context after the calls: {auth_user.try_use()}")


if __name__ == "__main__":
    asyncio.run(demo())
