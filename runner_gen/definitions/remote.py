"""HTTP exposure and client tunnels, as definitions (Runner 5.x's ``nodeExposure`` and tunnel
resources tagged ``globals.tags.tunnel``).

Both are factories, so an app can have several under ids of its choosing:

    exposure = http_exposure("app.exposure").with_(
        tokens=("secret",), allow_task_ids=("app.tasks.*",)
    )
    billing = http_client_tunnel("app.tunnels.billing").with_(
        url="http://billing:7070/__runner", tasks=("billing.tasks.*",)
    )
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from runner_gen.definitions.builders import ResourceBuilder, new_builder
from runner_gen.definitions.builtins import exposure_tag, tunnel_tag
from runner_gen.definitions.kinds import Resource
from runner_gen.definitions.source import caller_source
from runner_gen.runtime.client import AsyncTransport
from runner_gen.runtime.errors import RunnerError
from runner_gen.runtime.exposure import DEFAULT_BODY_LIMIT, ExposureConfig, RunningExposure
from runner_gen.runtime.tunnel import TunnelConfig, close_tunnel, open_tunnel


@dataclass(frozen=True)
class HttpExposureConfig:
    """What an exposure serves and how it guards itself.

    ``allow_task_ids`` / ``allow_event_ids`` take exact ids and globs (``"api.tasks.public.*"``),
    resolved against the app at build time: the generated route table holds exactly the matches.
    With neither ``tokens`` nor ``verify`` every request fails closed unless ``allow_anonymous``.
    """

    base_path: str = "/__runner"
    host: str = "127.0.0.1"
    port: int = 0
    tokens: tuple[str, ...] = ()
    header: str = "x-runner-token"
    verify: Callable[[str], Awaitable[bool]] | None = None
    allow_anonymous: bool = False
    allow_task_ids: tuple[str, ...] = ()
    allow_event_ids: tuple[str, ...] = ()
    body_limit: int = DEFAULT_BODY_LIMIT
    drain_budget: float = 10.0
    disable_discovery: bool = False
    #: Environment variables that, when set, replace ``port`` and ``tokens`` (comma-separated)
    #: at start: deployment facts and secrets stay out of the definitions.
    port_env: str | None = None
    tokens_env: str | None = None

    def runtime_config(self, public_errors: tuple[type[RunnerError], ...]) -> ExposureConfig:
        """The server's config, with the environment overrides applied."""
        port = self.port
        if self.port_env and os.environ.get(self.port_env):
            port = int(os.environ[self.port_env])
        tokens = self.tokens
        if self.tokens_env and os.environ.get(self.tokens_env):
            tokens = tuple(t for t in os.environ[self.tokens_env].split(",") if t)
        return ExposureConfig(
            base_path=self.base_path,
            tokens=tokens,
            header=self.header,
            verify=self.verify,
            allow_anonymous=self.allow_anonymous,
            body_limit=self.body_limit,
            disable_discovery=self.disable_discovery,
            host=self.host,
            port=port,
            drain_budget=self.drain_budget,
            public_errors=public_errors,
        )


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
