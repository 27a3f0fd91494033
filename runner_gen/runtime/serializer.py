"""Runner's wire serializer (tree format), so Python and Node Runner 5.x read each other's bodies.

Plain JSON carries the JSON-able values; everything else travels as a typed record
``{"__type": <id>, "value": <payload>}`` exactly as ``new Serializer().stringify`` writes it:

=================  ==========================================  ==============================
Python             wire                                        decoded back as
=================  ==========================================  ==============================
datetime           ``Date``, ISO string, millisecond, ``Z``    aware UTC datetime
                   (naive datetimes are taken as UTC)
dict, non-str key  ``Map``, ``[[key, value], ...]``            JsMap, a dict (list of
JsMap, any keys                                                (key, value) tuples when a key
                                                               is unhashable)
set / frozenset    ``Set``, ``[member, ...]``, members sorted  set (list when a member is
                   (by value, or by JSON text when mixed)      unhashable, e.g. a JS object)
int beyond 2**53   ``BigInt``, decimal string                  int
nan / inf / -inf   ``NonFiniteNumber``                         float
UNDEFINED          ``Undefined`` (value null)                  UNDEFINED
JsRegExp           ``RegExp``, ``{"pattern", "flags"}``        JsRegExp
tuple              array                                       list
=================  ==========================================  ==============================

A ``dict`` with string keys is a plain object, as JSON and pydantic users expect; a Map that
arrives decodes to ``JsMap`` (a ``dict``), which writes back as a Map, so a Map relayed through
Python stays a Map for the Node peer; wrap a dict in ``JsMap`` to send a Map with string keys.
Set members have no order in Python, so they are written sorted: the same set gives the same
bytes whatever ``PYTHONHASHSEED`` is. A value that contains itself fails as Runner's does
("Cannot serialize circular structure in tree mode"); a shared, non-circular value is written
once per place it appears.

Object keys ``__type`` and ``__graph`` (and keys that already carry the escape prefix) are written
with the ``$runner.escape::`` prefix and unescaped on read, so user data is never mistaken for a
typed record. ``__proto__``, ``constructor`` and ``prototype`` keys are dropped both ways, as
Runner does, so a payload that is safe for a Node peer is the only kind we produce or accept.
Runner's graph format (``{"__graph": true, ...}``, written only by ``serialize()``, never on HTTP)
and its other built-in types (Error, URL, typed arrays, Symbol...) are rejected.
"""

from __future__ import annotations

import dataclasses
import decimal
import enum
import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Final, Literal, TypeAlias

from runner_gen.runtime.errors import RunnerError

__all__ = [
    "UNDEFINED",
    "JsMap",
    "JsRegExp",
    "SerializerError",
    "Undefined",
    "dumps",
    "from_tree",
    "loads",
    "to_tree",
]

DEFAULT_MAX_DEPTH: Final = 1000
MAX_SAFE_INTEGER: Final = 2**53 - 1
MAX_REGEXP_PATTERN_LENGTH: Final = 1024  # Runner's default maxRegExpPatternLength

ESCAPE_PREFIX: Final = "$runner.escape::"
_MARKER_KEYS: Final = frozenset({"__type", "__graph"})
_UNSAFE_KEYS: Final = frozenset({"__proto__", "constructor", "prototype"})
_REGEXP_FLAGS: Final = frozenset("dgimsuvy")
# ASCII only: int() would also accept other scripts' digits and "1_000", which Runner rejects.
_BIGINT_PAYLOAD: Final = re.compile(r"[+-]?[0-9]+", re.ASCII)


class SerializerError(RunnerError):
    """A value cannot be written in, or a payload is not valid, Runner's serializer format."""

    id = "runner.errors.serializer.invalidPayload"
    http_code = 400


class SerializerDepthError(SerializerError):
    """Nesting beyond the maximum depth (Runner's ``serializer.depthExceeded``)."""

    id = "runner.errors.serializer.depthExceeded"


class SerializerTypeError(SerializerError):
    """A typed record whose ``__type`` this side does not know (``serializer.typeRegistry``)."""

    id = "runner.errors.serializer.typeRegistry"


class _UndefinedType(enum.Enum):
    UNDEFINED = "undefined"

    def __repr__(self) -> str:
        return "UNDEFINED"

    def __bool__(self) -> bool:
        return False


#: JavaScript's ``undefined``: distinct from None (``null``) on the wire. Compare with ``is``.
UNDEFINED: Final = _UndefinedType.UNDEFINED
Undefined: TypeAlias = Literal[_UndefinedType.UNDEFINED]


