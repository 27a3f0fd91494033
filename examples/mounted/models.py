"""The catalog's types and its typed error, shared by the routes and the mounted exposure."""

from __future__ import annotations

from pydantic import BaseModel, Field

from runner_gen import r


class QuoteRequest(BaseModel):
    sku: str
    quantity: int = Field(ge=1, le=1_000)


class Quote(BaseModel):
    sku: str
    quantity: int
    total_cents: int


class UnknownSku(BaseModel):
    sku: str


unknown_sku = (
    r.error("catalog.errors.unknown_sku")
    .data_schema(UnknownSku)
    .http_code(404)
    .format(lambda data: f"unknown SKU {data.sku!r}")
    .build()
)
