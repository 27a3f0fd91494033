"""Every type a user annotates with, imported from its documented public module.

mypy checks the ``assert_type`` lines (``make typecheck``); pytest runs them, so each public name
is also checked to be the very object the runtime uses.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import Any, NoReturn, assert_type

import pytest
from pydantic import BaseModel

import runner_gen.runtime.client.errors as client_errors
import runner_gen.runtime.errors as runtime_errors
import runner_gen.runtime.middleware.errors as middleware_errors
from runner_gen import (
    AsyncContext,
    AsyncContextDefinition,
    DefinitionInfo,
    Emission,
    Emit,
    ErrorDefinition,
    Health,
    HealthReport,
    Logger,
    MiddlewareAttachment,
    Resource,
    ResourceCall,
    ResourceMiddleware,
    RunnerError,
    Store,
    TagAccessor,
    TaggedTask,
    TaskCall,
    TaskMiddleware,
    TypedError,
    as_emitter,
    globals,
    r,
)
from runner_gen.errors import (
    CircuitOpenError,
    DisposeError,
    RateLimitExceededError,
    RemoteError,
    TaskTimeoutError,
    TransportError,
    dispose_failures,
)
from runner_gen.logging import LoggerConfig, LogRecord
from runner_gen.middleware import (
    CacheEntry,
    CacheProvider,
    MemoryCacheProvider,
    RetryConfig,
    TimeoutConfig,
)


class Order(BaseModel):
    id: int


class NotFound(BaseModel):
    order_id: int


class Limits(BaseModel):
    max_ms: int = 100


not_found = r.error("typing.errors.not_found").data_schema(NotFound).http_code(404).build()


def find(order_id: int) -> Order:  # noqa: RET503 - ruff cannot see that throw() is NoReturn
    if order_id >= 0:
        return Order(id=order_id)
    # No return after this line: mypy accepts it only because throw() is NoReturn.
    not_found.throw(NotFound(order_id=order_id))


def test_typed_errors_are_generic_and_throw_never_returns() -> None:
    assert_type(not_found, ErrorDefinition[NotFound])
    throw: Callable[[NotFound], NoReturn] = not_found.throw
    assert throw == not_found.throw
    error = not_found.new(NotFound(order_id=7))
    assert_type(error, TypedError[NotFound])
    assert_type(error.data, NotFound)
    assert isinstance(error, RunnerError)
    assert not_found.is_(error)
    assert error.http_code == 404
    with pytest.raises(not_found.error_class) as raised:
        find(-1)
    assert_type(raised.value, TypedError[NotFound])
    assert raised.value.data == NotFound(order_id=-1)
    assert find(3) == Order(id=3)


async def notify(order: Order, *, order_placed: Emit[Order], logger: Logger) -> None:
    pending = order_placed(order)
    assert_type(pending, Awaitable[None])
    await pending
    child = logger.with_(source="typing.tasks.notify")
    assert_type(child, Logger)
    await child.info("placed", data={"id": order.id})


async def test_emit_and_logger_annotate_task_dependencies() -> None:
    emitted: list[Order] = []
    records: list[LogRecord] = []

    async def emit(order: Order) -> None:
        emitted.append(order)

    logger = Logger(LoggerConfig(print_threshold=None))
    logger.on_log(records.append)
    await notify(Order(id=1), order_placed=as_emitter(emit), logger=logger)
    assert emitted == [Order(id=1)]
    assert [(record.source, record.message) for record in records] == [
        ("typing.tasks.notify", "placed")
    ]


async def time_it(call: TaskCall, config: Limits, *, logger: Logger) -> object:
    assert_type(call.task, DefinitionInfo)
    assert_type(call.next, Callable[[Any], Awaitable[Any]])
    return await call.next(call.input)


async def log_init(call: ResourceCall, config: None) -> object:
    assert_type(call.resource, DefinitionInfo)
    return await call.next(call.config)


def test_custom_middleware_definitions_carry_their_config_type() -> None:
    task_mw = (
        r.middleware.task("typing.mw.time")
        .config_schema(Limits)
        .dependencies(logger=globals.resources.logger)
        .run(time_it)
        .build()
    )
    assert_type(task_mw, TaskMiddleware[Limits])
    assert_type(task_mw.with_(max_ms=5), MiddlewareAttachment[Limits])
    assert task_mw.with_(max_ms=5).config == Limits(max_ms=5)

    resource_mw = r.middleware.resource("typing.mw.log_init").run(log_init).build()
    assert_type(resource_mw, ResourceMiddleware[None])
    assert resource_mw.kind == "resource_middleware"


async def test_custom_middleware_calls_the_rest_of_the_chain() -> None:
    async def rest(value: Any) -> Any:
        return value * 2

    info = DefinitionInfo("typing.tasks.double")
    logger = Logger(LoggerConfig(print_threshold=None))
    assert await time_it(TaskCall(info, 21, rest), Limits(), logger=logger) == 42
    assert await log_init(ResourceCall(info, 4, rest), None) == 8


def test_builtin_middleware_configs_come_from_runner_gen_middleware() -> None:
    retry = globals.middleware.task.retry.with_(RetryConfig(retries=2))
    assert_type(retry, MiddlewareAttachment[RetryConfig])
    timeout = globals.middleware.task.timeout.with_(TimeoutConfig(ttl=50))
    assert_type(timeout, MiddlewareAttachment[TimeoutConfig])
    assert (retry.config.retries, timeout.config.ttl) == (2, 50)
    logger = globals.resources.logger
    assert_type(logger, Resource[LoggerConfig, Logger])


class DictCache:
    """A user's cache store: structurally a ``CacheProvider``."""

    def __init__(self) -> None:
        self.entries: dict[str, CacheEntry] = {}

    async def get(self, key: str) -> CacheEntry | None:
        return self.entries.get(key)

    async def set(self, key: str, value: Any) -> None:
        self.entries[key] = CacheEntry(value)

    async def delete(self, key: str) -> bool:
        return self.entries.pop(key, None) is not None

    async def clear(self) -> None:
        self.entries.clear()

    async def invalidate_keys(self, keys: Iterable[str]) -> int:
        return sum([await self.delete(key) for key in keys])


