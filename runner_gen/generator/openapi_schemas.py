"""JSON Schemas of the types an exposure carries, as they travel on Runner's wire.

The types are the ones generated ``exposure.py`` hands to ``pydantic.TypeAdapter``: each
annotation is evaluated at build time with exactly the imports the generated module uses. All
schemas come from one ``TypeAdapter.json_schemas`` call, so pydantic names the shared ``$defs``
once (``Model``, or ``Model-Input``/``Model-Output`` when the two directions differ) and they are
hoisted into ``components.schemas``.

Runner's serializer writes some values as typed records (``{"__type": "Date", "value": ...}``):
datetimes always, integers beyond 2**53, non-finite floats, sets. Where pydantic's schema says
one of those, the wire schema accepts the plain form or the record, in both directions: pydantic
reads either in a request, and a response holds the record.
"""

from __future__ import annotations

import builtins
import importlib
from typing import Any, Literal

from pydantic import TypeAdapter
from pydantic.json_schema import JsonSchemaMode

from runner_gen.generator.annotations import Annotation

SCHEMAS = "#/components/schemas/"
MAX_SAFE_INTEGER = 2**53 - 1

#: The typed records of Runner's serializer an exposure's values may travel as.
RECORDS: dict[str, dict[str, Any]] = {
    "RunnerDate": {"value": {"type": "string", "format": "date-time"}},
    "RunnerBigInt": {"value": {"type": "string", "pattern": "^[+-]?[0-9]+$"}},
    "RunnerNonFiniteNumber": {"value": {"enum": ["NaN", "Infinity", "-Infinity"]}},
    "RunnerSet": {"value": {"type": "array"}},
}


def record_schema(name: str) -> dict[str, Any]:
    type_id = name.removeprefix("Runner")
    return {
        "description": f"Runner's serializer record for a {type_id} value.",
        "properties": {"__type": {"const": type_id}, **RECORDS[name]},
        "required": ["__type", "value"],
        "type": "object",
    }


def resolve(annotation: Annotation) -> Any:
    """The type an annotation names, bound the way the generated module binds it."""
    namespace: dict[str, Any] = {}
    for imported in annotation.imports:
        module = importlib.import_module(imported.module)
        if imported.name is not None:
            namespace[imported.local] = getattr(module, imported.name)
        elif imported.local == imported.module.split(".")[0]:
            namespace[imported.local] = importlib.import_module(imported.local)
        else:
            namespace[imported.local] = module
    # The text is an annotation the user wrote and the generated exposure evaluates at import.
    return eval(annotation.text, {"__builtins__": builtins}, namespace)


Direction = Literal["request", "response"]


class SchemaSet:
    """Collects the types to describe, then builds all their schemas in one pass."""

    def __init__(self) -> None:
        self._wanted: dict[tuple[str, JsonSchemaMode], TypeAdapter[Any]] = {}
        self._built: dict[tuple[str, JsonSchemaMode], dict[str, Any]] = {}
        self.definitions: dict[str, Any] = {}

    def want(self, key: str, kind: Any, direction: Direction) -> tuple[str, JsonSchemaMode]:
        mode: JsonSchemaMode = "validation" if direction == "request" else "serialization"
        self._wanted[(key, mode)] = TypeAdapter(kind)
        return (key, mode)

    def build(self) -> None:
        inputs = [(key, mode, adapter) for (key, mode), adapter in sorted(self._wanted.items())]
        schemas, definitions = TypeAdapter.json_schemas(inputs, ref_template=SCHEMAS + "{model}")
        self._built = {key: wire(dict(schema)) for key, schema in schemas.items()}
        self.definitions = {
            name: wire(schema) for name, schema in definitions.get("$defs", {}).items()
        }

    def schema(self, key: tuple[str, JsonSchemaMode]) -> dict[str, Any]:
        return self._built[key]


_NOT_SCHEMAS = frozenset({"const", "default", "enum", "examples", "example"})


def wire(schema: Any) -> Any:
    """``schema`` with Runner's typed records allowed where the serializer may write them."""
    if isinstance(schema, list):
        return [wire(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    node = {key: value if key in _NOT_SCHEMAS else wire(value) for key, value in schema.items()}
    record = _record_for(node)
    if record is None:
        return node
    if record == "RunnerSet":
        members = {key: value for key, value in node.items() if key != "uniqueItems"}
        set_record = record_schema(record)
        set_record["properties"]["value"] = members
        return {"anyOf": [node, set_record]}
    return {"anyOf": [node, {"$ref": SCHEMAS + record}]}


def _record_for(node: dict[str, Any]) -> str | None:
    kind = node.get("type")
    if kind == "string" and node.get("format") == "date-time":
        return "RunnerDate"
    if kind == "integer" and not _safe_bounds(node):
        return "RunnerBigInt"
    if kind == "number":
        return "RunnerNonFiniteNumber"
    if kind == "array" and node.get("uniqueItems") is True:
        return "RunnerSet"
    return None


def _safe_bounds(node: dict[str, Any]) -> bool:
    """Whether the schema's bounds keep every value within JavaScript's safe integers."""
    high = node.get("maximum", node.get("exclusiveMaximum"))
    low = node.get("minimum", node.get("exclusiveMinimum"))
    return (
        isinstance(high, int | float)
        and isinstance(low, int | float)
        and low >= -MAX_SAFE_INTEGER
        and high <= MAX_SAFE_INTEGER
    )


def used_records(document: Any) -> list[str]:
    """The record components ``document`` refers to, in name order."""
    text = repr(document)
    return [name for name in sorted(RECORDS) if f"'{SCHEMAS}{name}'" in text]
