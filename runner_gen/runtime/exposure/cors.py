"""CORS as Runner answers it, with an optional list of allowed origins.

``"*"`` (Runner's default) lets any origin read responses: the exposure authenticates by header,
never by cookie, so a browser cannot ride a user's ambient credentials. A tuple of origins
answers only those, echoing the request's ``Origin`` with ``Vary: Origin`` so caches keep one
answer per origin; any other origin gets no CORS header and the browser withholds the response.
"""

from __future__ import annotations

from runner_gen.runtime.exposure.asgi import Message, Scope

Headers = tuple[tuple[bytes, bytes], ...]
_VARY_ORIGIN: Headers = ((b"vary", b"Origin"),)


class Cors:
    """Decided once per app: which origin header (if any) a response carries."""

    __slots__ = ("_allowed", "fixed", "per_origin")

    def __init__(self, allow: str | tuple[str, ...] | None) -> None:
        #: Headers for every response when the answer does not depend on the request.
        self.fixed: Headers = ()
        #: True when the answer depends on the request's Origin.
        self.per_origin = isinstance(allow, tuple)
        self._allowed = frozenset(o.encode() for o in allow) if isinstance(allow, tuple) else None
        if isinstance(allow, str):
            self.fixed = ((b"access-control-allow-origin", allow.encode()),)
        elif self.per_origin:
            self.fixed = _VARY_ORIGIN

    @property
    def enabled(self) -> bool:
        return bool(self.fixed)

    def allow_origin(self, scope: Scope) -> bytes | None:
        """The Access-Control-Allow-Origin value for this request, None for no header."""
        if not self.per_origin:
            return self.fixed[0][1] if self.fixed else None
        origin = next((value for name, value in scope["headers"] if name == b"origin"), None)
        assert self._allowed is not None
        return origin if origin is not None and origin in self._allowed else None

    def response_headers(self, scope: Scope) -> Headers:
        """The CORS headers of a response to a request with a listed origin."""
        origin = self.allow_origin(scope)
        if origin is None:
            return ()
        return ((b"access-control-allow-origin", origin),)

    def preflight(self, scope: Scope) -> tuple[Message, Message]:
        """Runner's answer to a preflight: 204, POST allowed, the requested headers echoed
        (no allow headers at all for an origin outside the list)."""
        headers = [(b"content-length", b"0")]
        origin = self.allow_origin(scope)
        if origin is not None:
            headers.append((b"access-control-allow-origin", origin))
            headers.append((b"access-control-allow-methods", b"POST, OPTIONS"))
            requested = next(
                (v for n, v in scope["headers"] if n == b"access-control-request-headers"), None
            )
            if requested:
                headers.append((b"access-control-allow-headers", requested))
        if self.per_origin:
            headers.extend(_VARY_ORIGIN)
        return (
            {"type": "http.response.start", "status": 204, "headers": headers},
            {"type": "http.response.body", "body": b""},
        )
