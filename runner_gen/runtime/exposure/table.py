"""The exposure's static route table: path -> task, event, discovery, or a refused id.

Everything is decided at construction; resolving an exact path is one dict lookup. Paths not
spelled exactly as in the table are resolved as Runner's router does (empty segments ignored,
the id is the rest of the segments re-joined), so ``//task//a.b`` reaches ``a.b``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from runner_gen.runtime.exposure.envelope import success_body
from runner_gen.runtime.exposure.errors import NotFoundError
from runner_gen.runtime.exposure.routes import EventRoute, TaskRoute


@dataclass(frozen=True, slots=True)
class Discovery:
    body: bytes


@dataclass(frozen=True, slots=True)
class Unexposed:
    """A task or event path whose id is not on the allow-list (or does not exist: same thing)."""

    kind: str  # "Task" | "Event", as in Runner's "Task <id> not exposed"
    id: str


Endpoint = TaskRoute | EventRoute | Discovery | Unexposed


class RouteTable:
    """The allow-list as paths under ``base`` (Runner's normalized base path)."""

    __slots__ = ("_base", "_routes")

    def __init__(
        self,
        base: str,
        tasks: Mapping[str, TaskRoute],
        events: Mapping[str, EventRoute],
        *,
        discovery: bool,
    ) -> None:
        self._base = base
        self._routes: dict[str, Endpoint] = {}
        for key, task in tasks.items():
            _check_key(key, task.id)
            self._routes[f"{base}/task/{key}"] = task
        for key, event in events.items():
            _check_key(key, event.id)
            self._routes[f"{base}/event/{key}"] = event
        if discovery:
            allow_list = {"enabled": True, "tasks": sorted(tasks), "events": sorted(events)}
            self._routes[base + "/discovery"] = Discovery(success_body({"allowList": allow_list}))

    def exact(self, path: str) -> Endpoint | None:
        """The endpoint of a path spelled exactly as in the table (the fast path)."""
        return self._routes.get(path)

    def resolve(self, path: str) -> Endpoint:
        """The endpoint of any path; NotFoundError outside the tunnel's routes."""
        found = self._routes.get(path)
        if found is not None:
            return found
        base = self._base
        if not self.is_under_base(path):
            raise NotFoundError()
        kind, *id_parts = [segment for segment in path[len(base) :].split("/") if segment] or [""]
        if kind == "discovery":
            discovery = self._routes.get(base + "/discovery")
            if discovery is None:  # disabled
                raise NotFoundError()
            return discovery
        if kind not in ("task", "event") or not id_parts:
            raise NotFoundError()
        definition_id = "/".join(id_parts)
        return self._routes.get(f"{base}/{kind}/{definition_id}") or Unexposed(
            kind.capitalize(), definition_id
        )

    def is_under_base(self, path: str) -> bool:
        return path == self._base or path.startswith(self._base + "/")


def _check_key(key: str, route_id: str) -> None:
    if key != route_id:
        raise ValueError(f"route registered under {key!r} but its id is {route_id!r}")
