"""The billing service: prices, quotes and a ledger, exposed over Runner's HTTP protocol."""

from __future__ import annotations

from datetime import UTC, datetime

from examples.distributed.models import Payment, Quote, QuoteRequest, UnknownSku, unknown_sku
from runner_gen import Emission, Health, globals, r
from runner_gen.remote import http_exposure

PRICES = {"book": 1_250, "pen": 199}


async def open_ledger() -> list[Payment]:
    return []


async def ledger_health(ledger: list[Payment]) -> Health:
    return Health("healthy", f"{len(ledger)} payment(s) recorded")


ledger = r.resource("billing.ledger").init(open_ledger).health(ledger_health).build()


async def quote(input: QuoteRequest) -> Quote:
    price = PRICES.get(input.sku)
    if price is None:
        unknown_sku.throw(UnknownSku(sku=input.sku))
    return Quote(
        sku=input.sku,
        quantity=input.quantity,
        total_cents=price * input.quantity,
        issued_at=datetime.now(UTC),
    )


async def payments(*, ledger: list[Payment]) -> list[Payment]:
    return list(ledger)


async def record_payment(event: Emission[Payment], *, ledger: list[Payment]) -> None:
    ledger.append(event.data)


quote_task = r.task("billing.tasks.quote").run(quote).build()
payments_task = r.task("billing.tasks.payments").dependencies(ledger=ledger).run(payments).build()
invoice_paid = r.event("billing.events.invoice_paid").payload_schema(Payment).build()
record = (
    r.hook("billing.hooks.record_payment")
    .on(invoice_paid)
    .dependencies(ledger=ledger)
    .run(record_payment)
    .build()
)

exposure = http_exposure("billing.exposure").with_(
    tokens_env="BILLING_TOKEN",  # the only source: unset or empty, billing refuses to start
    port_env="BILLING_PORT",
    allow_task_ids=("billing.tasks.*",),
    allow_event_ids=("billing.events.*",),
)

app = (
    r.resource("billing")
    .register(
        globals.resources.metrics,
        unknown_sku,
        ledger,
        quote_task,
        payments_task,
        invoice_paid,
        record,
        exposure,
    )
    .build()
)
