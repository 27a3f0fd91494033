"""What generated ``start()`` reads test overrides with.

The typed ``Overrides`` TypedDict checks what a test passes, where it passes it. Inside
``start()`` the groups are plain mappings: looking a key up in a TypedDict of thousands of
keys (and narrowing it on ``in``) costs the type checker far more than the app is worth, and
each value is assigned to a local already declared with the definition's own type.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from runner_gen.runtime.clock import SYSTEM_CLOCK, Clock

_NOTHING: Mapping[str, Any] = {}


def replacements(overrides: Mapping[str, object] | None, group: str) -> Mapping[str, Any]:
    """The ``group`` ("resources", "tasks", "events") of ``overrides``, empty when absent."""
    if not overrides:
        return _NOTHING
    return cast("Mapping[str, Any]", overrides.get(group, _NOTHING))


def clock_of(overrides: Mapping[str, object] | None) -> Clock:
    """The test's clock, or the system's."""
    if not overrides:
        return SYSTEM_CLOCK
    return cast("Clock", overrides.get("clock", SYSTEM_CLOCK))
