from __future__ import annotations

from pydantic import BaseModel

from orders_app.models import NewOrder, Order, OutOfStock
from runner_gen import Emission, Emit, Logger, TaskCall, globals, r
from runner_gen.errors import TaskTimeoutError
from runner_gen.middleware import TimeoutConfig

PRICES = {"book": 1_250, "pen": 199}

out_of_stock = (
    r.error("orders.errors.out_of_stock")
    .data_schema(OutOfStock)
    .http_code(409)
    .format(lambda data: f"only {data.available} x {data.sku} left")
    .build()
)


def price_of(sku: str) -> int:  # noqa: RET503 - throw() is NoReturn
    if sku in PRICES:
        return PRICES[sku]
    # No return needed: mypy knows throw() never returns.
    out_of_stock.throw(OutOfStock(sku=sku, available=0))


class Stock:
    def __init__(self, counts: dict[str, int]) -> None:
        self.counts = counts

    def take(self, sku: str, quantity: int) -> None:
        available = self.counts.get(sku, 0)
        if available < quantity:
            out_of_stock.throw(OutOfStock(sku=sku, available=available))
        self.counts[sku] = available - quantity


async def open_stock(*, logger: Logger) -> Stock:
    await logger.info("stock opened")
    return Stock({"book": 3, "pen": 10})


stock = (
    r.resource("orders.stock")
    .dependencies(logger=globals.resources.logger)
    .init(open_stock)
    .build()
)

order_placed = r.event("orders.events.placed").payload_schema(Order).build()


class AuditConfig(BaseModel):
    label: str = "audit"


async def audit(call: TaskCall, config: AuditConfig, *, logger: Logger) -> object:
    await logger.info(config.label, data={"task": call.task.id})
    try:
        return await call.next(call.input)
    except TaskTimeoutError:
        await logger.error("timed out", data={"task": call.task.id})
        raise


audit_middleware = (
    r.middleware.task("orders.middleware.audit")
    .config_schema(AuditConfig)
    .dependencies(logger=globals.resources.logger)
    .run(audit)
    .build()
)


async def place_order(input: NewOrder, *, stock: Stock, order_placed: Emit[Order]) -> Order:
    stock.take(input.sku, input.quantity)
    total = price_of(input.sku) * input.quantity
    order = Order(id=1, sku=input.sku, quantity=input.quantity, total_cents=total)
    await order_placed(order)
    return order


place = (
    r.task("orders.tasks.place")
    .dependencies(stock=stock, order_placed=order_placed)
    .middleware(
        audit_middleware.with_(label="placing"),
        globals.middleware.task.timeout.with_(TimeoutConfig(ttl=5_000)),
    )
    .run(place_order)
    .build()
)


async def announce(event: Emission[Order], *, logger: Logger) -> None:
    await logger.info("placed", data={"id": event.data.id, "total": event.data.total_cents})


announce_hook = (
    r.hook("orders.hooks.announce")
    .on(order_placed)
    .dependencies(logger=globals.resources.logger)
    .run(announce)
    .build()
)

app = (
    r.resource("orders")
    .register(out_of_stock, stock, order_placed, audit_middleware, place, announce_hook)
    .build()
)
