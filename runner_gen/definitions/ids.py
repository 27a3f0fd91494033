"""Definition ids: validated once, when the builder is created."""

from __future__ import annotations

import re

from runner_gen.definitions.errors import DefinitionError
from runner_gen.definitions.source import Source

# Runner 5.x ids are dotted paths such as "app.tasks.register_user"; "-" and "_" are allowed
# inside a segment. Anything else (spaces, slashes, empty segments) would break URLs, logs
# and generated names.
_ID = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*(?:\.[A-Za-z_][A-Za-z0-9_-]*)*")


def validate_id(kind: str, value: object, source: Source) -> str:
    if not isinstance(value, str) or not value:
        raise DefinitionError(
            f"{kind} id must be a non-empty string, got {value!r}",
            source=source,
            remediation='Use a dotted id such as "app.tasks.register_user".',
        )
    if not _ID.fullmatch(value):
        raise DefinitionError(
            f"{kind} id {value!r} is invalid",
            source=source,
            remediation=(
                "Ids are dot-separated segments of letters, digits, '_' and '-', each starting "
                'with a letter or "_", e.g. "app.tasks.register_user".'
            ),
        )
    return value