async def test_cache_providers_satisfy_the_public_protocol() -> None:
    providers: list[CacheProvider] = [DictCache(), MemoryCacheProvider(max_entries=10, ttl_ms=0)]
    for provider in providers:
        await provider.set("k", 1)
        entry = await provider.get("k")
        assert_type(entry, CacheEntry | None)
        assert entry is not None
        assert entry.value == 1
        assert await provider.invalidate_keys(["k", "missing"]) == 1


def test_async_contexts_health_and_tags_are_public() -> None:
    user = r.async_context("typing.user").schema(Order).build()
    assert_type(user, AsyncContextDefinition[Order])
    as_context: AsyncContext[Order] = user
    with user.provide(Order(id=5)):
        assert_type(as_context.use(), Order)
        assert as_context.use() == Order(id=5)
    health = Health("degraded", "slow")
    assert_type(health.message, str | None)
    report = HealthReport(entries=())
    assert_type(report, HealthReport)
    accessor: TagAccessor[Limits] = TagAccessor(tasks=(), resources=())
    store = Store({"typing.tags.limit": accessor})
    assert_type(store.get_tasks_with_tag("typing.tags.limit"), tuple[TaggedTask[Any], ...])
    assert store.get_tasks_with_tag("typing.tags.limit") == ()


def test_errors_module_exports_the_classes_the_runtime_raises() -> None:
    assert TaskTimeoutError is middleware_errors.TaskTimeoutError
    assert CircuitOpenError is middleware_errors.CircuitOpenError
    assert RateLimitExceededError is middleware_errors.RateLimitExceededError
    assert DisposeError is runtime_errors.DisposeError
    assert RemoteError is client_errors.RemoteError
    assert TransportError is client_errors.TransportError
    for error_class in (TaskTimeoutError, CircuitOpenError, DisposeError, RemoteError):
        assert issubclass(error_class, RunnerError)
    error = RuntimeError("boom")
    assert_type(dispose_failures(error), tuple[tuple[str, BaseException], ...])
    assert dispose_failures(error) == ()


def test_emissions_are_covariant_in_their_payload() -> None:
    class Special(Order):
        pass

    emission: Emission[Order] = Emission("typing.placed", Special(id=2))
    assert_type(emission.data, Order)
    assert emission.data.id == 2


def test_redis_pieces_come_from_runner_gen_redis() -> None:
    from runner_gen.redis import (
        RedisCacheProvider,
        RedisEventTunnel,
        RedisEventTunnelConfig,
        RedisRateLimitConfig,
        RedisUnavailableError,
        redis_event_tunnel,
        redis_rate_limit,
    )

    assert_type(redis_rate_limit, TaskMiddleware[RedisRateLimitConfig])
    limit = redis_rate_limit.with_(window_ms=1000, max=5)
    assert_type(limit, MiddlewareAttachment[RedisRateLimitConfig])
    assert (limit.config.window_ms, limit.config.max) == (1000, 5)
    tunnel = redis_event_tunnel("typing.tunnels.events")
    assert_type(tunnel, Resource[RedisEventTunnelConfig, RedisEventTunnel])
    assert tunnel.id == "typing.tunnels.events"
    provider: type[CacheProvider] = RedisCacheProvider
    assert provider is RedisCacheProvider
    assert issubclass(RedisUnavailableError, RunnerError)
