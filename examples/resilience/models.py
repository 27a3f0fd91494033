"""The resilience example's data types."""

from __future__ import annotations

from pydantic import BaseModel


class QuoteRequest(BaseModel):
    symbol: str


class Comment(BaseModel):
    user_id: str
    text: str


class StockCheck(BaseModel):
    sku: str


class RecommendationRequest(BaseModel):
    user_id: str
