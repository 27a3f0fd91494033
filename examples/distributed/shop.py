"""The shop service: checkout runs locally; quotes and payments happen in billing, through a
client tunnel. The phantom tasks are contracts: input and result types, no implementation."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from examples.distributed.models import Payment, Quote, QuoteRequest, Receipt, unknown_sku
from runner_gen import Emit, r
from runner_gen.remote import http_client_tunnel

quote = (
    r.task.phantom("billing.tasks.quote").input_schema(QuoteRequest).result_schema(Quote).build()
)
invoice_paid = r.event("billing.events.invoice_paid").payload_schema(Payment).build()

billing = http_client_tunnel("shop.tunnels.billing").with_(
    url="http://127.0.0.1:7070/__runner",
    url_env="BILLING_URL",
    token_env="BILLING_TOKEN",
    tasks=("billing.tasks.*",),
    events=("billing.events.*",),
    event_delivery="remote-only",
)


async def checkout(
    input: QuoteRequest,
    *,
    quote: Callable[[QuoteRequest], Awaitable[Quote]],
    invoice_paid: Emit[Payment],
) -> Receipt:
    priced = await quote(input)
    order_id = f"order-{input.sku}-{input.quantity}"
    await invoice_paid(Payment(order_id=order_id, amount_cents=priced.total_cents))
    return Receipt(order_id=order_id, quote=priced)


checkout_task = (
    r.task("shop.tasks.checkout")
    .dependencies(quote=quote, invoice_paid=invoice_paid)
    .run(checkout)
    .build()
)

# Registering the shared error maps billing's remote error back to this typed class.
app = r.resource("shop").register(unknown_sku, quote, invoice_paid, billing, checkout_task).build()
