"""Reading a request body without ever holding more than the limit.

A declared ``Content-Length`` over the limit is refused before a byte is read ("trust a large
length, never a small one"); chunked or under-declared bodies are refused as soon as the running
count passes the limit, so memory stays bounded whatever the client claims.
"""

from __future__ import annotations

from runner_gen.runtime.exposure.asgi import Message, Receive
from runner_gen.runtime.exposure.errors import BadRequestError, PayloadTooLargeError


class ClientDisconnected(Exception):
    """The client went away before its body arrived: there is nobody left to answer."""


def check_declared_length(content_length: bytes | None, limit: int) -> None:
    """Refuse a body whose declared length is over ``limit``, before reading it."""
    if content_length is None:
        return
    if not content_length.isdigit():
        raise BadRequestError("Invalid Content-Length")
    # More digits than any limit has is too large, and int() of thousands of digits raises.
    if len(content_length) > 18 or int(content_length) > limit:
        raise PayloadTooLargeError()


async def read_body(receive: Receive, limit: int, first: Message | None = None) -> bytes:
    """The whole body, or PayloadTooLargeError as soon as more than ``limit`` bytes arrive.

    ``first``: a message already received (the caller's fast path for one-message bodies).
    """
    chunks: list[bytes] = []
    size = 0
    more = True
    message = first
    while more:
        if message is None:
            message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnected()
        chunk: bytes = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise PayloadTooLargeError()
        chunks.append(chunk)
        more = message.get("more_body", False)
        message = None
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def whole_body(message: Message, limit: int) -> bytes | None:
    """The body when ``message`` carries all of it (the usual case), else None."""
    if message["type"] != "http.request" or message.get("more_body", False):
        return None
    body: bytes = message.get("body", b"")
    if len(body) > limit:
        raise PayloadTooLargeError()
    return body
