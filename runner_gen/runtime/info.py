"""Static facts about a definition, decided at build time and handed to middleware."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal, TypeAlias

#: One layer of a task (or resource init) call chain: takes the input (or config), returns the
#: result. Middleware receive the next layer and return a new one; they treat values as opaque.
Next: TypeAlias = Callable[[Any], Awaitable[Any]]


@dataclass(frozen=True, slots=True)
class TagUse:
    """A tag attached to a definition, with its (validated) config."""

    id: str
    config: Any = None


@dataclass(frozen=True, slots=True)
class DefinitionInfo:
    """What middleware may know about the task or resource they wrap."""

    id: str
    kind: Literal["task", "resource"] = "task"
    tags: tuple[TagUse, ...] = field(default=())
    source: str = ""  # "path/to/module.py:12", for messages
    #: The chain gives each call a journal (something in it takes one), so a built-in may
    #: write its journal keys; decided at build time, so other chains never look for one.
    journaled: bool = False

    def tag_config(self, tag_id: str) -> Any:
        """The config of the tag ``tag_id`` on this definition, or None when absent."""
        for use in self.tags:
            if use.id == tag_id:
                return use.config
        return None
