"""The wire serializer: Runner 5.x tree format, both directions, and hostile payloads."""

from __future__ import annotations

import contextlib
import enum
import json
import math
import sys
from collections import OrderedDict
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from runner_gen.runtime.errors import RunnerError
from runner_gen.runtime.serializer import (
    UNDEFINED,
    JsRegExp,
    SerializerError,
    dumps,
    from_tree,
    loads,
    to_tree,
)

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def roundtrip(value: object) -> object:
    return loads(dumps(value))


# ------------------------------------------------------------------------------------ Date


def test_datetime_is_written_as_runner_date_in_utc_with_milliseconds() -> None:
    assert to_tree(EPOCH) == {"__type": "Date", "value": "1970-01-01T00:00:00.000Z"}


def test_naive_datetime_is_taken_as_utc() -> None:
    assert to_tree(datetime(2024, 5, 6, 7, 8, 9)) == {
        "__type": "Date",
        "value": "2024-05-06T07:08:09.000Z",
    }


def test_aware_datetime_is_converted_to_utc() -> None:
    paris_summer = timezone(timedelta(hours=2))
    value = datetime(2024, 5, 6, 9, 0, tzinfo=paris_summer)
    assert to_tree(value)["value"] == "2024-05-06T07:00:00.000Z"


def test_microseconds_are_truncated_to_milliseconds_like_js() -> None:
    value = datetime(2024, 1, 1, 0, 0, 0, 123999, tzinfo=UTC)
    assert to_tree(value)["value"] == "2024-01-01T00:00:00.123Z"
    assert roundtrip(value) == value.replace(microsecond=123000)


def test_early_years_are_zero_padded() -> None:
    assert to_tree(datetime(5, 1, 2))["value"] == "0005-01-02T00:00:00.000Z"


def test_date_decodes_to_aware_utc_datetime() -> None:
    decoded = loads(b'{"__type":"Date","value":"1970-01-01T00:00:00.000Z"}')
    assert decoded == EPOCH
    assert isinstance(decoded, datetime)
    assert decoded.tzinfo is UTC


def test_date_without_offset_is_read_as_utc() -> None:
    assert from_tree({"__type": "Date", "value": "2024-01-01T00:00:00"}) == datetime(
        2024, 1, 1, tzinfo=UTC
    )


def test_date_with_offset_decodes_to_utc() -> None:
    decoded = from_tree({"__type": "Date", "value": "2024-01-01T02:00:00+02:00"})
    assert decoded == datetime(2024, 1, 1, tzinfo=UTC)
    assert isinstance(decoded, datetime)
    assert decoded.utcoffset() == timedelta(0)


def test_aware_datetime_that_overflows_in_utc_is_refused() -> None:
    value = datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=5)))
    with pytest.raises(SerializerError, match="out of range"):
        to_tree(value)


@pytest.mark.parametrize(
    "payload",
    [
        None,
        0,
        "not a date",
        "+275760-09-13T00:00:00.000Z",  # a valid JS date beyond Python's datetime
        "0001-01-01T00:00:00+01:00",  # before year 1 once in UTC
    ],
)
def test_invalid_date_payloads_are_refused(payload: object) -> None:
    with pytest.raises(SerializerError, match="Invalid Date"):
        from_tree({"__type": "Date", "value": payload})


def test_date_overflowing_into_utc_is_refused() -> None:
    with pytest.raises(SerializerError, match="Invalid Date"):
        from_tree({"__type": "Date", "value": "9999-12-31T23:59:59-01:00"})


# ------------------------------------------------------------------------------------ Map / Set


def test_dict_with_non_str_keys_is_a_map_of_entries() -> None:
    assert to_tree({1: "a", "b": EPOCH}) == {
        "__type": "Map",
        "value": [[1, "a"], ["b", {"__type": "Date", "value": "1970-01-01T00:00:00.000Z"}]],
    }
    assert roundtrip({1: "a", "b": EPOCH}) == {1: "a", "b": EPOCH}


def test_map_with_string_keys_decodes_to_dict() -> None:
    assert loads(b'{"__type":"Map","value":[["a",1],["b",[2]]]}') == {"a": 1, "b": [2]}


def test_map_with_object_keys_decodes_to_pairs_because_no_dict_can_hold_them() -> None:
    decoded = loads(b'{"__type":"Map","value":[[{"id":1},"one"],[2,"two"]]}')
    assert decoded == [({"id": 1}, "one"), (2, "two")]


@pytest.mark.parametrize(
    "payload",
    [{"a": 1}, [1, 2], [[1]], [[1, 2, 3]], "x", None],
)
def test_invalid_map_payloads_are_refused(payload: object) -> None:
    with pytest.raises(SerializerError, match="Invalid Map payload"):
        from_tree({"__type": "Map", "value": payload})


