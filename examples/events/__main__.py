"""`python -m examples.events`: register users in both variants, and once with a failing hook."""

from __future__ import annotations

import asyncio

from examples.events import generated
from examples.events.generated import without_analytics
from examples.events.models import NewUser
from runner_gen import HookError


async def demo() -> None:
    async with generated.running() as app:
        await app.tasks.register_user(NewUser(email="ada@example.com", name="Ada", password="pw"))
        for mail in app.resources.outbox.sent:
            print(f"outbox: to {mail.to}: {mail.subject} {mail.body}")
        print(f"settings: {app.resources.settings.by_user[1]}")
        print(f"analytics: {app.resources.analytics.tracked}")
        for entry in app.resources.activity.entries:
            print(f"activity: {entry}")

        # A failing hook: the caller gets a HookError naming the hook (the mailbox error is its
        # cause), later hooks do not run, the user stays.
        app.resources.outbox.unreachable_domains.add("bounce.test")
        try:
            await app.tasks.register_user(NewUser(email="x@bounce.test", name="X", password="pw"))
        except HookError as error:
            print(f"register_user failed in {error.hook_id}: {error.cause}")
        print(f"users after the failure: {sorted(app.resources.users.users)}")
        print(f"settings after the failure: {sorted(app.resources.settings.by_user)}")

    async with without_analytics.running() as lean:
        await lean.tasks.register_user(NewUser(email="bo@example.com", name="Bo", password="pw"))
        for entry in lean.resources.activity.entries:
            print(f"without analytics, activity: {entry}")


if __name__ == "__main__":
    asyncio.run(demo())
