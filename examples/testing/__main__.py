"""`python -m examples.testing`: the sign-up service for real (PostgreSQL on 127.0.0.1:5432).
Its tests, which need neither, are tests/examples/test_testing_guide.py."""

from __future__ import annotations

import asyncio

from examples.testing.generated import running
from examples.testing.models import SignUp


async def demo() -> None:
    async with running() as app:
        account = await app.tasks.sign_up(SignUp(email="ada@example.com", name="Ada"))
        print(f"signed up: {account}")


if __name__ == "__main__":
    asyncio.run(demo())
