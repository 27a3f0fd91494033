"""Stable text keys for task inputs, shared by cache, debounce and throttle.

Equal inputs give equal keys across runs and processes: ``json.dumps`` with sorted keys and
fixed separators; pydantic models go through ``model_dump(mode="json")`` and dataclasses
through ``asdict``. Anything else JSON cannot encode is refused with ``CacheKeyError`` rather
than keyed by ``repr`` (which would embed memory addresses and never hit).
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from pydantic import BaseModel

from runner_gen.runtime.middleware.errors import CacheKeyError


def _encode(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    raise TypeError(f"{type(value).__qualname__} is not serializable")


_dumps = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_encode
).encode


def stable_key(value: Any) -> str:
    """The canonical JSON text of ``value``; ``CacheKeyError`` when it has no such form."""
    try:
        return _dumps(value)
    except (TypeError, ValueError) as error:
        raise CacheKeyError(
            f"cannot build a key from input of type {type(value).__qualname__}: {error}",
            remediation="Pass JSON-like input, a pydantic model or a dataclass, or set key_fn.",
        ) from error
