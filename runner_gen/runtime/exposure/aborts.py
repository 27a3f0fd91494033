"""How a request whose client went away is told apart from every other cancellation.

The serving layer cancels the request's task with this message when the connection is lost
before the response was complete (Runner's ``REQUEST_ABORTED``, logged as 499): the task sees
an ordinary ``CancelledError`` at its next ``await``, so ``finally`` blocks release concurrency
permits and the like.
"""

from __future__ import annotations

import asyncio
from typing import Final

CLIENT_DISCONNECTED: Final = "runner_gen: client disconnected"
#: The status Runner (and nginx) log for a request the client abandoned; never sent.
CLIENT_CLOSED_REQUEST: Final = 499


def is_client_abort(error: asyncio.CancelledError) -> bool:
    """Whether ``error`` is the cancellation the server sends when the client disconnected."""
    return bool(error.args) and error.args[0] == CLIENT_DISCONNECTED
