"""Locators: how generated code reaches a definition object (for its config) at start.

A definition bound to a module-level name is reached as ``module.name``; one written inline
(``app.register(db.with_(cfg))``) is reached through its parent: ``module.app.register[2]``.
Generated code evaluates these once in ``start()``, never on a call.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType


@dataclass(frozen=True, slots=True)
class Locator:
    module: str
    attr: str
    path: tuple[str | int, ...] = ()

    def child(self, *steps: str | int) -> Locator:
        return Locator(self.module, self.attr, (*self.path, *steps))

    def expression(self, module_alias: str) -> str:
        text = f"{module_alias}.{self.attr}"
        for step in self.path:
            text += f"[{step}]" if isinstance(step, int) else f".{step}"
        return text

    @property
    def is_direct(self) -> bool:
        """True when mypy can type the expression (no navigation through tuples of unions)."""
        return not self.path


class LocatorIndex:
    """Finds the module-level name of each definition object in the project's modules."""

    def __init__(self, modules: list[ModuleType]) -> None:
        self._by_object: dict[int, Locator] = {}
        self._keep: list[object] = []  # keeps ids stable while the index lives
        for module in sorted(modules, key=lambda m: m.__name__):
            for attr, value in sorted(vars(module).items()):
                if attr.startswith("__") or not _is_definition_like(value):
                    continue
                key = id(value)
                candidate = Locator(module.__name__, attr)
                current = self._by_object.get(key)
                if current is None or _prefer(candidate, current, value):
                    self._by_object[key] = candidate
                    self._keep.append(value)

    def find(self, value: object) -> Locator | None:
        return self._by_object.get(id(value))


def project_modules(project_root: Path, extra: tuple[str, ...] = ()) -> list[ModuleType]:
    """Modules imported from files under ``project_root`` (not the venv), plus ``extra``."""
    root = project_root.resolve()
    found: list[ModuleType] = []
    for name, module in list(sys.modules.items()):
        file = getattr(module, "__file__", None)
        if file is None:
            continue
        if name in extra:
            found.append(module)
            continue
        path = Path(file).resolve()
        if _is_within(path, root) and not _is_environment(path):
            found.append(module)
    return found


def _is_within(path: Path, root: Path) -> bool:
    try:
        path.relative_to(root)
    except ValueError:
        return False
    return True


def _is_environment(path: Path) -> bool:
    parts = set(path.parts)
    return bool(parts & {"site-packages", "dist-packages", ".venv", "venv"})


def _is_definition_like(value: object) -> bool:
    kind = getattr(type(value), "__name__", "")
    return kind in _DEFINITION_TYPES or getattr(value, "kind", None) in _DEFINITION_KINDS


def _prefer(candidate: Locator, current: Locator, value: object) -> bool:
    # The module where the definition was written beats a module that re-imports it.
    source = getattr(value, "source", None)
    file = getattr(source, "file", None)
    if file is None:
        return False
    candidate_file = getattr(sys.modules.get(candidate.module), "__file__", None)
    current_file = getattr(sys.modules.get(current.module), "__file__", None)
    return bool(candidate_file == file and current_file != file)


_DEFINITION_TYPES = frozenset({"ResourceWithConfig", "MiddlewareAttachment", "TagAttachment"})
_DEFINITION_KINDS = frozenset(
    {
        "resource",
        "task",
        "event",
        "hook",
        "tag",
        "task_middleware",
        "resource_middleware",
        "async_context",
        "error",
    }
)
