"""Call the billing service through its standalone client package: typed results, typed errors."""

from __future__ import annotations

import asyncio
import sys

from billing_client import AsyncClient, SyncClient
from billing_client.types import Payment, Quote, QuoteRequest, unknown_sku


def described(value: object) -> str:
    return f"{type(value).__module__}.{type(value).__qualname__}"


async def use_async(url: str, token: str) -> None:
    async with AsyncClient(url, token=token) as client:
        quote: Quote = await client.quote(QuoteRequest(sku="book", quantity=2))
        print(
            f"async quote: {described(quote)} {quote.quantity} x {quote.sku} = {quote.total_cents}"
        )
        await client.emit_invoice_paid(Payment(order_id="o-1", amount_cents=quote.total_cents))
        try:
            await client.quote(QuoteRequest(sku="lamp", quantity=1))
        except unknown_sku.error_class as error:
            print(f"async error: {described(error.data)} {error.data.sku} {error.http_code}")


def use_sync(url: str, token: str) -> None:
    with SyncClient(url, token=token) as client:
        payments = client.payments()
        print(f"sync payments: {[(described(p), p.order_id, p.amount_cents) for p in payments]}")
        try:
            client.quote(QuoteRequest(sku="lamp", quantity=1))
        except unknown_sku.error_class as error:
            print(f"sync error: {type(error).__name__} {error.message!r}")


if __name__ == "__main__":
    base_url, token = sys.argv[1], sys.argv[2]  # a deployment would read these from its config
    asyncio.run(use_async(base_url, token))
    use_sync(base_url, token)
