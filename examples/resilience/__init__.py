"""Resilience: retry with timeout, per-user rate limits, a circuit breaker, a fallback, and a
request-logging middleware applied to every task."""
