"""The standalone client package against the real server, over real HTTP (uvicorn + httpx):
results arrive as the package's own copies, serialize as the server's values do, and remote
typed errors are re-raised as the package's own error classes."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any
from uuid import UUID

import pytest
from pydantic import TypeAdapter

from runner_gen.runtime.exposure import RunningExposure
from tests.client_package import api
from tests.client_package.support import API, import_client_package, write_client_package
from tests.client_types.fixtures import orders
from tests.client_types.fixtures.money import Money
from tests.support.build import build_app

wiring = build_app(API)
TOKEN = "s3cret"

ORDER: dict[str, Any] = {
    "id": "5f0c3d4e-1b2a-4c5d-8e9f-0a1b2c3d4e5f",
    "priority": 2,
    "lines": [
        {"sku": "  BOOK ", "quantity": 2, "price": {"amount": "12.50", "currency": "USD"}},
        {"sku": "pen", "quantity": 1, "price": {"amount": 3}, "stock": {"name": "p", "code": 7}},
    ],
    "note": {"text": "fragile", "audience": "customer"},
    "placed_at": "2024-05-01T12:30:00+02:00",
    "tags": ["a", "b"],
}


SHIPMENT = {
    "window": {"start": "2024-05-01", "end": "2024-05-03"},
    "to": {"street": "Main St 1", "city": "Graz"},
}


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> tuple[ModuleType, ModuleType]:
    directory = tmp_path_factory.mktemp("consumer")
    write_client_package(API, "storefront_client", directory)
    return import_client_package("storefront_client", directory)


@pytest.fixture
async def exposure() -> AsyncIterator[RunningExposure]:
    api.SHIPPED.clear()
    app = await wiring.start()
    try:
        exposure: RunningExposure = app.resources.exposure
        yield exposure
    finally:
        await app.dispose()


def same_json(value: object, copy_type: Any, server_value: object, server_type: Any) -> None:
    """The client's value serializes to the same JSON as the server's value."""
    client_json = TypeAdapter[Any](copy_type).dump_json(value)
    assert client_json == TypeAdapter[Any](server_type).dump_json(server_value)


async def test_results_are_the_packages_own_types_and_match_the_servers_values(
    package: tuple[ModuleType, ModuleType], exposure: RunningExposure
) -> None:
    client_module, copies = package
    server_order = orders.Order.model_validate(ORDER)
    async with client_module.AsyncClient(exposure.url, token=TOKEN) as client:
        page = await client.place(copies.Order.model_validate(ORDER))
        total = await client.total([copies.Line.model_validate(ORDER["lines"][0])])
        nothing = await client.total(None)
        receipt = await client.receipt(copies.Money(amount=Decimal("2.50")))
        named = await client.window(copies.Shipment.Window(start="2024-05-01", end="2024-05-03"))
        today = await client.today()
        item = await client.stock(UUID(int=42))
        doubled = await client.double(Decimal("1.25"))
        api.SHIPPED.append(orders.Shipment.model_validate(SHIPMENT))
        await client.close_()  # the task `shop.tasks.close`: `close` is the client's own
    assert type(page.items[1].parent) is copies.Order
    assert page.items[0].lines[0].sku == "book"  # the copy's validator ran on the client's side
    same_json(
        page,
        copies.Page[copies.Order],
        await api.place(server_order),
        orders.Page[orders.Order],
    )
    assert (type(total), total.amount, total.currency) == (copies.Money, Decimal("25.00"), "EUR")
    assert type(total.currency) is copies.Currency
    assert nothing == copies.Money(amount=Decimal(0))
    assert type(receipt) is copies.Receipt
    same_json(
        receipt, copies.Receipt, await api.receipt(Money(amount=Decimal("2.50"))), orders.Receipt
    )
    assert (type(named), named.name) == (copies.AsyncClient, "2024-05-01..2024-05-03")
    assert today == dt.date(2024, 5, 1)
    assert (type(item), item.name, item.code) == (copies.Item, str(UUID(int=42)), 42)
    assert doubled == Decimal("2.50")
    assert api.SHIPPED == []


async def test_a_remote_typed_error_is_the_packages_own_error_class(
    package: tuple[ModuleType, ModuleType], exposure: RunningExposure
) -> None:
    client_module, copies = package
    gone = {**ORDER, "lines": [{**ORDER["lines"][0], "sku": "gone"}]}
    async with client_module.AsyncClient(exposure.url, token=TOKEN) as client:
        with pytest.raises(copies.out_of_stock.error_class) as raised:
            await client.place(copies.Order.model_validate(gone))
    error = raised.value
    assert not isinstance(error, api.out_of_stock.error_class)
    assert type(error.data) is copies.OutOfStock
    assert (error.id, error.http_code, error.message) == (
        "shop.errors.out_of_stock",
        409,
        "only 0 x gone left",
    )


async def test_the_sync_client_emits_events_the_server_decodes_into_its_own_types(
    package: tuple[ModuleType, ModuleType], exposure: RunningExposure
) -> None:
    client_module, copies = package
    shipment = copies.Shipment.model_validate(SHIPMENT)

    def call() -> Any:
        with client_module.SyncClient(exposure.url, token=TOKEN) as client:
            client.emit_shipped(shipment)
            return client.window(shipment.window)

    named = await asyncio.to_thread(call)
    assert named.name == "2024-05-01..2024-05-03"
    [received] = api.SHIPPED
    assert type(received) is orders.Shipment
    assert json.loads(received.model_dump_json()) == json.loads(shipment.model_dump_json())


def test_the_package_imports_none_of_the_servers_modules(tmp_path: Path) -> None:
    import subprocess
    import sys

    write_client_package(API, "storefront_client", tmp_path)
    probe = (
        "import sys, storefront_client, storefront_client.client; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('tests', 'examples')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
