"""The auth example's middleware chain against the same checks written inline.

Run: ``.venv/bin/python -m benchmarks.examples_auth``. Both sides verify the same HS256 token
with PyJWT (most of the cost), provide the user in the async context and read the profile.
The ratio is what the two custom middleware layers add on top.
"""

from __future__ import annotations

import asyncio

from benchmarks._harness import Ratio, compare_async, report
from examples.auth.definitions import auth_user, get_profile
from examples.auth.generated import App, start
from examples.auth.models import AuthUser, DeleteUserInput, GetProfileInput
from examples.auth.services import DEMO_SECRET, issue_token, verify_token

ADMIN = issue_token(DEMO_SECRET, AuthUser(user_id="u-2", role="admin"))


def started() -> App:
    return asyncio.run(start())


def bench_get_profile(app: App) -> Ratio:
    request = GetProfileInput(token=ADMIN)

    async def inline() -> object:
        with auth_user.provide(verify_token(ADMIN, DEMO_SECRET, "HS256")):
            return await get_profile(request, user=auth_user, directory=app.resources.directory)

    return compare_async(
        "auth: get_profile through jwt_auth vs inline verify+provide",
        lambda: app.tasks.get_profile(request),
        inline,
        "<= 1.2",
        ops=5_000,
    )


def bench_admin_task(app: App) -> Ratio:
    request = DeleteUserInput(token=ADMIN, user_id="nobody")
    directory = app.resources.directory

    async def inline() -> object:
        user = verify_token(ADMIN, DEMO_SECRET, "HS256")
        with auth_user.provide(user):
            if auth_user.use().role not in ["admin"]:
                raise PermissionError
            return directory.profiles.pop(request.user_id, None) is not None

    return compare_async(
        "auth: delete_user through jwt_auth+rbac vs inline",
        lambda: app.tasks.delete_user(request),
        inline,
        "<= 1.2",
        ops=5_000,
    )


def main() -> None:
    app = started()
    report([bench_get_profile(app), bench_admin_task(app)])


if __name__ == "__main__":
    main()
