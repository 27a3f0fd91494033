"""What the exposure's serving layer (``guard.py``) offers the app beyond plain ASGI.

Both are optional: under another ASGI server the app works with standard messages only.

- **Cancellation on disconnect.** When the connection is lost before the response is complete,
  the server cancels the request's task with ``CLIENT_DISCONNECTED`` (Runner's
  ``REQUEST_ABORTED``, logged as 499): the task sees an ordinary ``CancelledError`` at its next
  ``await``, so ``finally`` blocks release concurrency permits and the like.
- **Body deadline.** ``scope[BODY_DEADLINE]`` is set when the server itself bounds the body
  phase: it cancels the request's task with ``BODY_DEADLINE_EXCEEDED`` once the body is
  overdue, so the app keeps no timer of its own (it answers 408).
- **Whole responses.** ``scope[WHOLE_RESPONSE]``, when present, is
  ``(status, headers, body) -> Awaitable | None``: the response goes out in one write, instead
  of two ASGI messages, two writes and uvicorn's per-header checks; an awaitable comes back only
  when the write must wait for the transport (await it). The app must only pass header
  names and values it built itself from validated parts.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Final, TypeAlias

CLIENT_DISCONNECTED: Final = "runner_gen: client disconnected"
#: The status Runner (and nginx) log for a request the client abandoned; never sent.
CLIENT_CLOSED_REQUEST: Final = 499

BODY_DEADLINE: Final = "runner_gen.body_deadline"
BODY_DEADLINE_EXCEEDED: Final = "runner_gen: request body deadline exceeded"

WHOLE_RESPONSE: Final = "runner_gen.whole_response"
WholeResponse: TypeAlias = Callable[
    [int, Sequence[tuple[bytes, bytes]], bytes], Awaitable[None] | None
]


def is_client_abort(error: asyncio.CancelledError) -> bool:
    """Whether ``error`` is the cancellation the server sends when the client disconnected."""
    return bool(error.args) and error.args[0] == CLIENT_DISCONNECTED


def is_body_deadline(error: asyncio.CancelledError) -> bool:
    """Whether ``error`` is the server's cancellation of a request whose body is overdue."""
    return bool(error.args) and error.args[0] == BODY_DEADLINE_EXCEEDED
