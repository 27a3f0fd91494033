"""What a dependency on a tag yields: the static tuple of tagged tasks and resources.

The generator resolves tags at build time; the wiring builds these tuples once at start.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

ConfigT = TypeVar("ConfigT")


@dataclass(frozen=True, slots=True)
class TaggedTask(Generic[ConfigT]):
    """A task carrying the tag: its id, the tag's config on it, and the wired callable."""

    id: str
    config: ConfigT
    run: Callable[..., Awaitable[Any]]
    takes_input: bool = True


@dataclass(frozen=True, slots=True)
class TaggedResource(Generic[ConfigT]):
    """A resource carrying the tag, with the tag's config and the resource's value."""

    id: str
    config: ConfigT
    value: Any


@dataclass(frozen=True, slots=True)
class TagAccessor(Generic[ConfigT]):
    """Everything that carries one tag, in registration order."""

    tasks: tuple[TaggedTask[ConfigT], ...] = ()
    resources: tuple[TaggedResource[ConfigT], ...] = ()


class Store:
    """Read-only view of the app for code ported from Runner (``store.get_tasks_with_tag``).

    Lookups here are by id, so keep them off hot paths; the wiring itself never uses them.
    """

    __slots__ = ("_tags",)

    def __init__(self, tags: Mapping[str, TagAccessor[Any]]) -> None:
        self._tags = dict(tags)

    def get_tasks_with_tag(self, tag: str | _HasId) -> tuple[TaggedTask[Any], ...]:
        return self._accessor(tag).tasks

    def get_resources_with_tag(self, tag: str | _HasId) -> tuple[TaggedResource[Any], ...]:
        return self._accessor(tag).resources

    def _accessor(self, tag: str | _HasId) -> TagAccessor[Any]:
        tag_id = tag if isinstance(tag, str) else tag.id
        return self._tags.get(tag_id, _EMPTY)


class _HasId(Protocol):
    @property
    def id(self) -> str: ...


_EMPTY: TagAccessor[Any] = TagAccessor()
