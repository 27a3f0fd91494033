"""`python -m orders_app`: place an order, then one the stock cannot serve."""

from __future__ import annotations

import asyncio

from orders_app.definitions import out_of_stock
from orders_app.generated import running
from orders_app.models import NewOrder


async def main() -> None:
    async with running() as app:
        order = await app.tasks.place(NewOrder(sku="book", quantity=2))
        print(f"placed {order.quantity} x {order.sku} for {order.total_cents}")
        try:
            await app.tasks.place(NewOrder(sku="book", quantity=5))
        except out_of_stock.error_class as error:
            print(f"refused: {error.message} ({error.data.available} left)")


if __name__ == "__main__":
    asyncio.run(main())
