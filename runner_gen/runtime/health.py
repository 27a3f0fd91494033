"""Health checks: resources may declare one; the app aggregates them for ``/health``.

Liveness (``check``) asks every resource that declared a check; readiness (``ready``) is the
lifecycle's state: true once started, false from the moment shutdown begins.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Final, Literal, TypeAlias

HealthStatus: TypeAlias = Literal["healthy", "degraded", "unhealthy"]
_LOGGER: Final = logging.getLogger("runner_gen.health")
_RANK: Final[dict[HealthStatus, int]] = {"healthy": 0, "degraded": 1, "unhealthy": 2}


@dataclass(frozen=True, slots=True)
class Health:
    """What a resource's health check returns."""

    status: HealthStatus = "healthy"
    message: str | None = None


HEALTHY: Final = Health()


@dataclass(frozen=True, slots=True)
class HealthEntry:
    id: str
    status: HealthStatus
    message: str | None = None


@dataclass(frozen=True, slots=True)
class HealthReport:
    """Every checked resource, and the worst status among them."""

    entries: tuple[HealthEntry, ...] = field(default=())

    @property
    def status(self) -> HealthStatus:
        worst: HealthStatus = "healthy"
        for entry in self.entries:
            if _RANK[entry.status] > _RANK[worst]:
                worst = entry.status
        return worst

    @property
    def healthy(self) -> bool:
        return self.status != "unhealthy"

    def find(self, resource_id: str) -> HealthEntry:
        for entry in self.entries:
            if entry.id == resource_id:
                return entry
        raise KeyError(f'no health entry for resource "{resource_id}"')


HealthCheck: TypeAlias = Callable[[], Awaitable[Health]]


class HealthChecks:
    """The app's health checks, run concurrently, each bounded by ``timeout`` seconds."""

    __slots__ = ("_checks", "_is_running", "timeout")

    def __init__(self, is_running: Callable[[], bool], timeout: float = 5.0) -> None:
        self._checks: list[tuple[str, HealthCheck]] = []
        self._is_running = is_running
        self.timeout = timeout

    def add(self, resource_id: str, check: HealthCheck) -> None:
        self._checks.append((resource_id, check))

    @property
    def ready(self) -> bool:
        """Readiness: the app is started and shutdown has not begun."""
        return self._is_running()

    async def check(self) -> HealthReport:
        results = await asyncio.gather(*(self._run(rid, check) for rid, check in self._checks))
        return HealthReport(tuple(results))

    async def _run(self, resource_id: str, check: HealthCheck) -> HealthEntry:
        try:
            async with asyncio.timeout(self.timeout):
                health = await check()
        except TimeoutError:
            return HealthEntry(resource_id, "unhealthy", f"check timed out after {self.timeout} s")
        except Exception as error:
            # A failing check is an unhealthy resource, never a failing health endpoint.
            _LOGGER.warning("health check of %r failed: %r", resource_id, error)
            return HealthEntry(resource_id, "unhealthy", type(error).__name__)
        # Checks are user code: a check typed -> Health may still return something else.
        returned: object = health
        if not isinstance(returned, Health):
            return HealthEntry(resource_id, "unhealthy", "check returned no Health")
        return HealthEntry(resource_id, returned.status, returned.message)
