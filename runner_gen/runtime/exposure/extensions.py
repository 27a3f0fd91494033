"""What the exposure's serving layer (``guard.py``) offers the app beyond plain ASGI.

Both are optional: under another ASGI server the app works with standard messages only.

- **Cancellation on disconnect.** When the connection is lost before the response is complete,
  the server cancels the request's task with ``CLIENT_DISCONNECTED`` (Runner's
  ``REQUEST_ABORTED``, logged as 499): the task sees an ordinary ``CancelledError`` at its next
  ``await``, so ``finally`` blocks release concurrency permits and the like.
- **Whole responses.** ``scope[WHOLE_RESPONSE]``, when present, is
  ``async (status, headers, body) -> None``: the response goes out in one write, instead of
  two ASGI messages, two writes and uvicorn's per-header checks. The app must only pass header
  names and values it built itself from validated parts.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Final, TypeAlias

CLIENT_DISCONNECTED: Final = "runner_gen: client disconnected"
#: The status Runner (and nginx) log for a request the client abandoned; never sent.
CLIENT_CLOSED_REQUEST: Final = 499

WHOLE_RESPONSE: Final = "runner_gen.whole_response"
WholeResponse: TypeAlias = Callable[[int, Sequence[tuple[bytes, bytes]], bytes], Awaitable[None]]


def is_client_abort(error: asyncio.CancelledError) -> bool:
    """Whether ``error`` is the cancellation the server sends when the client disconnected."""
    return bool(error.args) and error.args[0] == CLIENT_DISCONNECTED
