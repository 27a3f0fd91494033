"""Init functions of the built-in resources (module-level, so generated code imports them)."""

from __future__ import annotations

from runner_gen.runtime.logging.logger import Logger, LoggerConfig


def create_logger(config: LoggerConfig) -> Logger:
    """``globals.resources.logger``: one structured, redacting logger per app."""
    return Logger(config)
