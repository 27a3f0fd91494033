"""Typed errors: ``r.error(id)`` builds an exception class with a stable id and http code."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any, Generic, Literal, NoReturn, TypeVar

from runner_gen.definitions.source import Source
from runner_gen.runtime.errors import RunnerError

DataT = TypeVar("DataT")


class TypedError(RunnerError, Generic[DataT]):
    """Base of the exception classes ``r.error(...).build()`` creates."""

    data: DataT

    def __init__(self, data: DataT, message: str | None = None) -> None:
        super().__init__(message if message is not None else _default_format(data), data=data)


class ErrorDefinition(Generic[DataT]):
    """Raise with ``raise not_found.new(data)`` or ``not_found.throw(data)``; catch with
    ``except not_found.error_class`` or test with ``not_found.is_(error)``."""

    kind: Literal["error"] = "error"

    def __init__(
        self,
        id: str,
        source: Source,
        *,
        http_code: int | None = None,
        data_schema: object | None = None,
        format: Callable[[DataT], str] | None = None,
        remediation: str | Callable[[DataT], str] | None = None,
        meta: Mapping[str, object] | None = None,
    ) -> None:
        self.id = id
        self.meta: Mapping[str, object] = MappingProxyType(dict(meta or {}))
        self.source = source
        #: The status it is answered with over HTTP: 500 unless ``.http_code(n)`` declared one.
        self.http_code = 500 if http_code is None else http_code
        #: Whether ``.http_code(n)`` was called: Runner's envelope has ``httpCode`` only then.
        self.http_code_declared = http_code is not None
        self.data_schema = data_schema
        self._format = format
        self._remediation = remediation
        class_name = "".join(
            part.title() for part in id.replace("-", "_").split(".")[-1].split("_")
        )
        self.error_class: type[TypedError[DataT]] = type(
            class_name or "TypedError",
            (TypedError,),
            {
                "id": id,
                "http_code": self.http_code,
                "http_code_declared": self.http_code_declared,
                "__module__": __name__,
            },
        )

    def new(self, data: DataT) -> TypedError[DataT]:
        """The error for ``data``, validated by the data schema first, as Runner does."""
        if self.data_schema is not None:
            from runner_gen.definitions.validation import validator_for

            data = validator_for(self.data_schema)(data)  # type: ignore[assignment]
        message = self._format(data) if self._format else None
        error = self.error_class(data, message)
        remediation = self._remediation
        if remediation is not None:
            advice = remediation(data) if callable(remediation) else remediation
            error.remediation = advice
            # As in Runner, the message carries the advice: the HTTP envelope (which sends
            # ``message``) and every log line show it, not only str(error).
            error.message = f"{error.message}\n\nRemediation: {advice}"
            error.args = (error.message,)
        return error

    def throw(self, data: DataT) -> NoReturn:
        raise self.new(data)

    def from_remote(self, remote: Any) -> TypedError[DataT]:
        """Re-create this error from a remote error envelope (generated clients map ids here)."""
        error = self.new(remote.data)
        error.add_note(f"raised remotely: {remote.message}")
        return error

    def is_(self, error: object, partial_data: Mapping[str, object] | None = None) -> bool:
        """Whether ``error`` is this typed error and, when ``partial_data`` is given, its data
        has each of those fields equal (Runner's ``is(error, partialData)``)."""
        if not isinstance(error, self.error_class):
            return False
        if not partial_data:
            return True
        data = error.data
        for key, expected in partial_data.items():
            if isinstance(data, Mapping):
                if key not in data or data[key] != expected:
                    return False
            elif getattr(data, key, _ABSENT) != expected:
                return False
        return True

    def optional(self) -> Any:
        from runner_gen.definitions.kinds import OptionalDependency

        return OptionalDependency(self)


_ABSENT = object()


def _default_format(data: object) -> str:
    """Runner's default message, ``JSON.stringify(data)``: compact, keys in insertion order,
    non-ASCII kept as is; records (pydantic, dataclasses) and dates as JSON would show them."""
    try:
        return _COMPACT_JSON.encode(data)
    except (TypeError, ValueError):  # a cycle, or a value _jsonable refused
        return repr(data)


def _jsonable(value: object) -> object:
    dump = getattr(value, "model_dump", None)
    if callable(dump) and not isinstance(value, type):
        return dump(mode="json")
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    if isinstance(value, datetime):
        return _js_date_json(value)
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    return str(value)


def _js_date_json(value: datetime) -> str:
    """``Date.prototype.toJSON``: UTC, milliseconds, ``Z``."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.isoformat(timespec="milliseconds") + "Z"


_COMPACT_JSON = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, default=_jsonable)
