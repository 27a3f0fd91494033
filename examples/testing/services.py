"""The service's collaborators: accounts in PostgreSQL, a mailer, a reputation check over the
network. Each is typed by a Protocol, so a test's fake only has to have the same shape."""

from __future__ import annotations

import asyncio
import os
import secrets
from typing import Protocol

import asyncpg

from examples.testing.models import Account, SignUp

DSN = os.environ.get("EXAMPLES_POSTGRES_DSN", "postgresql://postgres@127.0.0.1:5432/test")


class Accounts(Protocol):
    async def create(self, signup: SignUp) -> Account: ...

    async def close(self) -> None: ...


class Mailer(Protocol):
    async def send(self, to: str, subject: str) -> None: ...


class ReputationService(Protocol):
    async def score(self, email: str) -> float: ...


class PostgresAccounts:
    """Accounts in a table of a schema of their own (random per start), dropped on close."""

    def __init__(self, pool: asyncpg.Pool, schema: str) -> None:
        self._pool = pool
        self._table = f'"{schema}".accounts'
        self.schema = schema

    @classmethod
    async def open(cls) -> PostgresAccounts:
        pool = await asyncpg.create_pool(DSN, min_size=0, max_size=2)
        accounts = cls(pool, f"signup_{secrets.token_hex(6)}")
        try:
            await pool.execute(f'CREATE SCHEMA "{accounts.schema}"')
            await pool.execute(
                f"CREATE TABLE {accounts._table} (id bigint GENERATED ALWAYS AS IDENTITY "
                "PRIMARY KEY, email text NOT NULL UNIQUE, name text NOT NULL)"
            )
        except BaseException:
            await pool.close()
            raise
        return accounts

    async def create(self, signup: SignUp) -> Account:
        row = await self._pool.fetchrow(
            f"INSERT INTO {self._table} (email, name) VALUES ($1, $2) RETURNING id",
            signup.email,
            signup.name,
        )
        assert row is not None  # INSERT ... RETURNING always returns the row
        return Account(id=row["id"], email=signup.email, name=signup.name)

    async def close(self) -> None:
        try:
            await self._pool.execute(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE')
        finally:
            await self._pool.close()


class PrintingMailer:
    async def send(self, to: str, subject: str) -> None:
        print(f"mail to {to}: {subject}")


class RemoteReputation:
    """Stands for an HTTP client of a slow third party."""

    async def score(self, email: str) -> float:
        await asyncio.sleep(0.05)
        return 0.0 if email.endswith("@spam.test") else 0.9