class JsMap(dict[Any, Any]):
    """A ``dict`` that travels as a JavaScript ``Map`` whatever its keys (what a received Map
    decodes to, so relaying it keeps it a Map)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"JsMap({dict.__repr__(self)})"


@dataclass(frozen=True, slots=True)
class JsRegExp:
    """A JavaScript RegExp carried as data; it is never compiled here."""

    pattern: str
    flags: str = ""


JsonTree: TypeAlias = Any  # None | bool | int | float | str | list[JsonTree] | dict[str, JsonTree]


# --------------------------------------------------------------------------------------- encode


def to_tree(value: object) -> JsonTree:
    """``value`` as a JSON-able tree in Runner's format; SerializerError when it has no encoding."""
    try:
        return _encode(value, 0)
    except (RecursionError, SerializerDepthError):
        # Told apart only on failure, so the common path pays nothing for cycle tracking.
        if _has_cycle(value):
            raise SerializerError(
                "Cannot serialize circular structure in tree mode",
                remediation="Break the cycle; the tree format writes each value where it is.",
            ) from None
        raise _too_deep(DEFAULT_MAX_DEPTH) from None


def dumps(value: object) -> bytes:
    """Compact UTF-8 JSON of ``to_tree(value)``: the body of a request or response."""
    tree = to_tree(value)
    try:
        return _UTF8_ENCODER.encode(tree).encode("utf-8")
    except UnicodeEncodeError:
        # A lone surrogate (legal in JS strings) has no UTF-8 form; \\u escapes keep it intact.
        return _ASCII_ENCODER.encode(tree).encode("ascii")


# Built once: json.dumps/json.loads with options construct a new encoder/decoder on every call.
_UTF8_ENCODER: Final = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, allow_nan=False)
_ASCII_ENCODER: Final = json.JSONEncoder(separators=(",", ":"), ensure_ascii=True, allow_nan=False)


def _encode(value: object, depth: int) -> JsonTree:
    if depth > DEFAULT_MAX_DEPTH:
        raise _too_deep(DEFAULT_MAX_DEPTH)
    cls = type(value)
    # Exact-type checks first: they are the common case and cheaper than isinstance chains.
    if cls is str or cls is bool or value is None:
        return value
    if cls is int:
        return _encode_int(value)  # type: ignore[arg-type]
    if cls is float:
        return _encode_float(value)  # type: ignore[arg-type]
    if cls is dict:
        return _encode_dict(value, depth)  # type: ignore[arg-type]
    if cls is list or cls is tuple:
        return [_encode(item, depth + 1) for item in value]  # type: ignore[attr-defined]
    return _encode_other(value, depth)


def _encode_other(value: object, depth: int) -> JsonTree:
    if value is UNDEFINED:
        return {"__type": "Undefined", "value": None}
    if isinstance(value, datetime):
        return {"__type": "Date", "value": _iso_utc_millis(value)}
    if isinstance(value, set | frozenset):
        return {"__type": "Set", "value": _encode_members(value, depth + 2)}
    if isinstance(value, JsMap):
        return _encode_map(value, depth)
    if isinstance(value, JsRegExp):
        return {"__type": "RegExp", "value": {"pattern": value.pattern, "flags": value.flags}}
    # Subclasses (str enums, IntEnum, OrderedDict...) travel as their base JSON type.
    if isinstance(value, str):
        return str(value)
    if isinstance(value, int):
        return _encode_int(int(value))
    if isinstance(value, float):
        return _encode_float(float(value))
    if isinstance(value, dict):
        return _encode_dict(value, depth)
    if isinstance(value, list | tuple):
        return [_encode(item, depth + 1) for item in value]
    # Values JSON has no type for travel as their canonical text; a typed receiver (pydantic,
    # on our side) parses them back. JS has no date-only, UUID or decimal type either.
    if isinstance(value, uuid.UUID | decimal.Decimal):
        return str(value)
    if isinstance(value, date):  # datetime was handled above
        return value.isoformat()
    # Records travel as objects: pydantic models (typed error data, values a task returns
    # without a declared schema) and dataclasses. Duck-typed so the runtime needs no pydantic.
    dump = getattr(value, "model_dump", None)
    if callable(dump) and not isinstance(value, type):
        return _encode(dump(), depth)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _encode({f.name: getattr(value, f.name) for f in dataclasses.fields(value)}, depth)
    raise SerializerError(
        f"Cannot serialize a value of type {type(value).__name__}",
        remediation="Convert it to JSON types, datetime, set, dict or JsRegExp before sending.",
    )


def _encode_int(value: int) -> JsonTree:
    if -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
        return value
    return {"__type": "BigInt", "value": str(value)}


