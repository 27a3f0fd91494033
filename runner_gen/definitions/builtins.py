"""``globals``: Runner's built-in resources, middleware, tags and events.

Each is an ordinary definition bound to a module-level name here, so generated code can
reach it; the build registers a built-in implicitly when something refers to it.
"""

from __future__ import annotations

from typing import Any

from runner_gen.definitions.builders import (
    ResourceBuilder,
    TagBuilder,
    builtin_resource_middleware,
    builtin_task_middleware,
    new_builder,
)
from runner_gen.definitions.builtin_resources import create_logger
from runner_gen.definitions.kinds import Event, Resource, ResourceMiddleware, Tag, TaskMiddleware
from runner_gen.definitions.source import caller_source
from runner_gen.definitions.tunnels import TunnelTagConfig, TunnelTaskPolicyConfig
from runner_gen.runtime.logging.logger import Logger, LoggerConfig
from runner_gen.runtime.metrics import Metrics
from runner_gen.runtime.middleware import (
    CacheConfig,
    CacheMiddleware,
    CircuitBreakerConfig,
    ConcurrencyConfig,
    DebounceConfig,
    FallbackConfig,
    RateLimitConfig,
    RequireContextConfig,
    RetryConfig,
    ThrottleConfig,
    TimeoutConfig,
)

_RUNTIME = "runner_gen.runtime.middleware"


def _task_middleware(id: str, name: str, config: type[Any]) -> TaskMiddleware[Any]:
    return builtin_task_middleware(id, f"{_RUNTIME}:{name}", config, caller_source())


def _resource_middleware(id: str, name: str, config: type[Any]) -> ResourceMiddleware[Any]:
    return builtin_resource_middleware(id, f"{_RUNTIME}:{name}", config, caller_source())


# -- middleware ----------------------------------------------------------------------------

retry: TaskMiddleware[RetryConfig] = _task_middleware(
    "globals.middleware.retry.task", "RetryMiddleware", RetryConfig
)
timeout: TaskMiddleware[TimeoutConfig] = _task_middleware(
    "globals.middleware.timeout.task", "TimeoutMiddleware", TimeoutConfig
)
circuit_breaker: TaskMiddleware[CircuitBreakerConfig] = _task_middleware(
    "globals.middleware.task.circuitBreaker", "CircuitBreakerMiddleware", CircuitBreakerConfig
)
rate_limit: TaskMiddleware[RateLimitConfig] = _task_middleware(
    "globals.middleware.task.rateLimit", "RateLimitMiddleware", RateLimitConfig
)
cache: TaskMiddleware[CacheConfig] = _task_middleware(
    "globals.middleware.task.cache", "CacheMiddleware", CacheConfig
)
concurrency: TaskMiddleware[ConcurrencyConfig] = _task_middleware(
    "globals.middleware.task.concurrency", "ConcurrencyMiddleware", ConcurrencyConfig
)
fallback: TaskMiddleware[FallbackConfig] = _task_middleware(
    "globals.middleware.task.fallback", "FallbackMiddleware", FallbackConfig
)
debounce: TaskMiddleware[DebounceConfig] = _task_middleware(
    "globals.middleware.task.debounce", "DebounceMiddleware", DebounceConfig
)
throttle: TaskMiddleware[ThrottleConfig] = _task_middleware(
    "globals.middleware.task.throttle", "ThrottleMiddleware", ThrottleConfig
)
require_context: TaskMiddleware[RequireContextConfig] = _task_middleware(
    "globals.middleware.task.requireContext", "RequireContextMiddleware", RequireContextConfig
)
resource_retry: ResourceMiddleware[RetryConfig] = _resource_middleware(
    "globals.middleware.retry.resource", "RetryMiddleware", RetryConfig
)
resource_timeout: ResourceMiddleware[TimeoutConfig] = _resource_middleware(
    "globals.middleware.timeout.resource", "TimeoutMiddleware", TimeoutConfig
)

# -- resources -----------------------------------------------------------------------------