def test_sets_are_runner_sets() -> None:
    assert to_tree({3}) == {"__type": "Set", "value": [3]}
    assert to_tree(frozenset({"x"})) == {"__type": "Set", "value": ["x"]}
    assert roundtrip({1, "a", EPOCH}) == {1, "a", EPOCH}


def test_set_of_js_objects_decodes_to_an_ordered_list() -> None:
    assert loads(b'{"__type":"Set","value":[{"a":1},[2],3]}') == [{"a": 1}, [2], 3]


def test_non_array_set_payload_is_refused() -> None:
    with pytest.raises(SerializerError, match="Invalid Set payload"):
        from_tree({"__type": "Set", "value": {"a": 1}})


# ------------------------------------------------------------------------------------ numbers


def test_ints_in_js_safe_range_stay_numbers_and_beyond_become_bigint() -> None:
    limit = 2**53 - 1
    assert to_tree(limit) == limit
    assert to_tree(-limit) == -limit
    assert to_tree(limit + 1) == {"__type": "BigInt", "value": str(limit + 1)}
    assert to_tree(-(limit + 1)) == {"__type": "BigInt", "value": str(-(limit + 1))}
    assert roundtrip(10**30) == 10**30


@pytest.mark.parametrize(("payload", "expected"), [("+5", 5), (" -12 ", -12), ("007", 7)])
def test_bigint_payloads_accepted_like_runner(payload: str, expected: int) -> None:
    assert from_tree({"__type": "BigInt", "value": payload}) == expected


@pytest.mark.parametrize("payload", ["1_000", "١٢", "12a", "", "1.5", 12, None])
def test_bigint_payloads_runner_rejects_are_refused(payload: object) -> None:
    with pytest.raises(SerializerError, match="Invalid bigint payload"):
        from_tree({"__type": "BigInt", "value": payload})


def test_bigint_with_too_many_digits_is_refused_not_parsed() -> None:
    with pytest.raises(SerializerError, match="too many digits"):
        from_tree({"__type": "BigInt", "value": "9" * 100_000})


def test_non_finite_floats_are_tagged() -> None:
    assert to_tree(math.nan) == {"__type": "NonFiniteNumber", "value": "NaN"}
    assert to_tree(math.inf) == {"__type": "NonFiniteNumber", "value": "Infinity"}
    assert to_tree(-math.inf) == {"__type": "NonFiniteNumber", "value": "-Infinity"}
    assert math.isnan(roundtrip(math.nan))  # type: ignore[arg-type]
    assert roundtrip([math.inf, -math.inf]) == [math.inf, -math.inf]


@pytest.mark.parametrize("payload", ["nan", "Inf", 0, None])
def test_unknown_non_finite_tags_are_refused(payload: object) -> None:
    with pytest.raises(SerializerError, match="non-finite"):
        from_tree({"__type": "NonFiniteNumber", "value": payload})


def test_finite_floats_stay_json_numbers() -> None:
    assert dumps([1.5, -0.0, 1e300]) == b"[1.5,-0.0,1e+300]"


# ------------------------------------------------------------------------------------ undefined


def test_undefined_is_distinct_from_null() -> None:
    assert to_tree(UNDEFINED) == {"__type": "Undefined", "value": None}
    assert to_tree(None) is None
    assert roundtrip({"a": UNDEFINED, "b": None}) == {"a": UNDEFINED, "b": None}


def test_undefined_is_falsy_and_prints_plainly() -> None:
    assert not UNDEFINED
    assert repr(UNDEFINED) == "UNDEFINED"


# ------------------------------------------------------------------------------------ RegExp


def test_regexp_round_trips_as_data() -> None:
    assert to_tree(JsRegExp("a+b", "gi")) == {
        "__type": "RegExp",
        "value": {"pattern": "a+b", "flags": "gi"},
    }
    assert roundtrip(JsRegExp("^x$", "")) == JsRegExp("^x$")


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"pattern": "a", "flags": "gg"}, "flags"),
        ({"pattern": "a", "flags": "x"}, "flags"),
        ({"pattern": "a" * 1025, "flags": ""}, "maximum allowed length"),
        ({"pattern": 1, "flags": ""}, "Invalid RegExp payload"),
        ({"pattern": "a"}, "Invalid RegExp payload"),
        ("a+", "Invalid RegExp payload"),
    ],
)
def test_invalid_regexp_payloads_are_refused(payload: object, message: str) -> None:
    with pytest.raises(SerializerError, match=message):
        from_tree({"__type": "RegExp", "value": payload})


# ------------------------------------------------------------------------------------ keys


def test_marker_keys_are_escaped_exactly_like_runner() -> None:
    value = {"__type": "Date", "__graph": True, "$runner.escape::x": 1, "value": 2}
    assert dumps(value) == (
        b'{"$runner.escape::__type":"Date","$runner.escape::__graph":true,'
        b'"$runner.escape::$runner.escape::x":1,"value":2}'
    )
    assert roundtrip(value) == value


