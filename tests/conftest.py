"""Shared fixtures: services on loopback are real; a missing one skips outside CI, fails in CI."""

from __future__ import annotations

import os
import socket

import pytest

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def require_service(name: str, host: str, port: int) -> None:
    """Skip (outside CI) or fail (in CI) when ``name`` does not answer on ``host:port``."""
    try:
        with socket.create_connection((host, port), timeout=1.0):
            return
    except OSError as error:
        message = f"{name} is not reachable on {host}:{port} ({error})"
    if IN_CI:
        pytest.fail(f"{message}; CI requires it", pytrace=False)
    pytest.skip(message)
