"""`python -m examples.quickstart`: start the generated app, use it, dispose it."""

from __future__ import annotations

import asyncio

from examples.quickstart.generated import running
from examples.quickstart.models import AppConfig, NewUser


async def demo() -> None:
    async with running(AppConfig(greeting="Hello")) as app:
        database = app.resources.database
        ada = await app.tasks.register_user(NewUser(name="Ada", email="ada@example.com"))
        await app.tasks.register_user(NewUser(name="Alan", email="alan@example.com"))
        print(f"registered {ada.name} as user {ada.id}")
        print(f"users: {await app.tasks.count_users()}")
        for line in app.resources.outbox.sent:
            print(f"outbox: {line}")
        for line in app.resources.audit.entries:
            print(f"audit: {line}")
        for route in await app.tasks.list_routes():
            print(f"route: {route}")
        calls = app.resources.metrics.snapshot().tasks["app.tasks.register_user"]
        print(f"metrics: app.tasks.register_user ok={calls.ok} errors={calls.error_count}")
    print(f"database open after dispose: {database.open}")


if __name__ == "__main__":
    asyncio.run(demo())
