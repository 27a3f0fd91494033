"""Lookup by id: Runner's ``runTask``, ``emitEvent``, ``getResourceValue`` and
``getResourceConfig`` on a started app.

The generated ``App`` declares one typed overload per id (so mypy knows each id's input, result,
payload, value and config, and an unknown id is a type error) and delegates here. The tables are
built once when the app starts; a call is one dict lookup. An unknown id raises Runner's error,
``Task "x" not found.``; after dispose every lookup raises ``DisposedError``, as Runner's
``runResultDisposed`` does.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Literal, TypeVar

from runner_gen.runtime.emitting import EmitReport
from runner_gen.runtime.errors import DisposedError, RunnerError
from runner_gen.runtime.events import Emitter, FailureMode
from runner_gen.runtime.info import Next
from runner_gen.runtime.journal import Journal, JournaledNext, forward_journal

# Type variables of the generated overloads that take a definition object instead of an id.
InputT = TypeVar("InputT")
OutputT = TypeVar("OutputT")
PayloadT = TypeVar("PayloadT")
ValueT = TypeVar("ValueT")
ConfigT = TypeVar("ConfigT")

Kind = Literal["Task", "Event", "Resource"]


class ElementNotFoundError(RunnerError, LookupError):
    """No task, event or resource has this id in the app (Runner's
    ``runtimeElementNotFound``)."""

    id = "runner.errors.runtimeElementNotFound"

    def __init__(self, kind: Kind, element_id: str) -> None:
        super().__init__(
            f'{kind} "{element_id}" not found.',
            remediation=f'Register {kind} "{element_id}" in the root resource tree before '
            "requesting it from the app.",
            data={"type": kind, "elementId": element_id},
        )
        self.kind = kind
        self.element_id = element_id


def without_input(task: Callable[[], Awaitable[Any]]) -> Next:
    """A task that takes no input, callable as the lookup calls every task: with one."""

    def call(input: Any) -> Awaitable[Any]:
        return task()

    return call


def _id_of(item: object) -> str:
    """An id, or the id of a definition object (Runner accepts both)."""
    if isinstance(item, str):
        return item
    found = getattr(item, "id", None)
    if not isinstance(found, str):
        raise TypeError(f"expected an id or a definition, got {item!r}")
    return found


class Lookup:
    """The tables behind a generated app's lookup methods."""

    __slots__ = ("_app_id", "_configs", "_events", "_is_running", "_journaled", "_tasks", "_values")

    def __init__(
        self,
        app_id: str,
        is_running: Callable[[], bool],
        *,
        tasks: Mapping[str, Next],
        journaled: Mapping[str, JournaledNext],
        events: Mapping[str, Emitter[Any]],
        values: Mapping[str, Any],
        configs: Mapping[str, Any],
    ) -> None:
        self._app_id = app_id
        self._is_running = is_running
        self._tasks = dict(tasks)
        self._journaled = dict(journaled)
        self._events = dict(events)
        self._values = dict(values)
        self._configs = dict(configs)

    def run_task(self, task: object, input: Any, journal: Journal | None = None) -> Awaitable[Any]:
        """Runner raises before returning the promise, so an unknown id raises here, not when
        awaited; a ``journal`` is forwarded to tasks whose chain has one (others cannot see it).
        """
        self._check_running()
        task_id = _id_of(task)
        run = self._tasks.get(task_id)
        if run is None:
            raise ElementNotFoundError("Task", task_id)
        if journal is not None:
            entry = self._journaled.get(task_id)
            if entry is not None:
                return entry(input, journal)
        return run(input)

    def emit_event(
        self,
        event: object,
        payload: Any,
        *,
        failure_mode: FailureMode,
        throw_on_error: bool,
        report: bool,
    ) -> Awaitable[EmitReport | None]:
        self._check_running()
        event_id = _id_of(event)
        emitter = self._events.get(event_id)
        if emitter is None:
            raise ElementNotFoundError("Event", event_id)
        if report:
            return emitter.report(payload, failure_mode=failure_mode, throw_on_error=throw_on_error)
        return emitter(payload, failure_mode=failure_mode, throw_on_error=throw_on_error)

    def resource_value(self, resource: object) -> Any:
        return self._resource(self._values, resource)

    def resource_config(self, resource: object) -> Any:
        # Only configured resources are in the configs table; the others' config is None.
        self._resource(self._values, resource)
        return self._configs.get(_id_of(resource))

    def _resource(self, table: dict[str, Any], resource: object) -> Any:
        self._check_running()
        resource_id = _id_of(resource)
        if resource_id not in table:
            raise ElementNotFoundError("Resource", resource_id)
        return table[resource_id]

    def _check_running(self) -> None:
        # Runner checks this first: after dispose even an unknown id gets the disposed error.
        if not self._is_running():
            raise DisposedError(self._app_id)


def as_journaled(task: Callable[..., Awaitable[Any]], takes_input: bool) -> JournaledNext:
    """A task whose chain has a journal, callable with a journal to forward. Forwarding goes
    through ``forward_journal``, which looks at the callable when called: a task a test
    replaced (``start(overrides=...)``) is simply called, as it cannot see a journal."""

    def forward(input: Any, journal: Journal | None = None, /) -> Awaitable[Any]:
        if journal is None:
            return task(input) if takes_input else task()
        if takes_input:
            return forward_journal(task, input, journal=journal)
        return forward_journal(task, journal=journal)

    return forward
