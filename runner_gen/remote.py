"""HTTP exposure and client tunnels (needs the ``serve`` extra: uvicorn and httpx).

from runner_gen.remote import http_exposure, http_client_tunnel, PrincipalAuth
"""

from runner_gen.definitions.remote import (
    ExposureConfigError,
    HttpExposureConfig,
    http_client_tunnel,
    http_exposure,
)
from runner_gen.runtime.exposure.principal import AuthRequest, PrincipalAuth
from runner_gen.runtime.tunnel import TunnelConfig

__all__ = [
    "AuthRequest",
    "ExposureConfigError",
    "HttpExposureConfig",
    "PrincipalAuth",
    "TunnelConfig",
    "http_client_tunnel",
    "http_exposure",
]
