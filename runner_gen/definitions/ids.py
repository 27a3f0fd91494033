"""Definition ids: validated once, when the builder is created.

Runner 5.5 takes any string as an id ("app.tasks.x", but also "billing/charge" or "send mail"),
and a Python app that calls such a Node task by id must be able to declare it. So any non-empty
string is accepted except one holding control characters (a newline or NUL in an id would forge
log lines and break headers); Runner also accepts "", which only ever names a mistake. Generated
code never uses an id as a Python name: the generator derives identifiers from ids separately.
"""

from __future__ import annotations

import re

from runner_gen.definitions.errors import DefinitionError
from runner_gen.definitions.source import Source

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def validate_id(kind: str, value: object, source: Source) -> str:
    if not isinstance(value, str) or not value:
        raise DefinitionError(
            f"{kind} id must be a non-empty string, got {value!r}",
            source=source,
            remediation='Use a dotted id such as "app.tasks.register_user".',
        )
    control = _CONTROL.search(value)
    if control is not None:
        raise DefinitionError(
            f"{kind} id {value!r} contains the control character {control.group()!r}",
            source=source,
            remediation='Ids are printable text, e.g. "app.tasks.register_user".',
        )
    return value
