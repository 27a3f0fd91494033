"""Runner's serializer (tree format, as HTTP tunnels use it), ported from Runner 5.5's tests.

Runner files (tag 5.5.0): src/__tests__/serializer/Serializer.test.ts, circular.test.ts and
src/__tests__/tunnel/serializer.test.ts. Runner's tests use ``serialize``/``deserialize`` (the
graph format, which also keeps cycles and shared identity); runner-gen speaks only the tree format
(``stringify``/``parse``), the one on the wire, so each port asserts the tree behaviour, which
tests/interop/test_serializer_matches_runner.py checks against Runner's own bytes.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from runner_gen.runtime.serializer import (
    UNDEFINED,
    JsMap,
    JsRegExp,
    SerializerError,
    dumps,
    loads,
)


def round_trip(value: object) -> object:
    return loads(dumps(value))


@pytest.mark.parametrize("value", [None, UNDEFINED, True, False, 0, 42, "hello", "", math.inf])
def test_primitives_round_trip(value: object) -> None:
    """Serializer: "should serialize and deserialize primitive values"."""
    assert round_trip(value) == value


def test_nan_round_trips() -> None:
    """Serializer: primitive values (NaN)."""
    decoded = round_trip(math.nan)
    assert isinstance(decoded, float)
    assert math.isnan(decoded)


def test_arrays_and_plain_objects_round_trip() -> None:
    """Serializer: "should serialize and deserialize arrays" / "plain objects"."""
    assert round_trip([1, 2, 3, "hello", True, None]) == [1, 2, 3, "hello", True, None]
    person = {"name": "John", "age": 30, "active": True, "tags": ["dev"], "metadata": None}
    assert round_trip(person) == person


def test_dates_and_regexps_round_trip() -> None:
    """Serializer: "should handle Date objects" / "should handle RegExp objects"."""
    noon = datetime(2024, 1, 1, 12, tzinfo=UTC)
    assert round_trip(noon) == noon
    assert round_trip(JsRegExp("test", "gi")) == JsRegExp("test", "gi")


def test_maps_round_trip_as_maps_with_any_keys() -> None:
    """Serializer: "should handle Map objects" (mixed keys, object values)."""
    original = JsMap({"key1": "value1", "key2": 42, 123: {"nested": "object"}})
    decoded = round_trip(original)
    assert isinstance(decoded, JsMap)
    assert decoded == original
    assert dumps(decoded) == dumps(original)


def test_built_in_types_inside_map_entries() -> None:
    """Serializer: "should handle nested built-in types inside Map entries"."""
    inner_date = datetime(2024, 2, 2, tzinfo=UTC)
    original = JsMap(
        {
            "date": datetime(2024, 1, 1, 12, tzinfo=UTC),
            "regex": JsRegExp("nested", "gi"),
            "innerMap": JsMap({"innerDate": inner_date}),
        }
    )
    decoded = round_trip(original)
    assert isinstance(decoded, JsMap)
    assert decoded["regex"] == JsRegExp("nested", "gi")
    assert isinstance(decoded["innerMap"], JsMap)
    assert decoded["innerMap"]["innerDate"] == inner_date


def test_a_dict_with_string_keys_is_a_plain_object_and_other_keys_make_a_map() -> None:
    """Decision (docs/runner-parity.md): ``dict`` -> object; non-string keys or ``JsMap`` -> Map."""
    assert dumps({"a": 1}) == b'{"a":1}'
    assert dumps({1: "a"}) == b'{"__type":"Map","value":[[1,"a"]]}'
    assert dumps(JsMap({"a": 1})) == b'{"__type":"Map","value":[["a",1]]}'


def test_sets_round_trip() -> None:
    """Serializer: "should handle Set objects" (hashable members come back as a set)."""
    assert round_trip({1, 2, 3}) == {1, 2, 3}
    with_objects = loads(b'{"__type":"Set","value":[1,{"nested":true}]}')
    assert with_objects == [1, {"nested": True}]  # a JS object member is unhashable


def test_set_bytes_do_not_depend_on_the_hash_seed() -> None:
    """The same set writes the same bytes under any PYTHONHASHSEED (Runner keeps insertion
    order; Python sets have none, so members are written sorted)."""
    script = (
        "import sys; from runner_gen.runtime.serializer import dumps; "
        "sys.stdout.buffer.write(dumps({'pear', 'apple', 'fig', 'kiwi', 'plum', ('t', 1), 3}))"
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", script],
            env={**os.environ, "PYTHONHASHSEED": str(seed)},
            capture_output=True,
            check=True,
            timeout=60,
        ).stdout
        for seed in (0, 1, 2, 3)
    }
    assert len(outputs) == 1
    assert outputs.pop() == dumps({"pear", "apple", "fig", "kiwi", "plum", ("t", 1), 3})


def test_empty_and_falsy_values_round_trip() -> None:
    """Serializer: "should handle empty objects and arrays"."""
    values: tuple[object, ...] = ({}, [], "", 0, False, None)
    for value in values:
        assert round_trip(value) == value


def test_undefined_values_keep_their_key() -> None:
    """Serializer: "should handle objects with undefined values"."""
    decoded = round_trip({"defined": "value", "undefined": UNDEFINED, "null": None})
    assert decoded == {"defined": "value", "undefined": UNDEFINED, "null": None}


def test_an_unknown_type_is_refused_with_runners_message_and_id() -> None:
    """Serializer: "should throw error for unknown types during deserialization"."""
    with pytest.raises(SerializerError, match="Unknown type: UnknownType") as caught:
        loads(b'{"__type":"UnknownType","value":"some data"}')
    assert caught.value.id == "runner.errors.serializer.typeRegistry"


def test_unsafe_keys_are_dropped() -> None:
    """Serializer: "drops unsafe keys during legacy deserialization"."""
    payload = (
        b'{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},"safe":1}'
    )
    assert loads(payload) == {"safe": 1}


def test_the_graph_format_is_refused() -> None:
    """Serializer: "drops unsafe keys inside graph object nodes" -- the graph format itself is
    not accepted here (HTTP tunnels never send it); a clear error instead."""
    graph = b'{"__graph":true,"version":1,"root":{"__ref":"obj_1"},"nodes":{}}'
    with pytest.raises(SerializerError, match="graph format"):
        loads(graph)


@pytest.mark.parametrize("shape", ["self", "array", "mutual", "chain", "parent", "in_map"])
def test_circular_values_are_refused_in_tree_mode(shape: str) -> None:
    """circular.test.ts ("self-reference in object/array", "two objects referencing each
    other", "three objects in circular chain", "tree with parent references", "circular
    references with built-in types"): Runner's graph format keeps them; its tree format, the
    wire's, refuses them with "Cannot serialize circular structure in tree mode", as here."""
    value: Any
    if shape == "self":
        value = {"name": "self"}
        value["self"] = value
    elif shape == "array":
        value = [1]
        value.append(value)
    elif shape == "mutual":
        a: dict[str, Any] = {"name": "a"}
        a["b"] = {"name": "b", "a": a}
        value = a
    elif shape == "chain":
        first: dict[str, Any] = {"n": 1}
        first["next"] = {"n": 2, "next": {"n": 3, "next": first}}
        value = first
    elif shape == "parent":
        root: dict[str, Any] = {"children": []}
        root["children"].append({"parent": root})
        value = root
    else:
        holder: dict[str, Any] = {"when": datetime(2024, 1, 1, tzinfo=UTC)}
        holder["index"] = {1: holder}
        value = holder
    with pytest.raises(SerializerError, match=r"^Cannot serialize circular structure in tree mode"):
        dumps(value)


def test_a_cycle_through_a_dataclass_is_refused_too() -> None:
    """circular.test.ts ("tree with parent references") with a dataclass node."""

    @dataclass
    class Node:
        children: list[Any]

    root = Node([])
    root.children.append(root)
    with pytest.raises(SerializerError, match="circular structure"):
        dumps(root)


def test_shared_values_that_are_not_circular_are_written_where_they_appear() -> None:
    """Serializer: "should preserve shared Map instances across the graph" -- in tree mode a
    shared value is written at each place (identity is a graph-format feature)."""
    shared = {"v": 1}
    assert dumps({"a": shared, "b": shared}) == b'{"a":{"v":1},"b":{"v":1}}'


def test_stringify_then_parse_round_trips_a_payload() -> None:
    """tunnel/serializer: "round-trips payloads via stringify/parse"."""
    payload = {"a": 1, "when": datetime(2024, 1, 1, tzinfo=UTC), "tags": {"x"}}
    assert loads(dumps(payload)) == payload
