from __future__ import annotations

from pydantic import BaseModel, Field


class NewOrder(BaseModel):
    sku: str
    quantity: int = Field(gt=0)


class Order(BaseModel):
    id: int
    sku: str
    quantity: int
    total_cents: int


class OutOfStock(BaseModel):
    sku: str
    available: int
