"""Two ways to cache a task: the seed's custom `memory_cache` middleware, and the built-in cache
middleware with `globals.resources.cache` to invalidate entries."""

from __future__ import annotations

import json

from examples.caching.models import MemoryCacheConfig, Profile, UserId
from examples.caching.services import MemoryCacheState, UserService
from runner_gen import TaskCall, globals, r

# -- the seed's custom middleware ---------------------------------------------------------------


def new_cache_state() -> MemoryCacheState:
    return MemoryCacheState()


async def memory_cache(
    call: TaskCall, config: MemoryCacheConfig, *, context: MemoryCacheState
) -> object:
    if config.key_fn is not None:
        key = config.key_fn(call.input)
    else:
        raw = call.input.model_dump() if hasattr(call.input, "model_dump") else call.input
        key = json.dumps(raw, sort_keys=True, default=str)
    hit, value = context.get(key)
    if hit:
        return value
    value = await call.next(call.input)
    context.put(key, value, config.ttl_ms)  # errors propagate above and are never cached
    return value


memory_cache_middleware = (
    r.middleware.task("caching.middleware.memory_cache")
    .config_schema(MemoryCacheConfig)
    .context(new_cache_state)
    .run(memory_cache)
    .build()
)

# -- resources and tasks --------------------------------------------------------------------


async def open_users() -> UserService:
    return UserService()


users = r.resource("caching.users").init(open_users).build()


async def get_profile(input: UserId, *, users: UserService) -> Profile:
    return await users.fetch(input.id)


def user_key(input: UserId) -> str:
    return f"user:{input.id}"


get_profile_custom = (
    r.task("caching.tasks.get_profile_custom")
    .dependencies(users=users)
    .middleware(memory_cache_middleware.with_(ttl_ms=200, key_fn=user_key))
    .run(get_profile)
    .build()
)
get_profile_builtin = (
    r.task("caching.tasks.get_profile")
    .dependencies(users=users)
    .middleware(globals.middleware.task.cache.with_(ttl=60_000, max=1_000, key_fn=user_key))
    .run(get_profile)
    .build()
)

app = (
    r.resource("caching")
    .register(
        users,
        memory_cache_middleware,
        get_profile_custom,
        get_profile_builtin,
        globals.resources.cache,
    )
    .build()
)
