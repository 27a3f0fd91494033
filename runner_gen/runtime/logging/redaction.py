"""Redaction: one pass over a log entry that leaves no secret for any sink to see.

Three nets, applied together: values under sensitive keys are replaced whole; free text (the
message, string values, exception messages and tracebacks) is scanned for secret shapes (bearer
credentials, JWTs, ``key=value`` pairs, URL passwords); and registered secret values are removed
verbatim wherever they appear. The walk is bounded (string length, depth, items) and never
raises: when something cannot be rendered safely it is replaced by a marker, never passed through.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import re
from collections.abc import Iterable, Mapping
from typing import Any, Final

from pydantic import BaseModel

from runner_gen.runtime.errors import RunnerError
from runner_gen.runtime.logging.record import ErrorInfo
from runner_gen.runtime.logging.secret_patterns import (
    KEY_AND_SEPARATOR,
    PAIR_VALUE,
    REDACTED,
    SECRET_SHAPES,
    SENSITIVE_KEY_FRAGMENTS,
    SENSITIVE_KEY_WORDS,
    WHOLE_LINE_KEYS,
    WHOLE_LINE_VALUE,
    build_trigger_pattern,
    key_words,
    normalise_key,
    redacted_value,
    replace_shape,
)

MAX_STRING: Final = 8 * 1024
MAX_DEPTH: Final = 8
MAX_ITEMS: Final = 1000
MIN_SECRET_LENGTH: Final = 4

# Text just past the cut is still scanned, so a secret straddling the cut is matched whole and
# no prefix of it survives truncation.
_SCAN_MARGIN: Final = 1024
_KEY_CACHE_LIMIT: Final = 4096

MAX_DEPTH_MARKER: Final = "[MAX_DEPTH]"
FAILED_MARKER: Final = "[REDACTION_FAILED]"


class InvalidSecretError(RunnerError):
    """A secret too short to scrub without mangling ordinary text was registered."""

    id = "runner.errors.invalid_secret"


class Redactor:
    """Scrubs log values. ``enabled=False`` keeps only the registered-secret net."""

    __slots__ = (
        "_enabled",
        "_extra_fragments",
        "_extra_patterns",
        "_key_cache",
        "_secrets",
        "_sensitive_cache",
        "_trigger",
        "generation",
    )

    def __init__(
        self,
        *,
        enabled: bool = True,
        extra_keys: Iterable[str] = (),
        extra_patterns: Iterable[str | re.Pattern[str]] = (),
        secrets: Iterable[str] = (),
    ) -> None:
        self._enabled = enabled
        self._extra_fragments = tuple(filter(None, map(normalise_key, extra_keys)))
        self._trigger = build_trigger_pattern(self._extra_fragments)
        self._extra_patterns = tuple(re.compile(pattern) for pattern in extra_patterns)
        # Longest first, so a secret that contains another is removed whole.
        self._secrets: tuple[str, ...] = ()
        self._key_cache: dict[str, tuple[str, bool]] = {}
        self._sensitive_cache: dict[str, bool] = {}
        #: Bumped on every change of the rules, so callers caching redacted values re-redact.
        self.generation = 0
        for secret in secrets:
            self.register_secret(secret)

    @property
    def active(self) -> bool:
        """False when nothing would ever be changed: entries may then skip the walk entirely."""
        return self._enabled or bool(self._secrets)

    def register_secret(self, value: str) -> None:
        """Scrub ``value`` verbatim from every later entry (e.g. an exposure's auth tokens)."""
        if len(value) < MIN_SECRET_LENGTH:
            raise InvalidSecretError(
                f"A registered log secret must be at least {MIN_SECRET_LENGTH} characters long",
                remediation="Register the full secret value, not a fragment of it.",
            )
        if value in self._secrets:
            return
        self._secrets = tuple(sorted((*self._secrets, value), key=len, reverse=True))
        self._key_cache.clear()
        self.generation += 1

    def is_sensitive_key(self, key: str) -> bool:
        if not self._enabled:
            return False
        normalised = normalise_key(key)
        if any(fragment in normalised for fragment in SENSITIVE_KEY_FRAGMENTS):
            return True
        if any(fragment in normalised for fragment in self._extra_fragments):
            return True
        return not key_words(key).isdisjoint(SENSITIVE_KEY_WORDS)

    def scrub_text(self, text: str) -> str:
        """``text`` with every secret shape and registered secret replaced; at most 8 KiB."""
        try:
            return self._scrub(text)
        except Exception:  # a sink must never receive the unscrubbed text
            return FAILED_MARKER

    def redact_value(self, value: object) -> Any:
        """A JSON-shaped copy of ``value`` with secrets removed; never raises."""
        try:
            return self._value(value, 0)
        except Exception:
            return FAILED_MARKER

    def redact_mapping(self, mapping: Mapping[str, Any]) -> dict[str, Any]:
        try:
            return self._mapping(mapping, 0)
        except Exception:
            return {"redaction": FAILED_MARKER}

    def redact_error(self, error: ErrorInfo) -> ErrorInfo:
        stack = error["stack"]
        return {
            "type": self.scrub_text(error["type"]),
            "message": self.scrub_text(error["message"]),
            "stack": None if stack is None else self.scrub_text(stack),
        }

    def _scrub(self, text: str) -> str:
        overflow = len(text) - MAX_STRING
        if overflow > 0:
            text = text[: MAX_STRING + _SCAN_MARGIN]
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, REDACTED)
        if self._enabled:
            if self._trigger.search(text.lower()) is not None:
                # Pairs before shapes: "Authorization: Bearer x" is then one redacted value.
                text = SECRET_SHAPES.sub(replace_shape, self._redact_pairs(text))
            for pattern in self._extra_patterns:
                text = pattern.sub(REDACTED, text)
        if overflow > 0:
            text = f"{text[:MAX_STRING]}…[truncated {overflow} chars]"
        return text

    def _redact_pairs(self, text: str) -> str:
        pieces: list[str] = []
        done = 0  # text[:done] is already in pieces
        for pair in KEY_AND_SEPARATOR.finditer(text):
            if pair.start() < done or not self._is_sensitive_text_key(pair.group("key")):
                continue
            key = pair.group("key").lower()
            shape = WHOLE_LINE_VALUE if any(k in key for k in WHOLE_LINE_KEYS) else PAIR_VALUE
            value = shape.match(text, pair.end())
            if value is None:
                continue
            pieces.append(text[done : pair.end()])
            pieces.append(redacted_value(value.group()))
            done = value.end()
        if not pieces:
            return text
        pieces.append(text[done:])
        return "".join(pieces)

    def _is_sensitive_text_key(self, key: str) -> bool:
        cache = self._sensitive_cache
        try:
            return cache[key]
        except KeyError:
            pass
        if len(cache) >= _KEY_CACHE_LIMIT:
            cache.clear()
        sensitive = cache[key] = self.is_sensitive_key(key)
        return sensitive

    def _value(self, value: object, depth: int) -> Any:
        if isinstance(value, str):
            return self._scrub(value)
        kind = type(value)
        if value is None or kind is int or kind is bool:
            return value
        if isinstance(value, float):
            return _finite(value)
        if depth >= MAX_DEPTH:
            return MAX_DEPTH_MARKER
        if isinstance(value, dict):  # the common case, ahead of the slower ABC checks
            return self._mapping(value, depth + 1)
        if isinstance(value, Mapping):
            return self._mapping(value, depth + 1)
        if isinstance(value, list | tuple | set | frozenset):
            return self._sequence(value, depth + 1)
        if isinstance(value, BaseModel):
            return self._model(value, depth)
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            fields = {field.name: getattr(value, field.name) for field in dataclasses.fields(value)}
            return self._mapping(fields, depth + 1)
        if isinstance(value, bytes | bytearray):
            return self._scrub(bytes(value).decode("utf-8", "replace"))
        return self._text_of(value)

    def _mapping(self, mapping: Mapping[Any, Any], depth: int) -> dict[str, Any]:
        redacted: dict[str, Any] = {}
        items: Iterable[tuple[Any, Any]] = mapping.items()
        if len(mapping) > MAX_ITEMS:
            items = itertools.islice(items, MAX_ITEMS)
            redacted["…"] = f"{len(mapping) - MAX_ITEMS} more keys"
        cache = self._key_cache
        for key, item in items:
            decision = cache.get(key) if type(key) is str else None
            if decision is None:
                decision = self._key(key if type(key) is str else self._text_of(key))
            printable, sensitive = decision
            if sensitive:
                redacted[printable] = REDACTED
                continue
            kind = type(item)
            # Numbers and flags are the bulk of structured data; skip the call for them.
            if kind is int or kind is bool or item is None:
                redacted[printable] = item
            elif kind is float:
                redacted[printable] = _finite(item)
            else:
                redacted[printable] = self._value(item, depth)
        return redacted

    def _key(self, key: str) -> tuple[str, bool]:
        """The key as it may be printed, and whether the value under it must be hidden."""
        cache = self._key_cache  # the caller has looked ``key`` up already
        decision = (self._scrub(key), self.is_sensitive_key(key))
        if len(cache) >= _KEY_CACHE_LIMIT:
            cache.clear()  # keys that vary with input must not grow memory without bound
        cache[key] = decision
        return decision

    def _sequence(self, items: Iterable[Any], depth: int) -> list[Any]:
        redacted: list[Any] = []
        for index, item in enumerate(items):
            if index == MAX_ITEMS:
                redacted.append("[more items]")
                break
            redacted.append(self._value(item, depth))
        return redacted

    def _model(self, model: BaseModel, depth: int) -> Any:
        try:
            dumped = model.model_dump()
        except Exception:
            # str(model) would print its fields, secrets included: name the type only.
            return f"[unserializable {type(model).__name__}]"
        return self._mapping(dumped, depth + 1)

    def _text_of(self, value: object) -> str:
        try:
            text = str(value)
        except Exception:
            return f"[unprintable {type(value).__name__}]"
        return self._scrub(text)


def _finite(number: float) -> float | str:
    """Infinities and NaN as text: strict JSON (and most log stores) reject the bare tokens."""
    return number if math.isfinite(number) else str(number)