logger: Resource[LoggerConfig, Logger] = (
    new_builder(ResourceBuilder, "Resource", "globals.resources.logger", caller_source(1))
    .config_schema(LoggerConfig)
    .init(create_logger)
    .build()
)
store: Resource[None, None] = new_builder(
    ResourceBuilder, "Resource", "globals.resources.store", caller_source(1)
).build()
#: The app's cache (``invalidate_keys``, ``clear``): the per-app cache middleware instance.
cache_resource: Resource[None, CacheMiddleware] = new_builder(
    ResourceBuilder, "Resource", "globals.resources.cache", caller_source(1)
).build()
#: Registering it times every task (latency histogram, outcome counters); its value is the
#: in-process ``Metrics`` registry. Not registered: the call path pays nothing.
metrics: Resource[None, Metrics] = new_builder(
    ResourceBuilder, "Resource", "globals.resources.metrics", caller_source(1)
).build()

# -- tags and events -----------------------------------------------------------------------

exclude_from_global_hooks: Tag[None] = (
    new_builder(TagBuilder, "Tag", "globals.tags.exclude_from_global_hooks", caller_source(1))
    .for_("events")
    .build()
)
ready: Event[None] = Event("globals.events.ready", caller_source(1))
#: Marks tasks that call external services; ``runner-gen doctor`` checks they carry timeout,
#: retry and circuit-breaker middleware.
external_io: Tag[None] = (
    new_builder(TagBuilder, "Tag", "globals.tags.external_io", caller_source(1))
    .for_("tasks")
    .build()
)
#: Runner 5.x's ``globals.tags.tunnel``: a resource whose value routes tasks/events elsewhere.
#: Its config declares a custom tunnel's mode and selectors (see ``definitions.tunnels``); the
#: built-in transport tunnels carry it bare and route by their own config.
tunnel_tag: Tag[TunnelTagConfig] = (
    new_builder(TagBuilder, "Tag", "globals.tags.tunnel", caller_source(1))
    .config_schema(TunnelTagConfig)
    .config(TunnelTagConfig())  # bare: Runner's default, mode "none"
    .for_("resources")
    .build()
)
#: Runner's ``globals.tags.tunnelTaskPolicy``: which of a tunneled task's middleware still run
#: on the caller's side (none without it).
tunnel_task_policy: Tag[TunnelTaskPolicyConfig] = (
    new_builder(TagBuilder, "Tag", "globals.tags.tunnel.middlewarePolicy", caller_source(1))
    .config_schema(TunnelTaskPolicyConfig)
    .for_("tasks")
    .build()
)
#: Marks the resources an HTTP exposure is served from (their init is generated).
exposure_tag: Tag[None] = (
    new_builder(TagBuilder, "Tag", "globals.tags.http_exposure", caller_source(1))
    .for_("resources")
    .build()
)


class _TaskMiddleware:
    __slots__ = ()
    retry = retry
    timeout = timeout
    circuit_breaker = circuit_breaker
    rate_limit = rate_limit
    cache = cache
    concurrency = concurrency
    fallback = fallback
    debounce = debounce
    throttle = throttle
    require_context = require_context


class _ResourceMiddleware:
    __slots__ = ()
    retry = resource_retry
    timeout = resource_timeout


class _Middleware:
    __slots__ = ()
    task = _TaskMiddleware()
    resource = _ResourceMiddleware()


class _Resources:
    __slots__ = ()
    logger = logger
    store = store
    metrics = metrics
    cache = cache_resource


class _Tags:
    __slots__ = ()
    exclude_from_global_hooks = exclude_from_global_hooks
    tunnel = tunnel_tag
    tunnel_task_policy = tunnel_task_policy
    #: Runner's deprecated alias of ``tunnel_task_policy``.
    tunnel_policy = tunnel_task_policy
    http_exposure = exposure_tag
    external_io = external_io


class _Events:
    __slots__ = ()
    ready = ready


class _Globals:
    """Runner's ``globals``: ``globals.middleware.task.retry``, ``globals.resources.logger`` ..."""

    __slots__ = ()
    middleware = _Middleware()
    resources = _Resources()
    tags = _Tags()
    events = _Events()


globals = _Globals()
