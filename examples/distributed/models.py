"""The contract both services share: the billing API's types and its typed error."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from runner_gen import r


class QuoteRequest(BaseModel):
    # An example a schema-driven tester (or a reader of billing.openapi.json) can start from.
    model_config = ConfigDict(json_schema_extra={"examples": [{"sku": "book", "quantity": 2}]})

    sku: str
    quantity: int


class Quote(BaseModel):
    sku: str
    quantity: int
    total_cents: int
    issued_at: datetime


class Payment(BaseModel):
    order_id: str
    amount_cents: int


class UnknownSku(BaseModel):
    sku: str


class Receipt(BaseModel):
    order_id: str
    quote: Quote


unknown_sku = (
    r.error("billing.errors.unknown_sku")
    .data_schema(UnknownSku)
    .http_code(404)
    .format(lambda data: f"unknown SKU {data.sku!r}")
    .build()
)