def test_user_object_that_looks_like_a_typed_record_is_not_decoded_as_one() -> None:
    assert roundtrip({"__type": "Date", "value": "1970-01-01T00:00:00.000Z"}) == {
        "__type": "Date",
        "value": "1970-01-01T00:00:00.000Z",
    }


def test_prototype_pollution_keys_are_dropped_both_ways() -> None:
    value = {"__proto__": {"admin": True}, "constructor": 1, "prototype": 2, "ok": 3}
    assert to_tree(value) == {"ok": 3}
    wire = b'{"__proto__":{"a":1},"constructor":1,"$runner.escape::prototype":2,"ok":3}'
    assert loads(wire) == {"ok": 3}


def test_record_needs_a_string_type_and_a_value_key_to_be_typed() -> None:
    assert from_tree({"__type": 3, "value": 1}) == {"__type": 3, "value": 1}
    assert from_tree({"__type": "Date"}) == {"__type": "Date"}


@pytest.mark.parametrize("type_id", ["Nope", "Error", "URL", "Symbol", "Uint8Array"])
def test_types_we_cannot_represent_are_refused(type_id: str) -> None:
    with pytest.raises(SerializerError, match=f"Unknown type: {type_id}"):
        from_tree({"a": [{"__type": type_id, "value": None}]})


def test_graph_format_root_is_refused_but_nested_graph_key_is_data() -> None:
    with pytest.raises(SerializerError, match="graph format"):
        loads(b'{"__graph":true,"version":1,"root":{"__ref":"obj_1"},"nodes":{}}')
    assert loads(b'{"a":{"__graph":true,"root":1,"nodes":{}}}') == {
        "a": {"__graph": True, "root": 1, "nodes": {}}
    }


# ------------------------------------------------------------------------------------ Python types


class Colour(enum.StrEnum):
    RED = "red"


class Level(enum.IntEnum):
    HIGH = 3


def test_builtin_subclasses_travel_as_their_json_base() -> None:
    assert dumps([Colour.RED, Level.HIGH, OrderedDict(a=1), (1, 2)]) == b'["red",3,{"a":1},[1,2]]'


def test_subclasses_of_float_bool_and_list_are_encoded() -> None:
    class Ratio(float):
        pass

    class Items(list[int]):
        pass

    assert to_tree([Ratio(0.5), Ratio(math.inf), Items([1])]) == [
        0.5,
        {"__type": "NonFiniteNumber", "value": "Infinity"},
        [1],
    ]
    assert to_tree(Level.HIGH) == 3
    assert to_tree(2**60 + Level.HIGH) == {"__type": "BigInt", "value": str(2**60 + 3)}


@pytest.mark.parametrize("value", [object(), b"bytes", print])
def test_values_without_a_wire_form_are_refused(value: object) -> None:
    with pytest.raises(SerializerError, match="Cannot serialize"):
        dumps({"nested": [value]})


def test_circular_structure_is_refused_not_a_recursion_error() -> None:
    loop: list[Any] = []
    loop.append(loop)
    with pytest.raises(SerializerError, match=r"^Cannot serialize circular structure in tree mode"):
        dumps(loop)


def test_values_deeper_than_runner_allows_are_refused_even_when_python_could_go_on() -> None:
    previous = sys.getrecursionlimit()
    sys.setrecursionlimit(10_000)
    try:
        with pytest.raises(SerializerError, match=r"Maximum depth exceeded \(1000\)"):
            to_tree(_nested_lists(1_200))
        assert to_tree(_nested_lists(900)) == _nested_lists(900)
    finally:
        sys.setrecursionlimit(previous)


def test_dumps_is_compact_utf8() -> None:
    assert dumps({"a": [1, "é"]}) == '{"a":[1,"é"]}'.encode()


def test_lone_surrogates_survive_as_json_escapes() -> None:
    data = dumps(["\ud800x"])
    assert data == b'["\\ud800x"]'
    assert loads(data) == ["\ud800x"]


# ------------------------------------------------------------------------------------ hostile input


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"{",
        b"{'a':1}",
        b"[1,]",
        b"NaN",
        b"[Infinity]",
        b'{"a":-Infinity}',
        b"\xef\xbb\xbf{}",  # BOM: JSON.parse refuses it too
        b"\xff\xfe{}",
        b'"\xc3\x28"',
        "{}".encode("utf-16"),
    ],
)
def test_malformed_payloads_raise_serializer_error(data: bytes) -> None:
    with pytest.raises(SerializerError):
        loads(data)


def test_integer_literal_with_thousands_of_digits_is_refused() -> None:
    with pytest.raises(SerializerError, match="Invalid JSON"):
        loads(b"1" * 50_000)


