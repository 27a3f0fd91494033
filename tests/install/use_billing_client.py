"""Run inside the runtime-only venv: call a running billing app through its generated clients."""

from __future__ import annotations

import asyncio
import sys

from examples.distributed.billing_generated.client import AsyncClient, SyncClient
from examples.distributed.models import Payment, Quote, QuoteRequest, unknown_sku

TOKEN = "dev-billing-token"


async def use_async(url: str) -> None:
    async with AsyncClient(url, token=TOKEN) as client:
        quote = await client.quote(QuoteRequest(sku="book", quantity=2))
        assert isinstance(quote, Quote)
        print(f"async quote: {quote.quantity} x {quote.sku} = {quote.total_cents}")
        await client.emit_invoice_paid(Payment(order_id="o-1", amount_cents=quote.total_cents))
        try:
            await client.quote(QuoteRequest(sku="lamp", quantity=1))
        except unknown_sku.error_class as error:
            print(f"async error: {type(error).__name__} {error.data.sku} {error.http_code}")


def use_sync(url: str) -> None:
    with SyncClient(url, token=TOKEN) as client:
        payments = client.payments()
        print(f"sync payments: {[(p.order_id, p.amount_cents) for p in payments]}")
        try:
            client.quote(QuoteRequest(sku="lamp", quantity=1))
        except unknown_sku.error_class as error:
            print(f"sync error: {type(error).__name__} {error.data.sku} {error.http_code}")


if __name__ == "__main__":
    asyncio.run(use_async(sys.argv[1]))
    use_sync(sys.argv[1])
