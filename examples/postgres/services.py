"""The pool's lifecycle and the users repository, in plain asyncpg."""

from __future__ import annotations

import os
import secrets
from typing import Protocol

import asyncpg

from examples.postgres.models import DEFAULT_DSN, DSN_ENV, NewUser, PoolConfig, User


def configured_dsn() -> str:
    return os.environ.get(DSN_ENV, DEFAULT_DSN)


async def open_pool(dsn: str, config: PoolConfig) -> asyncpg.Pool:
    pool = await asyncpg.create_pool(
        dsn, min_size=config.min_size, max_size=config.max_size, timeout=config.connect_timeout_s
    )
    try:
        await pool.fetchval("SELECT 1")
    except BaseException:
        # Our init failed, so no dispose will run for this resource: close the pool here.
        await pool.close()
        raise
    return pool


class Users(Protocol):
    """The users store as the app sees it: the repository, or a test's fake
    (docs/testing.md)."""

    schema: str

    async def insert(self, user: NewUser) -> User: ...

    async def find(self, user_id: int) -> User | None: ...

    async def begin(self) -> UnitOfWork: ...

    async def drop(self) -> None: ...


class UserRepository:
    """Users in a table of a schema this repository creates and drops.

    The schema name is random per start, so two test runs (or two apps) on one database never
    see each other's rows.
    """

    def __init__(self, pool: asyncpg.Pool, schema: str) -> None:
        self.pool = pool
        self.schema = schema
        self._table = f'"{schema}".users'  # schema is ours (hex), so quoting is enough

    @classmethod
    async def create(cls, pool: asyncpg.Pool, schema_prefix: str) -> UserRepository:
        repository = cls(pool, f"{schema_prefix}_{secrets.token_hex(6)}")
        async with pool.acquire() as connection, connection.transaction():
            await connection.execute(f'CREATE SCHEMA "{repository.schema}"')
            await connection.execute(
                f"CREATE TABLE {repository._table} ("
                "id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, "
                "name text NOT NULL, email text NOT NULL UNIQUE)"
            )
        return repository

    async def drop(self) -> None:
        await self.pool.execute(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE')

    async def insert(self, user: NewUser) -> User:
        row = await self.pool.fetchrow(
            f"INSERT INTO {self._table} (name, email) VALUES ($1, $2) RETURNING id, name, email",
            user.name,
            user.email,
        )
        assert row is not None  # INSERT ... RETURNING always returns the row
        return User(id=row["id"], name=row["name"], email=row["email"])

    async def find(self, user_id: int) -> User | None:
        row = await self.pool.fetchrow(
            f"SELECT id, name, email FROM {self._table} WHERE id = $1", user_id
        )
        return None if row is None else User(id=row["id"], name=row["name"], email=row["email"])

    async def begin(self) -> UnitOfWork:
        """A connection of its own, in a transaction: what one call writes, together."""
        connection = await self.pool.acquire()
        try:
            transaction = connection.transaction()
            await transaction.start()
        except BaseException:
            await self.pool.release(connection)
            raise
        return UnitOfWork(self, connection, transaction)


class UnitOfWork:
    """Writes of one call, in one transaction: ``commit()`` keeps them; ``end()`` (the
    call-scoped resource's dispose) rolls back what was not committed and returns the
    connection to the pool."""

    def __init__(
        self,
        repository: UserRepository,
        connection: asyncpg.pool.PoolConnectionProxy,
        transaction: asyncpg.transaction.Transaction,
    ) -> None:
        self._repository = repository
        self._connection = connection
        self._transaction = transaction
        self.committed = False

    async def insert(self, user: NewUser) -> User:
        row = await self._connection.fetchrow(
            f"INSERT INTO {self._repository._table} (name, email) VALUES ($1, $2) "
            "RETURNING id, name, email",
            user.name,
            user.email,
        )
        assert row is not None  # INSERT ... RETURNING always returns the row
        return User(id=row["id"], name=row["name"], email=row["email"])

    async def commit(self) -> None:
        await self._transaction.commit()
        self.committed = True

    async def end(self) -> None:
        try:
            if not self.committed:
                await self._transaction.rollback()
        finally:
            await self._repository.pool.release(self._connection)
