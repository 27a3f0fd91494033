"""Turning httpx's exceptions into TransportError, so callers handle one family of errors."""

from __future__ import annotations

import httpx

from runner_gen.runtime.client.errors import TransportError


def transport_error(error: Exception, url: str) -> TransportError:
    if isinstance(error, httpx.TimeoutException):
        return TransportError("TIMEOUT", f"Timed out: {type(error).__name__}", url=url)
    return TransportError("CONNECTION_ERROR", f"{type(error).__name__}: {error}", url=url)


def closed_error(url: str) -> TransportError:
    return TransportError("CLOSED", "The transport was closed", url=url)
