"""A server whose HTTP API speaks rich local types (tests/client_types/fixtures): validators,
enums, a generic, a nested class, a dataclass, annotations through imported modules (aliased,
``import a.b``, ``from a import b``), local re-exports (of a local and of an installed type), a
typed error, one reachable only through a tuple, and a type named like the generated client."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pydantic import BaseModel

import tests.client_types.fixtures.inventory
import tests.client_types.fixtures.money as money_module
from runner_gen import Emission, r
from runner_gen.remote import http_exposure
from tests.client_package.contracts import UUID
from tests.client_types.fixtures import orders
from tests.client_types.fixtures.orders import Line, Order, OutOfStock, Page, Shipment
from tests.client_types.fixtures.shared import Money

SHIPPED: list[Shipment] = []


class AsyncClient(BaseModel):
    """Named like the generated client: its import there must take another name."""

    name: str


out_of_stock = (
    r.error("shop.errors.out_of_stock")
    .data_schema(OutOfStock)
    .http_code(409)
    .format(lambda data: f"only {data.available} x {data.sku} left")
    .build()
)


async def place(input: Order) -> Page[Order]:
    if input.lines[0].sku == "gone":
        out_of_stock.throw(OutOfStock(sku="gone", available=0))
    return Page[Order](items=[input, input.model_copy(update={"parent": input})], next_cursor="n")


async def total(input: list[Line] | None) -> money_module.Money:
    amounts = [line.price.amount * line.quantity for line in input or []]
    return money_module.Money(amount=sum(amounts, Decimal(0)))


async def receipt(input: Money) -> orders.Receipt:
    return orders.Receipt(UUID(int=7), input.amount, ("a", "b"))


async def window(input: orders.Shipment.Window) -> AsyncClient:
    return AsyncClient(name=f"{input.start.isoformat()}..{input.end.isoformat()}")


async def today() -> dt.date:
    return dt.date(2024, 5, 1)


async def stock(input: UUID) -> tests.client_types.fixtures.inventory.Item:
    return tests.client_types.fixtures.inventory.Item(name=str(input), code=input.int % 100)


async def double(input: Decimal) -> Decimal:
    return input * 2


async def close() -> None:
    SHIPPED.clear()


async def record(event: Emission[Shipment]) -> None:
    SHIPPED.append(event.data)


place_task = r.task("shop.tasks.place").run(place).build()
total_task = r.task("shop.tasks.total").run(total).build()
receipt_task = r.task("shop.tasks.receipt").run(receipt).build()
window_task = r.task("shop.tasks.window").run(window).build()
today_task = r.task("shop.tasks.today").run(today).build()
stock_task = r.task("shop.tasks.stock").run(stock).build()
double_task = r.task("shop.tasks.double").run(double).build()
close_task = r.task("shop.tasks.close").run(close).build()  # the client has a close() of its own
# Reachable only as ``errors[0]``: clients cannot name it, so it arrives as a RemoteError.
errors = (r.error("shop.errors.tupled").build(),)
shipped = r.event("shop.events.shipped").payload_schema(Shipment).build()
record_hook = r.hook("shop.hooks.record").on(shipped).run(record).build()

exposure = http_exposure("shop.exposure").with_(
    tokens=("s3cret",),
    allow_task_ids=("shop.tasks.*",),
    allow_event_ids=("shop.events.*",),
)

app = (
    r.resource("shop")
    .register(
        out_of_stock,
        errors[0],
        place_task,
        total_task,
        receipt_task,
        window_task,
        today_task,
        stock_task,
        double_task,
        close_task,
        shipped,
        record_hook,
        exposure,
    )
    .build()
)
