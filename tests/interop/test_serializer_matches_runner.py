"""Our serializer against Runner 5.5's own Serializer: same bytes out, same values in."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime

import pytest

from runner_gen.runtime.serializer import (
    UNDEFINED,
    JsMap,
    JsRegExp,
    SerializerError,
    dumps,
    loads,
)

from .node_runner import NodeRunner, runner_node

__all__ = ["runner_node"]  # the fixture is used by name

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

#: The Python value of each fixture in node/codec.js.
EXPECTED: dict[str, object] = {
    "date": EPOCH,
    "dateWithMillis": datetime(2024, 5, 6, 7, 8, 9, 123000, tzinfo=UTC),
    "map": {1: "one", "k": EPOCH},
    "set": {"a"},
    "bigint": 2**60,
    "negativeBigint": -(2**70),
    "infinity": math.inf,
    "negativeInfinity": -math.inf,
    "undefined": UNDEFINED,
    "regexp": JsRegExp("a+b", "gi"),
    "escapedKeys": {"__type": "Date", "value": "x", "__graph": True, "$runner.escape::k": 1},
    "nested": {"list": [1, "two", None, True, {"deep": [EPOCH]}], "obj": {"a": UNDEFINED}},
    "unicode": {"é": "ü😀"},
    "unsafeKeys": {"ok": 1},
    "envelope": {"ok": True, "result": {"sum": 3, "at": EPOCH}},
    # Runner 5.5 parity (docs/runner-parity.md, serializer): the 2**53 boundary, a Map with
    # string keys (JsMap), sets written in a hash-seed independent order, shared values.
    "maxSafeInteger": 2**53 - 1,
    "twoToThe53": 2**53,
    "minusTwoToThe53": -(2**53),
    "mapWithStringKeys": JsMap({"a": 1, "b": {"x"}}),
    "sortedNumberSet": {10, 2, 1},
    "sortedStringSet": {"c", "a", "b"},
    "sharedNotCircular": {"a": {"v": 1}, "b": {"v": 1}},
}


@pytest.fixture(scope="module")
def runner_wire(runner_node: NodeRunner) -> dict[str, bytes]:
    lines = runner_node.run_script("codec.js", "fixtures").splitlines()
    return {entry["name"]: entry["wire"].encode() for entry in map(json.loads, lines)}


def test_every_fixture_is_checked(runner_wire: dict[str, bytes]) -> None:
    assert set(runner_wire) == {*EXPECTED, "nan"}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_we_read_what_runner_writes(runner_wire: dict[str, bytes], name: str) -> None:
    assert loads(runner_wire[name]) == EXPECTED[name]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_we_write_the_same_bytes_as_runner(runner_wire: dict[str, bytes], name: str) -> None:
    assert dumps(EXPECTED[name]) == runner_wire[name]


def test_nan_both_ways(runner_wire: dict[str, bytes]) -> None:
    assert dumps(math.nan) == runner_wire["nan"]
    decoded = loads(runner_wire["nan"])
    assert isinstance(decoded, float)
    assert math.isnan(decoded)


SENT: list[tuple[object, object]] = [
    (EPOCH, "Date"),
    ({1: EPOCH}, "Map"),
    ({3}, "Set"),
    (2**64, "bigint"),
    (-math.inf, "NonFiniteNumber"),
    (UNDEFINED, "undefined"),
    (JsRegExp("^x$", "m"), "RegExp"),
    (JsMap({"relayed": 1}), "Map"),
    (2**53, "bigint"),
    (2**53 - 1, "number"),
    ({"__type": 1, "$runner.escape::a": 2}, {"__type": "number", "$runner.escape::a": "number"}),
    ([None, "s", 1.25], ["null", "string", "number"]),
]


def test_runner_reads_what_we_write_as_the_right_js_types(runner_node: NodeRunner) -> None:
    payloads = "\n".join(dumps(value).decode() for value, _ in SENT) + "\n"
    replies = [
        json.loads(line)
        for line in runner_node.run_script("codec.js", "reencode", stdin=payloads).splitlines()
    ]
    assert [reply.get("types") for reply in replies] == [types for _, types in SENT]
    assert [loads(reply["wire"].encode()) for reply in replies] == [value for value, _ in SENT]


@pytest.mark.parametrize(
    "payload",
    [
        '{"__type":"Nope","value":1}',
        '{"__type":"BigInt","value":"1_000"}',
        '{"__type":"NonFiniteNumber","value":"nan"}',
        '{"__type":"RegExp","value":{"pattern":"a","flags":"gg"}}',
    ],
)
def test_payloads_runner_rejects_we_reject_too(runner_node: NodeRunner, payload: str) -> None:
    reply = json.loads(runner_node.run_script("codec.js", "reencode", stdin=payload + "\n"))
    assert "error" in reply
    with pytest.raises(SerializerError):
        loads(payload.encode())


def test_a_map_runner_sends_comes_back_to_it_as_a_map(runner_wire: dict[str, bytes]) -> None:
    """Serializer.test.ts "should serialize Map" through a Python relay: Runner's Map decodes to
    a dict (JsMap) and is written back as a Map, not a plain object."""
    relayed = loads(runner_wire["mapWithStringKeys"])
    assert isinstance(relayed, dict)
    assert dumps(relayed) == runner_wire["mapWithStringKeys"]


def test_refusals_have_runners_messages(runner_node: NodeRunner) -> None:
    """circular.test.ts (tree mode refuses cycles) and the depth limit: same messages."""
    replies = {
        entry["name"]: entry
        for entry in map(json.loads, runner_node.run_script("codec.js", "failures").splitlines())
    }
    circular: dict[str, object] = {"x": 1}
    circular["self"] = circular
    with pytest.raises(SerializerError) as cycle:
        dumps(circular)
    assert cycle.value.message == replies["circular"]["message"]
    deep: dict[str, object] = {}
    current = deep
    for _ in range(1100):
        current["n"] = current = {}
    with pytest.raises(SerializerError) as too_deep:
        dumps(deep)
    assert too_deep.value.message == replies["tooDeep"]["message"]
    assert too_deep.value.id == replies["tooDeep"]["id"]
