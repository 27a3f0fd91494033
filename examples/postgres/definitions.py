"""The postgres app: `postgres.pool` -> `postgres.users` (repository) -> create/get tasks, and
`postgres.unit_of_work`, a call-scoped transaction for tasks that write several rows together.

Dispose runs in reverse init order, so the repository drops its schema while the pool is
still open, and the pool closes last. The unit of work lives for one task call: a connection in
a transaction, rolled back unless the task commits, returned to the pool when the call ends.
"""

from __future__ import annotations

import asyncpg

from examples.postgres.models import NewPair, NewUser, PoolConfig, User
from examples.postgres.services import (
    UnitOfWork,
    UserRepository,
    Users,
    configured_dsn,
    open_pool,
)
from runner_gen import Emission, Emit, r


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


async def init_users(*, pool: asyncpg.Pool) -> Users:
    return await UserRepository.create(pool, "runner_gen_example")


async def drop_users(users: Users) -> None:
    await users.drop()


async def begin_unit(*, users: Users) -> UnitOfWork:
    return await users.begin()


async def end_unit(unit: UnitOfWork) -> None:
    await unit.end()


users = (
    r.resource("postgres.users")
    .dependencies(pool=pool)
    .init(init_users)
    .dispose(drop_users)
    .build()
)


unit_of_work = (
    r.resource("postgres.unit_of_work")
    .scope("call")
    .dependencies(users=users)
    .init(begin_unit)
    .dispose(end_unit)
    .build()
)

user_created = r.event("postgres.events.user_created").payload_schema(User).build()
CREATED: list[int] = []  # what the hook saw: the demo prints it


async def remember(event: Emission[User]) -> None:
    CREATED.append(event.data.id)


remember_hook = r.hook("postgres.hooks.remember").on(user_created).run(remember).build()


async def create_user(input: NewUser, *, users: Users, user_created: Emit[User]) -> User:
    user = await users.insert(input)
    await user_created(user)
    return user


create_user_task = (
    r.task("postgres.tasks.create_user")
    .dependencies(users=users, user_created=user_created)
    .run(create_user)
    .build()
)


async def create_pair(input: NewPair, *, unit: UnitOfWork) -> list[User]:
    users = [await unit.insert(input.first), await unit.insert(input.second)]
    await unit.commit()
    return users


create_pair_task = (
    r.task("postgres.tasks.create_pair").dependencies(unit=unit_of_work).run(create_pair).build()
)


async def get_user(input: int, *, users: Users) -> User | None:
    return await users.find(input)


get_user_task = r.task("postgres.tasks.get_user").dependencies(users=users).run(get_user).build()

app = (
    r.resource("postgres")
    .register(
        pool.with_(max_size=5),
        users,
        unit_of_work,
        user_created,
        remember_hook,
        create_user_task,
        create_pair_task,
        get_user_task,
    )
    .build()
)
