"""HTTP exposure and client tunnels, as definitions (Runner 5.x's ``nodeExposure`` and tunnel
resources tagged ``globals.tags.tunnel``).

Both are factories, so an app can have several under ids of its choosing:

    exposure = http_exposure("app.exposure").with_(
        tokens_env="APP_TOKEN", allow_task_ids=("app.tasks.*",)
    )
    billing = http_client_tunnel("app.tunnels.billing").with_(
        url="http://billing:7070/__runner", tasks=("billing.tasks.*",)
    )
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from runner_gen.definitions.builders import ResourceBuilder, new_builder
from runner_gen.definitions.builtins import exposure_tag, tunnel_tag
from runner_gen.definitions.kinds import Resource
from runner_gen.definitions.source import caller_source
from runner_gen.runtime.client import AsyncTransport
from runner_gen.runtime.errors import RunnerError
from runner_gen.runtime.exposure import DEFAULT_BODY_LIMIT, ExposureConfig, RunningExposure
from runner_gen.runtime.exposure.limits import (
    DEFAULT_HEADER_TIMEOUT,
    DEFAULT_KEEP_ALIVE_TIMEOUT,
    DEFAULT_MAX_HEADER_BYTES,
    DEFAULT_MAX_HEADERS,
)
from runner_gen.runtime.exposure.principal import PrincipalAuth
from runner_gen.runtime.tunnel import TunnelConfig, close_tunnel, open_tunnel

_PortT = TypeVar("_PortT", int, int | None)


class ExposureConfigError(RunnerError):
    """An exposure whose configuration would start it open or with a default credential."""

    id = "runner.errors.exposure.config"


@dataclass(frozen=True)
class HttpExposureConfig:
    """What an exposure serves and how it guards itself.

    ``allow_task_ids`` / ``allow_event_ids`` take exact ids and globs (``"api.tasks.public.*"``),
    resolved against the app at build time: the generated route table holds exactly the matches.

    Credentials: ``tokens_env`` names the variable holding the accepted tokens (comma-separated);
    when it is set, the variable is the only source and an unset or empty variable refuses to
    start (``ExposureConfigError``), never falling back to ``tokens``. ``principal`` validates
    bearer tokens or whole requests into a caller that tasks read from an async context (see
    ``PrincipalAuth``). With no credentials at all the exposure refuses to start unless
    ``allow_anonymous``.

    ``mount``: serve no port; ``start()`` builds the exposure and the resource's value is a
    ``MountedExposure`` whose ``.asgi`` the user mounts in a host app (FastAPI, Starlette) at a
    path (see docs/asgi.md). ``host``, ``port`` and ``port_env`` are unused then, and
    ``admin_port`` is refused: the host app serves the probes under the mount path.

    The rest are ``ExposureConfig``'s settings (server limits, probes, CORS, strict input); see
    docs/open-internet.md for what each guards against and its default.
    """

    base_path: str = "/__runner"
    host: str = "127.0.0.1"
    port: int = 0
    tokens: tuple[str, ...] = ()
    header: str = "x-runner-token"
    verify: Callable[[str], Awaitable[bool]] | None = None
    principal: PrincipalAuth[Any] | None = None
    allow_anonymous: bool = False
    allow_task_ids: tuple[str, ...] = ()
    allow_event_ids: tuple[str, ...] = ()
    body_limit: int = DEFAULT_BODY_LIMIT
    body_timeout: float = 30.0
    drain_budget: float = 10.0
    disable_discovery: bool = False
    cors_allow_origin: str | tuple[str, ...] | None = "*"
    strict_input: bool | tuple[str, ...] = False
    probes_require_token: bool = True
    admin_host: str = "127.0.0.1"
    admin_port: int | None = None
    health_cache_seconds: float = 1.0
    header_timeout: float = DEFAULT_HEADER_TIMEOUT
    keep_alive_timeout: float = DEFAULT_KEEP_ALIVE_TIMEOUT
    max_header_bytes: int = DEFAULT_MAX_HEADER_BYTES
    max_headers: int = DEFAULT_MAX_HEADERS
    max_connections: int | None = None
    #: Environment variables read at start: deployment facts and secrets stay out of the
    #: definitions. ``port_env``/``admin_port_env`` replace the ports when set.
    port_env: str | None = None
    admin_port_env: str | None = None
    tokens_env: str | None = None
    mount: bool = False

    def runtime_config(self, public_errors: tuple[type[RunnerError], ...]) -> ExposureConfig:
        """The server's config, with the environment read; ExposureConfigError when the
        credentials are missing (fail closed) or a variable holds something unusable."""
        tokens = self._tokens()
        if self.mount and (self.admin_port is not None or self.admin_port_env):
            raise ExposureConfigError(
                "A mounted exposure (mount=True) serves no port of its own, so it cannot serve"
                " its probes on admin_port.",
                remediation="Drop admin_port/admin_port_env; the probes answer under the mount"
                " path (protect or route them in the host app), or set mount=False.",
            )
        unauthenticated = not tokens and self.verify is None and self.principal is None
        if unauthenticated and not self.allow_anonymous:
            raise ExposureConfigError(
                "The exposure has no credentials: no tokens, tokens_env, verify or principal,"
                " and allow_anonymous is False, so every request would be refused.",
                remediation=(
                    'Set tokens_env="MY_TOKEN" (and the variable), verify or principal; or'
                    " allow_anonymous=True for an exposure that is deliberately public."
                ),
            )
        return ExposureConfig(
            base_path=self.base_path,
            tokens=tokens,
            header=self.header,
            verify=self.verify,
            principal=self.principal,
            allow_anonymous=self.allow_anonymous,
            body_limit=self.body_limit,
            body_timeout=self.body_timeout,
            disable_discovery=self.disable_discovery,
            host=self.host,
            port=_port(self.port_env, self.port),
            drain_budget=self.drain_budget,
            public_errors=public_errors,
            cors_allow_origin=self.cors_allow_origin,
            strict_input=self.strict_input,
            probes_require_token=self.probes_require_token,
            admin_host=self.admin_host,
            admin_port=_port(self.admin_port_env, self.admin_port),
            health_cache_seconds=self.health_cache_seconds,
            header_timeout=self.header_timeout,
            keep_alive_timeout=self.keep_alive_timeout,
            max_header_bytes=self.max_header_bytes,
            max_headers=self.max_headers,
            max_connections=self.max_connections,
        )

    def _tokens(self) -> tuple[str, ...]:
        if not self.tokens_env:
            return self.tokens
        raw = os.environ.get(self.tokens_env)
        tokens = tuple(token.strip() for token in (raw or "").split(",") if token.strip())
        if not tokens:
            state = "unset" if raw is None else "empty"
            raise ExposureConfigError(
                f"{self.tokens_env} is {state}: the exposure's tokens come from it and it holds"
                " no token, so the exposure refuses to start rather than fall back to a default"
                " credential.",
                remediation=f"Set {self.tokens_env} to the accepted token(s), comma-separated.",
            )
        return tokens


def _port(variable: str | None, default: _PortT) -> int | _PortT:
    if not variable or not os.environ.get(variable):
        return default
    text = os.environ[variable]
    if not text.isdigit() or not 0 <= int(text) <= 65535:
        raise ExposureConfigError(
            f"{variable}={text!r} is not a port number",
            remediation=f"Set {variable} to a port between 0 and 65535, or unset it.",
        )
    return int(text)


def http_exposure(id: str) -> Resource[HttpExposureConfig, RunningExposure]:
    """An HTTP exposure resource: register ``http_exposure(id).with_(...)`` in the app."""
    return (
        new_builder(ResourceBuilder, "Resource", id, caller_source())
        .config_schema(HttpExposureConfig)
        .tags(exposure_tag)
        .build()
    )


def http_client_tunnel(id: str) -> Resource[TunnelConfig, AsyncTransport]:
    """A client tunnel: the selected tasks and events run in the service at ``url``."""
    return (
        new_builder(ResourceBuilder, "Resource", id, caller_source())
        .config_schema(TunnelConfig)
        .tags(tunnel_tag)
        .init(open_tunnel)
        .dispose(close_tunnel)
        .build()
    )
