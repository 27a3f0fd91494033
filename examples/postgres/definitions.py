"""The postgres app: `postgres.pool` -> `postgres.users` (repository) -> create/get tasks.

Dispose runs in reverse init order, so the repository drops its schema while the pool is
still open, and the pool closes last.
"""

from __future__ import annotations

import asyncpg

from examples.postgres.models import NewUser, PoolConfig, User
from examples.postgres.services import UserRepository, configured_dsn, open_pool
from runner_gen import r


async def init_pool(config: PoolConfig) -> asyncpg.Pool:
    return await open_pool(configured_dsn(), config)


async def close_pool(pool: asyncpg.Pool) -> None:
    await pool.close()


pool = (
    r.resource("postgres.pool")
    .config_schema(PoolConfig)
    .init(init_pool)
    .dispose(close_pool)
    .build()
)


async def init_users(*, pool: asyncpg.Pool) -> UserRepository:
    return await UserRepository.create(pool, "runner_gen_example")


async def drop_users(users: UserRepository) -> None:
    await users.drop()


users = (
    r.resource("postgres.users")
    .dependencies(pool=pool)
    .init(init_users)
    .dispose(drop_users)
    .build()
)


async def create_user(input: NewUser, *, users: UserRepository) -> User:
    return await users.insert(input)


create_user_task = (
    r.task("postgres.tasks.create_user").dependencies(users=users).run(create_user).build()
)


async def get_user(input: int, *, users: UserRepository) -> User | None:
    return await users.find(input)


get_user_task = r.task("postgres.tasks.get_user").dependencies(users=users).run(get_user).build()

app = (
    r.resource("postgres")
    .register(pool.with_(max_size=5), users, create_user_task, get_user_task)
    .build()
)
