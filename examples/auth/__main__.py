"""`python -m examples.auth`: call the tasks with good, bad and missing tokens."""

from __future__ import annotations

import asyncio

from examples.auth.definitions import auth_user
from examples.auth.generated import running
from examples.auth.models import AuthUser, DeleteUserInput, GetProfileInput
from examples.auth.services import DEMO_SECRET, issue_token
from runner_gen import RunnerError


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
        print(f"user in context after the calls: {auth_user.try_use()}")


if __name__ == "__main__":
    asyncio.run(demo())
