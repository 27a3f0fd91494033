"""Plan exposure.py and client.py: each with its own imports, since both need their types at
run time (pydantic ``TypeAdapter``s validate and dump values at the HTTP boundary)."""

from __future__ import annotations

import re
from typing import Any, Protocol

from runner_gen.definitions.kinds import Event, Task
from runner_gen.generator.annotations import Annotation
from runner_gen.generator.ir import ExposedIR, RemoteModule
from runner_gen.generator.locate import Locator
from runner_gen.generator.names import ImportTable
from runner_gen.generator.routing import Routing


class _Planner(Protocol):
    routing: Routing
    attrs: dict[str, str]
    vars: dict[str, str]

    def task_types(self, definition: Task[Any, Any]) -> tuple[Annotation | None, Annotation]: ...

    def payload_type(self, event: Event[Any]) -> Annotation: ...

    def definition(self, node_id: str) -> Any: ...

    def error_locators(self) -> list[tuple[str, Locator]]: ...


def adapter_name(type_text: str, taken: set[str]) -> str:
    """``_ADD_INPUT`` for ``AddInput``, ``_LIST_USER`` for ``list[User]``: readable and unique."""
    words = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", type_text)
    base = "_" + (re.sub(r"\W+", "_", words).strip("_").upper() or "VALUE")
    name, counter = base, 2
    while name in taken:
        name, counter = f"{base}_{counter}", counter + 1
    return name


def plan_remote_module(planner: _Planner, *, client: bool) -> RemoteModule | None:
    if not planner.routing.exposures:
        return None
    table = ImportTable()
    adapters: dict[str, str] = {}

    def adapter(annotation: Annotation) -> str | None:
        if annotation.text == "None":
            return None
        text = table.annotation(annotation, runtime=True)
        name = adapters.get(text)
        if name is None:
            name = adapter_name(text, set(adapters.values()))
            adapters[text] = name
        return name

    exposures = []
    for exposure_id, (task_ids, event_ids) in sorted(planner.routing.exposures.items()):
        items = []
        for task_id in task_ids:
            task = planner.definition(task_id)
            input_annotation, result = planner.task_types(task)
            attr = planner.attrs[task_id]
            items.append(
                ExposedIR(
                    "task",
                    task_id,
                    attr,
                    planner.vars[task_id],
                    None
                    if input_annotation is None
                    else table.annotation(input_annotation, runtime=True),
                    table.annotation(result, runtime=True),
                    None if input_annotation is None else adapter(input_annotation),
                    adapter(result),
                )
            )
        for event_id in event_ids:
            payload = planner.payload_type(planner.definition(event_id))
            attr = planner.attrs[event_id]
            items.append(
                ExposedIR(
                    "event",
                    event_id,
                    attr,
                    planner.vars[event_id],
                    table.annotation(payload, runtime=True),
                    None,
                    adapter(payload),
                    None,
                )
            )
        attr = planner.attrs[exposure_id]
        exposures.append((attr, f"create_{attr}_app", tuple(items)))
    errors: list[tuple[str, str]] = []
    if client:
        for error_id, locator in planner.error_locators():
            alias = table.module(locator.module)
            errors.append((error_id, f"{locator.expression(alias)}.from_remote"))
    return RemoteModule(
        imports=tuple(table.runtime_statements()),
        adapters=tuple((name, text) for text, name in adapters.items()),
        exposures=tuple(exposures),
        errors=tuple(errors),
    )
