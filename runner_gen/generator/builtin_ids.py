"""Ids of the built-ins the generator treats specially (their lowering lives in ``builtins``)."""

from __future__ import annotations

from typing import Final

STORE_ID: Final = "globals.resources.store"
LOGGER_ID: Final = "globals.resources.logger"
METRICS_ID: Final = "globals.resources.metrics"
TRACING_ID: Final = "globals.resources.tracing"
CACHE_ID: Final = "globals.resources.cache"
CACHE_MIDDLEWARE_ID: Final = "globals.middleware.task.cache"
FALLBACK_ID: Final = "globals.middleware.task.fallback"
READY_EVENT_ID: Final = "globals.events.ready"
EXCLUDE_FROM_GLOBAL_HOOKS: Final = "globals.tags.exclude_from_global_hooks"
EXPOSURE_TAG: Final = "globals.tags.http_exposure"
TUNNEL_TAG: Final = "globals.tags.tunnel"

#: Python names for the built-in middleware whose Runner ids do not end in one: Runner puts the
#: kind last (``globals.middleware.retry.task``) or writes camelCase (``...circuitBreaker``).
#: Generated attributes, state slots and chain parameters use these instead of the last segment.
SHORT_NAMES: Final = {
    "globals.middleware.retry.task": "retry",
    "globals.middleware.timeout.task": "timeout",
    "globals.middleware.retry.resource": "resource_retry",
    "globals.middleware.timeout.resource": "resource_timeout",
    "globals.middleware.task.circuitBreaker": "circuit_breaker",
    "globals.middleware.task.rateLimit": "rate_limit",
    "globals.middleware.task.requireContext": "require_context",
}
