"""Calls after dispose fail with ``DisposedError``, at no cost per call while the app runs.

The generated ``Tasks`` and ``Events`` are plain classes with ``__slots__`` holding callables.
Rather than every call checking a state flag, disposal *replaces* each attribute with a function
that raises: a running app pays nothing, a disposed one answers with Runner's typed error.
"""

from __future__ import annotations

from typing import Any, NoReturn, Protocol

from runner_gen.runtime.errors import DisposedError


class Sealable(Protocol):
    """An object whose attributes are the app's task callables or event emitters."""


def seal(namespace: object, app_id: str) -> None:
    """Replace every callable slot (or instance attribute) of ``namespace`` with a function
    raising ``DisposedError(app_id)``. Slots never set are left unset."""
    for name in _attribute_names(namespace):
        value = getattr(namespace, name, None)
        if callable(value) and not isinstance(value, _Sealed):
            object.__setattr__(namespace, name, _Sealed(app_id, name))


class _Sealed:
    """Stands in for a task or emitter of a disposed app: calling it raises at once."""

    __slots__ = ("app_id", "name")

    def __init__(self, app_id: str, name: str) -> None:
        self.app_id = app_id
        self.name = name

    def __call__(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise DisposedError(self.app_id)

    def __repr__(self) -> str:
        return f"<{self.name} of disposed app {self.app_id!r}>"


def _attribute_names(namespace: object) -> list[str]:
    names = list(_slot_names(type(namespace)))
    names.extend(getattr(namespace, "__dict__", {}))
    return [name for name in dict.fromkeys(names) if not name.startswith("__")]


_SLOT_NAMES: dict[type, tuple[str, ...]] = {}


def _slot_names(cls: type) -> tuple[str, ...]:
    """Every ``__slots__`` name of ``cls`` and its bases: computed once per generated class."""
    known = _SLOT_NAMES.get(cls)
    if known is not None:
        return known
    names: list[str] = []
    for klass in cls.__mro__:
        slots = klass.__dict__.get("__slots__", ())
        names.extend([slots] if isinstance(slots, str) else slots)
    _SLOT_NAMES[cls] = found = tuple(names)
    return found
