"""Settings users expect: CORS origins, strict input, and every parse failure a 400."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

import pytest
from pydantic import BaseModel, TypeAdapter

from runner_gen.runtime.exposure import ExposureApp, ExposureConfig, TaskRoute

from .helpers import TOKEN, post_head, raw_exchange, serving
from .test_exposure_asgi import Exchange, echo, http_scope

ORIGINS = ("https://app.example", "https://admin.example")


async def test_listed_origins_are_echoed_with_vary_and_others_get_no_cors_header() -> None:
    config = ExposureConfig(tokens=(TOKEN,), cors_allow_origin=ORIGINS)
    async with serving([TaskRoute(id="t", call=echo)], config=config) as s:
        listed = await s.client.post(
            "/task/t", json={"input": 1}, headers={"origin": "https://admin.example"}
        )
        other = await s.client.post(
            "/task/t", json={"input": 1}, headers={"origin": "https://evil.example"}
        )
        preflight = await s.client.options(
            "/task/t",
            headers={
                "origin": "https://app.example",
                "access-control-request-headers": "x-runner-token",
            },
        )
        foreign_preflight = await s.client.options(
            "/task/t", headers={"origin": "https://evil.example"}
        )
    assert listed.headers["access-control-allow-origin"] == "https://admin.example"
    assert listed.headers["vary"] == "Origin"
    assert "access-control-allow-origin" not in other.headers
    assert other.status_code == 200  # CORS is the browser's business: the call itself is served
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == "https://app.example"
    assert preflight.headers["access-control-allow-headers"] == "x-runner-token"
    assert foreign_preflight.status_code == 204
    assert "access-control-allow-origin" not in foreign_preflight.headers


async def test_the_default_stays_runners_any_origin() -> None:
    async with serving([TaskRoute(id="t", call=echo)]) as s:
        response = await s.client.post("/task/t", json={"input": 1})
    assert response.headers["access-control-allow-origin"] == "*"
    assert "vary" not in response.headers


@pytest.mark.parametrize("origin", ["", "https://a.example\r\nx-injected: 1"])
def test_an_origin_that_cannot_be_a_header_is_a_configuration_error(origin: str) -> None:
    with pytest.raises(ValueError, match="cors_allow_origin"):
        ExposureConfig(tokens=(TOKEN,), cors_allow_origin=(origin,))


class Kind(enum.Enum):
    BOOK = "book"


class Order(BaseModel):
    quantity: int
    kind: Kind
    at: datetime
    ref: uuid.UUID


_ORDER = TypeAdapter(Order)
REF = "3f2b8c1e-58a4-4a9e-9f0c-2d9a3b7c1e10"
VALID = {"quantity": 2, "kind": "book", "at": "2024-01-02T03:04:05Z", "ref": REF}


def order_route(task_id: str) -> TaskRoute:
    async def take(order: Order) -> int:
        return order.quantity

    return TaskRoute(id=task_id, call=take, decode_input=_ORDER.validate_python)


@pytest.mark.parametrize(
    "change",
    [
        {"quantity": "2"},  # a string for an int
        {"quantity": True},  # a boolean for an int
        {"quantity": 2.0},  # a float for an int
        {"discount": 5},  # a field the model does not declare
    ],
    ids=["str-int", "bool-int", "float-int", "extra-field"],
)
async def test_strict_input_rejects_what_lax_validation_coerces_or_drops(
    change: dict[str, Any],
) -> None:
    config = ExposureConfig(tokens=(TOKEN,), strict_input=("shop.strict.*",))
    routes = [order_route("shop.strict.take"), order_route("shop.lax.take")]
    async with serving(routes, config=config) as s:
        body = {"input": {**VALID, **change}}
        strict = await s.client.post("/task/shop.strict.take", json=body)
        lax = await s.client.post("/task/shop.lax.take", json=body)
    assert strict.status_code == 400
    assert strict.json()["error"]["code"] == "INVALID_INPUT"
    assert lax.status_code == 200  # the same body, coerced (or the field dropped) when lax


async def test_strict_input_still_reads_formats_carried_in_json_strings_and_runner_dates() -> None:
    config = ExposureConfig(tokens=(TOKEN,), strict_input=True)
    dated = {**VALID, "at": {"__type": "Date", "value": "2024-01-02T03:04:05.000Z"}}
    async with serving([order_route("t")], config=config) as s:
        plain = await s.client.post("/task/t", json={"input": VALID})
        runner_date = await s.client.post("/task/t", json={"input": dated})
    assert plain.json() == {"ok": True, "result": 2}
    assert runner_date.json() == {"ok": True, "result": 2}


def test_strict_input_on_a_custom_decoder_is_a_configuration_error() -> None:
    route = TaskRoute(id="t", call=echo, decode_input=lambda value: value)
    with pytest.raises(ValueError, match="not a pydantic TypeAdapter"):
        ExposureApp(ExposureConfig(tokens=(TOKEN,), strict_input=True), {"t": route}, {})


@pytest.mark.parametrize(
    "body",
    [
        b'{"input":' + b"9" * 4301 + b"}",  # over Python's int digit limit
        b'{"input":{"__type":"BigInt","value":"' + b"9" * 5000 + b'"}}',
        b'{"input":' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        b'{"input":{"__type":"Date","value":"99999-01-01T00:00:00Z"}}',
        b'{"input":"\xff\xfe"}',
        b'{"input":NaN}',
        b'{"input":1}trailing',
    ],
    ids=["int-digits", "bigint-digits", "deep", "bad-date", "utf8", "nan", "trailing"],
)
async def test_every_unreadable_body_is_a_400_never_a_500(body: bytes) -> None:
    app = ExposureApp(ExposureConfig(tokens=(TOKEN,)), {"t": order_route("t")}, {})
    exchange = Exchange(body)
    await app(http_scope("/__runner/task/t"), exchange.receive, exchange.send)
    assert exchange.status == 400
    assert exchange.json["error"]["code"] in ("INVALID_JSON", "INVALID_INPUT")


async def test_input_the_decoder_cannot_read_is_a_400_not_a_500() -> None:
    def recursive(value: Any) -> Any:
        raise RecursionError("maximum recursion depth exceeded")

    app = ExposureApp(
        ExposureConfig(tokens=(TOKEN,)), {"t": TaskRoute("t", echo, decode_input=recursive)}, {}
    )
    exchange = Exchange(b'{"input":1}')
    await app(http_scope("/__runner/task/t"), exchange.receive, exchange.send)
    assert (exchange.status, exchange.json["error"]["code"]) == (400, "INVALID_INPUT")


async def test_a_content_length_with_thousands_of_digits_is_a_413() -> None:
    async with serving([TaskRoute(id="t", call=echo)]) as s:
        response = await raw_exchange(
            s.running.port, post_head("/__runner/task/t", "content-length: " + "9" * 5000)
        )
    # httptools refuses a length past 64 bits itself (400); the app never sees it as a 500.
    assert response.status in (400, 413)


async def test_a_declared_length_past_any_limit_is_a_413_in_the_app() -> None:
    app = ExposureApp(ExposureConfig(tokens=(TOKEN,)), {"t": TaskRoute("t", echo)}, {})
    exchange = Exchange(b"{}")
    scope = http_scope("/__runner/task/t", (b"content-length", b"9" * 5000))
    await app(scope, exchange.receive, exchange.send)
    assert (exchange.status, exchange.json["error"]["code"]) == (413, "PAYLOAD_TOO_LARGE")
