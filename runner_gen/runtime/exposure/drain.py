"""Letting the requests in flight finish within a budget, then cutting the rest.

The request tasks are uvicorn's own (``Server.server_state.tasks``): tracking them again in the
app would cost every request a set insert and removal for a moment that comes once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Set
from typing import Any

#: How long cancelled stragglers get to send their 503 before the server closes under them.
CANCEL_GRACE = 1.0


async def drain(requests: Set[asyncio.Task[Any]], budget: float) -> int:
    """Wait up to ``budget`` seconds for ``requests`` (a live set) to empty, then cancel what is
    left and give it ``CANCEL_GRACE`` to answer. Returns how many requests were cancelled."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + budget
    # Requests that arrive meanwhile on kept-alive connections join the set (and get a 503).
    while requests and (remaining := deadline - loop.time()) > 0:
        await asyncio.wait(set(requests), timeout=remaining)
    stragglers = set(requests)
    for task in stragglers:
        task.cancel("exposure drain budget exceeded")
    if stragglers:
        await asyncio.wait(stragglers, timeout=CANCEL_GRACE)
    return len(stragglers)