def _encode_float(value: float) -> JsonTree:
    if value != value:
        return {"__type": "NonFiniteNumber", "value": "NaN"}
    if value == float("inf"):
        return {"__type": "NonFiniteNumber", "value": "Infinity"}
    if value == float("-inf"):
        return {"__type": "NonFiniteNumber", "value": "-Infinity"}
    return value


def _encode_dict(value: dict[Any, Any], depth: int) -> JsonTree:
    child = depth + 1
    out: dict[str, JsonTree] = {}
    for key, item in value.items():
        if not isinstance(key, str):
            return _encode_map(value, depth)
        if key in _UNSAFE_KEYS:
            continue
        if key in _MARKER_KEYS or key.startswith(ESCAPE_PREFIX):
            key = ESCAPE_PREFIX + key
        out[key] = _encode(item, child)
    return out


def _encode_members(members: set[Any] | frozenset[Any], depth: int) -> list[JsonTree]:
    # By value when the members are all strings or all numbers, else by their JSON text: a
    # total order either way, so the bytes never depend on the hash seed.
    if all(type(item) is str for item in members):
        return [_encode(item, depth) for item in sorted(members)]
    if all(type(item) is int or type(item) is float for item in members):
        return [_encode(item, depth) for item in sorted(members, key=_number_order)]
    encoded = [_encode(item, depth) for item in members]
    return sorted(encoded, key=_UTF8_ENCODER.encode)


def _number_order(number: float) -> tuple[bool, float]:
    return (number != number, number if number == number else 0.0)  # NaN last: a total order


def _encode_map(value: dict[Any, Any], depth: int) -> JsonTree:
    entry = depth + 2
    return {
        "__type": "Map",
        "value": [
            [_encode(key, entry + 1), _encode(item, entry + 1)] for key, item in value.items()
        ],
    }


def _iso_utc_millis(value: datetime) -> str:
    if value.tzinfo is not None:
        try:
            value = value.astimezone(UTC)
        except OverflowError:
            raise SerializerError(f"Date out of range once converted to UTC: {value!r}") from None
    return value.replace(tzinfo=None).isoformat(timespec="milliseconds") + "Z"


# --------------------------------------------------------------------------------------- decode