def test_depth_limit_is_exact() -> None:
    assert loads(b"[" * 10 + b"]" * 10, max_depth=9) == from_tree(json.loads("[" * 10 + "]" * 10))
    with pytest.raises(SerializerError, match=r"Maximum depth exceeded \(9\)"):
        loads(b"[" * 11 + b"]" * 11, max_depth=9)
    with pytest.raises(SerializerError, match="depth"):
        loads(b'{"a":' * 11 + b"1" + b"}" * 11, max_depth=10)


def test_absurd_nesting_is_a_serializer_error_not_recursion_error() -> None:
    with pytest.raises(SerializerError, match="depth"):
        loads(b"[" * 200_000 + b"]" * 200_000)
    with pytest.raises(SerializerError, match="depth"):
        from_tree(_nested_lists(5_000))


def _nested_lists(depth: int) -> list[Any]:
    root: list[Any] = []
    current = root
    for _ in range(depth):
        child: list[Any] = []
        current.append(child)
        current = child
    return root


def test_serializer_error_is_a_typed_runner_error() -> None:
    with pytest.raises(RunnerError) as caught:
        loads(b"nope")
    assert isinstance(caught.value, SerializerError)
    assert caught.value.id == "runner.errors.serializer.invalidPayload"
    assert caught.value.http_code == 400


# ------------------------------------------------------------------------------------ properties

_KEYS = st.one_of(
    st.text(max_size=8).filter(lambda k: k not in {"__proto__", "constructor", "prototype"}),
    st.sampled_from(["__type", "__graph", "value", "$runner.escape::", "$runner.escape::__type"]),
)
_DATES = st.datetimes(timezones=st.just(UTC)).map(
    lambda d: d.replace(microsecond=d.microsecond // 1000 * 1000)
)
_HASHABLE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=8),
    _DATES,
)
_SUPPORTED = st.recursive(
    st.one_of(
        _HASHABLE,
        st.just(UNDEFINED),
        st.builds(JsRegExp, st.text(max_size=10), st.sampled_from(["", "g", "gi", "msuy"])),
        st.frozensets(_HASHABLE, max_size=4),
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(_KEYS, children, max_size=4),
        st.dictionaries(st.one_of(st.integers(), _DATES), children, min_size=1, max_size=4),
    ),
    max_leaves=20,
)


@settings(deadline=None)  # a busy 2-core CI box must not turn slowness into failures
@given(_SUPPORTED)
def test_supported_values_round_trip_through_the_tree(value: object) -> None:
    assert from_tree(to_tree(value)) == value


@settings(deadline=None)
@given(_SUPPORTED)
def test_supported_values_round_trip_through_bytes(value: object) -> None:
    assert loads(dumps(value)) == value


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200))
def test_arbitrary_bytes_only_ever_raise_serializer_error(data: bytes) -> None:
    with contextlib.suppress(SerializerError):
        loads(data)


_JSON = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=6)),
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.dictionaries(st.text(max_size=6), children, max_size=3),
        st.fixed_dictionaries(
            {
                "__type": st.sampled_from(
                    ["Date", "Map", "Set", "BigInt", "NonFiniteNumber", "Undefined", "RegExp", "X"]
                ),
                "value": children,
            }
        ),
    ),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(_JSON)
def test_arbitrary_json_with_typed_records_only_ever_raises_serializer_error(tree: Any) -> None:
    data = json.dumps(tree).encode()
    with contextlib.suppress(SerializerError):
        loads(data)


def test_pydantic_models_and_dataclasses_travel_as_objects() -> None:
    import dataclasses as dc

    from pydantic import BaseModel

    class Model(BaseModel):
        when: datetime
        tags: set[str]

    @dc.dataclass
    class Record:
        model: Model
        count: int

    when = datetime(2024, 1, 1, tzinfo=UTC)
    tree = to_tree(Record(Model(when=when, tags={"a"}), 2))
    assert tree == {
        "model": {
            "when": {"__type": "Date", "value": "2024-01-01T00:00:00.000Z"},
            "tags": {"__type": "Set", "value": ["a"]},
        },
        "count": 2,
    }
    with pytest.raises(SerializerError, match="Cannot serialize"):
        to_tree(Model)  # the class itself is not a record


def test_uuid_decimal_and_date_travel_as_their_canonical_text() -> None:
    import uuid
    from decimal import Decimal

    from pydantic import BaseModel

    class Order(BaseModel):
        id: uuid.UUID
        total: Decimal
        due: date

    order = Order(id=uuid.UUID(int=7), total=Decimal("10.05"), due=date(2024, 2, 29))
    tree = to_tree(order.model_dump())
    assert tree == {
        "id": "00000000-0000-0000-0000-000000000007",
        "total": "10.05",
        "due": "2024-02-29",
    }
    assert Order.model_validate(loads(dumps(order.model_dump()))) == order
