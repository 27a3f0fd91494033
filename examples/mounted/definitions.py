"""A catalog app adopted by an existing web app: its tasks are called from the host app's own
routes, and its Runner exposure is mounted under a path of the host app (no port of its own)."""

from __future__ import annotations

import logging

from examples.mounted.models import Quote, QuoteRequest, UnknownSku, unknown_sku
from runner_gen import r
from runner_gen.remote import http_exposure

_log = logging.getLogger("examples.mounted")


class Catalog:
    """Prices by SKU; ``closed`` once the app is disposed (after the last request)."""

    def __init__(self, prices: dict[str, int]) -> None:
        self.prices = prices
        self.closed = False


async def open_catalog() -> Catalog:
    return Catalog({"book": 1_250, "pen": 199})


async def close_catalog(catalog: Catalog) -> None:
    catalog.closed = True
    _log.info("catalog closed")


price_list = r.resource("catalog.price_list").init(open_catalog).dispose(close_catalog).build()


async def quote(input: QuoteRequest, *, catalog: Catalog) -> Quote:
    price = catalog.prices.get(input.sku)
    if price is None:
        unknown_sku.throw(UnknownSku(sku=input.sku))
    return Quote(sku=input.sku, quantity=input.quantity, total_cents=price * input.quantity)


quote_task = r.task("catalog.tasks.quote").dependencies(catalog=price_list).run(quote).build()

exposure = http_exposure("catalog.exposure").with_(
    mount=True,  # the host app serves it: Mount("/rpc", ...), no port of its own
    base_path="/",  # so the tasks are at /rpc/task/<id>
    tokens_env="CATALOG_TOKEN",
    allow_task_ids=("catalog.tasks.*",),
)

app = r.resource("catalog").register(unknown_sku, price_list, quote_task, exposure).build()
