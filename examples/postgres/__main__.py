"""`python -m examples.postgres`: needs PostgreSQL (EXAMPLES_POSTGRES_DSN, default
postgresql://postgres@127.0.0.1:5432/test)."""

from __future__ import annotations

import asyncio

from examples.postgres.generated import running
from examples.postgres.models import NewUser


async def demo() -> None:
    async with running() as app:
        print(f"schema: {app.resources.users.schema}")
        ada = await app.tasks.create_user(NewUser(name="Ada", email="ada@example.com"))
        print(f"created: {ada}")
        print(f"fetched: {await app.tasks.get_user(ada.id)}")
        print(f"missing: {await app.tasks.get_user(ada.id + 1)}")
    print(f"pool closed after dispose: {app.resources.pool.is_closing()}")


if __name__ == "__main__":
    asyncio.run(demo())