def loads(data: bytes, *, max_depth: int = DEFAULT_MAX_DEPTH) -> object:
    """Parse a Runner-serialized body; every failure, whatever the bytes, is a SerializerError.

    Nesting is bounded by ``max_depth`` and, below that, by the interpreter's recursion limit
    (about 950 levels by default); either way a too-deep payload is a SerializerError.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise SerializerError(f"Payload is not valid UTF-8: {error.reason}") from None
    try:
        tree = _DECODER.decode(text)
    except RecursionError:
        raise _too_deep(max_depth) from None
    except ValueError as error:
        # JSONDecodeError, and int() refusing a number with thousands of digits (DoS guard).
        raise SerializerError(f"Invalid JSON payload: {error}") from None
    return from_tree(tree, max_depth=max_depth)


def _reject_constant(name: str) -> object:
    raise ValueError(f"{name} is not JSON")


_DECODER: Final = json.JSONDecoder(parse_constant=_reject_constant)


def from_tree(tree: JsonTree, *, max_depth: int = DEFAULT_MAX_DEPTH) -> object:
    """The Python value of a parsed Runner tree (see the module table)."""
    if _is_graph_payload(tree):
        raise SerializerError(
            "Runner's graph format is not supported",
            remediation="Send tree-format payloads (Serializer.stringify), as HTTP tunnels do.",
        )
    try:
        return _decode(tree, 0, max_depth)
    except RecursionError:
        raise _too_deep(max_depth) from None


def _is_graph_payload(tree: JsonTree) -> bool:
    # Only a root can be a graph; nested "__graph" keys are plain (Runner escapes its own).
    return (
        type(tree) is dict
        and tree.get("__graph") is True
        and "root" in tree
        and isinstance(tree.get("nodes"), dict | list)
    )


def _decode(tree: JsonTree, depth: int, max_depth: int) -> object:
    if depth > max_depth:
        raise _too_deep(max_depth)
    cls = type(tree)
    if cls is list:
        child = depth + 1
        return [_decode(item, child, max_depth) for item in tree]
    if cls is not dict:
        return tree
    type_id = tree.get("__type")
    if type(type_id) is str and "value" in tree:
        payload = _decode(tree["value"], depth + 1, max_depth)
        return _decode_typed(type_id, payload)
    child = depth + 1
    out: dict[str, object] = {}
    for key, item in tree.items():
        if key.startswith(ESCAPE_PREFIX):
            key = key[len(ESCAPE_PREFIX) :]
        if key in _UNSAFE_KEYS:
            continue
        out[key] = _decode(item, child, max_depth)
    return out


def _decode_typed(type_id: str, payload: object) -> object:
    decoder = _TYPE_DECODERS.get(type_id)
    if decoder is None:
        raise SerializerTypeError(f"Unknown type: {type_id}")
    return decoder(payload)


def _decode_date(payload: object) -> datetime:
    if not isinstance(payload, str):
        raise SerializerError("Invalid Date payload: expected an ISO string")
    try:
        parsed = datetime.fromisoformat(payload)
    except ValueError:
        raise SerializerError(f"Invalid Date payload: {payload[:64]!r}") from None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except OverflowError:
        raise SerializerError(f"Invalid Date payload: {payload[:64]!r}") from None


def _decode_map(payload: object) -> object:
    if not isinstance(payload, list) or not all(
        isinstance(entry, list) and len(entry) == 2 for entry in payload
    ):
        raise SerializerError("Invalid Map payload: expected [[key, value], ...]")
    pairs = [(entry[0], entry[1]) for entry in payload]
    try:
        return JsMap(pairs)
    except TypeError:
        return pairs  # a JS object (now a dict) used as a key: no dict can hold it


def _decode_set(payload: object) -> object:
    if not isinstance(payload, list):
        raise SerializerError("Invalid Set payload: expected an array")
    try:
        return set(payload)
    except TypeError:
        return payload  # members that are JS objects/arrays: unhashable, keep them in order


def _decode_bigint(payload: object) -> int:
    if not isinstance(payload, str):
        raise SerializerError("Invalid bigint payload")
    digits = payload.strip()
    if not _BIGINT_PAYLOAD.fullmatch(digits):
        raise SerializerError("Invalid bigint payload")
    try:
        return int(digits)
    except ValueError:  # more digits than sys.get_int_max_str_digits(): quadratic to parse
        raise SerializerError("Invalid bigint payload: too many digits") from None


_NON_FINITE: Final[dict[object, float]] = {
    "NaN": float("nan"),
    "Infinity": float("inf"),
    "-Infinity": float("-inf"),
}


def _decode_non_finite(payload: object) -> float:
    if not isinstance(payload, str) or payload not in _NON_FINITE:
        raise SerializerError("Invalid non-finite number payload")
    return _NON_FINITE[payload]


def _decode_undefined(payload: object) -> Undefined:
    return UNDEFINED


def _decode_regexp(payload: object) -> JsRegExp:
    if not isinstance(payload, dict):
        raise SerializerError("Invalid RegExp payload")
    pattern = payload.get("pattern")
    flags = payload.get("flags")
    if not isinstance(pattern, str) or not isinstance(flags, str):
        raise SerializerError("Invalid RegExp payload")
    if len(pattern) > MAX_REGEXP_PATTERN_LENGTH:
        raise SerializerError("RegExp pattern exceeds the maximum allowed length")
    if len(set(flags)) != len(flags) or not _REGEXP_FLAGS.issuperset(flags):
        raise SerializerError("Invalid RegExp flags")
    return JsRegExp(pattern, flags)


_TYPE_DECODERS: Final[dict[str, Callable[[object], object]]] = {
    "Date": _decode_date,
    "Map": _decode_map,
    "Set": _decode_set,
    "BigInt": _decode_bigint,
    "NonFiniteNumber": _decode_non_finite,
    "Undefined": _decode_undefined,
    "RegExp": _decode_regexp,
}


def _too_deep(max_depth: int) -> SerializerDepthError:
    return SerializerDepthError(
        f"Maximum depth exceeded ({max_depth})",
        remediation="Increase maxDepth only when needed and validate untrusted payload "
        "size/depth limits.",  # Runner's wording
    )


def _children(value: object) -> list[object]:
    if isinstance(value, dict):
        return [*value.values(), *value]
    if isinstance(value, list | tuple | set | frozenset):
        return list(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [getattr(value, f.name) for f in dataclasses.fields(value)]
    return []


def _has_cycle(root: object) -> bool:
    """Whether ``root`` contains itself through containers (iterative: no recursion limit)."""
    on_path: set[int] = set()
    stack: list[tuple[object, bool]] = [(root, False)]
    while stack:
        value, leaving = stack.pop()
        if leaving:
            on_path.discard(id(value))
            continue
        children = _children(value)
        if not children:
            continue
        if id(value) in on_path:
            return True
        on_path.add(id(value))
        stack.append((value, True))
        stack.extend((child, False) for child in children)
    return False
