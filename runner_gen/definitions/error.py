"""Typed errors: ``r.error(id)`` builds an exception class with a stable id and http code."""

from __future__ import annotations

import json
from collections.abc import Callable
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
        http_code: int = 500,
        data_schema: object | None = None,
        format: Callable[[DataT], str] | None = None,
        remediation: str | Callable[[DataT], str] | None = None,
    ) -> None:
        self.id = id
        self.source = source
        self.http_code = http_code
        self.data_schema = data_schema
        self._format = format
        self._remediation = remediation
        class_name = "".join(
            part.title() for part in id.replace("-", "_").split(".")[-1].split("_")
        )
        self.error_class: type[TypedError[DataT]] = type(
            class_name or "TypedError",
            (TypedError,),
            {"id": id, "http_code": http_code, "__module__": __name__},
        )

    def new(self, data: DataT) -> TypedError[DataT]:
        message = self._format(data) if self._format else None
        error = self.error_class(data, message)
        remediation = self._remediation
        if remediation is not None:
            advice = remediation(data) if callable(remediation) else remediation
            error.remediation = advice
            error.args = (f"{error.message}\n\nRemediation: {advice}",)
        return error

    def throw(self, data: DataT) -> NoReturn:
        raise self.new(data)

    def from_remote(self, remote: Any) -> TypedError[DataT]:
        """Re-create this error from a remote error envelope (generated clients map ids here)."""
        data = remote.data
        if self.data_schema is not None:
            from runner_gen.definitions.validation import validator_for

            data = validator_for(self.data_schema)(data)
        error = self.new(data)
        error.add_note(f"raised remotely: {remote.message}")
        return error

    def is_(self, error: object) -> bool:
        return isinstance(error, self.error_class)

    def optional(self) -> Any:
        from runner_gen.definitions.kinds import OptionalDependency

        return OptionalDependency(self)


def _default_format(data: object) -> str:
    try:
        return json.dumps(data, default=str, sort_keys=True)
    except (TypeError, ValueError):  # pragma: no cover - default=str makes this unreachable
        return repr(data)
