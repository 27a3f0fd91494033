"""Read the signature of every function a definition declares, and check it against the
definition: keyword-only parameters are exactly the dependencies, positional ones fit the role,
everything is annotated."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from runner_gen.definitions.kinds import Hook, Resource, ResourceMiddleware, Task, TaskMiddleware
from runner_gen.generator.annotations import Signature, SignatureError, SignatureReader
from runner_gen.generator.model import FunctionRole
from runner_gen.generator.problems import Problems, kind_label
from runner_gen.generator.resolve import Registry

_WHAT: dict[FunctionRole, str] = {
    "init": "init",
    "dispose": "dispose",
    "health": "health",
    "context": "context factory",
    "run": "run",
}


def read_signatures(
    registry: Registry, problems: Problems
) -> dict[str, dict[FunctionRole, Signature]]:
    """node id -> role -> signature, for every effective function (overrides applied)."""
    reader = SignatureReader()
    found: dict[str, dict[FunctionRole, Signature]] = {}
    for node_id, registration in registry.entries.items():
        definition = registration.definition
        roles: tuple[FunctionRole, ...] = ()
        if isinstance(definition, Resource):
            roles = ("init", "dispose", "context", "health")
        elif isinstance(definition, Task | Hook | TaskMiddleware | ResourceMiddleware):
            roles = ("run", "context")
        signatures: dict[FunctionRole, Signature] = {}
        for role in roles:
            function = registry.effective(definition, role)
            if function is None:
                continue
            signature = _read(reader, definition, function, role, problems)
            if signature is not None:
                _check(registry, definition, signature, role, problems)
                signatures[role] = signature
        found[node_id] = signatures
    return found


def _read(
    reader: SignatureReader,
    definition: Any,
    function: Callable[..., Any],
    role: FunctionRole,
    problems: Problems,
) -> Signature | None:
    try:
        return reader.read(function, f'{_WHAT[role]} of "{definition.id}"')
    except SignatureError as error:
        problems.add("invalid_signature", str(error), error.source, error.remediation)
        return None


def _check(
    registry: Registry,
    definition: Any,
    signature: Signature,
    role: FunctionRole,
    problems: Problems,
) -> None:
    dependencies = set(registry.dependencies(definition))
    has_context = getattr(definition, "context", None) is not None
    wanted = dependencies | ({"context"} if has_context else set())
    given = set(signature.keyword_names)
    if role == "run" and isinstance(definition, Task | TaskMiddleware) and "journal" not in wanted:
        given.discard("journal")  # the execution journal (no dependency has that key)
    kind = kind_label(definition).lower()
    label = f'{_WHAT[role]} function {signature.name}() of {kind} "{definition.id}"'
    if role == "context":
        if signature.positional or signature.keyword:
            problems.add("invalid_signature", f"{label} must take no parameters", signature.source)
        return
    if role in {"dispose", "health"}:
        unexpected = given - wanted
        if unexpected:
            problems.add(
                "run_signature_mismatch",
                f"{label} takes keyword parameter(s) {_names(unexpected)} that are not "
                f"declared dependencies",
                signature.source,
                "Declare them in .dependencies(...), or remove them from the signature.",
            )
    elif given != wanted:
        missing, unexpected = wanted - given, given - wanted
        details = []
        if missing:
            details.append(f"missing keyword parameter(s) {_names(missing)}")
        if unexpected:
            details.append(f"undeclared keyword parameter(s) {_names(unexpected)}")
        problems.add(
            "run_signature_mismatch",
            f"{label} does not match its declared dependencies: {'; '.join(details)}",
            signature.source,
            "Dependencies are passed as keyword-only parameters (after `*`), one per key "
            "of .dependencies(...).",
        )
    minimum, maximum, description = _expected_positional(definition, role)
    required = [param for param in signature.positional if not param.has_default]
    if len(required) > maximum or len(signature.positional) < minimum:
        problems.add(
            "run_signature_mismatch",
            f"{label} takes {len(signature.positional)} positional parameter(s); "
            f"expected {description}",
            signature.source,
        )
    for param in (*signature.positional, *signature.keyword):
        if param.annotation is None:
            problems.add(
                "missing_annotation",
                f"parameter {param.name!r} of {signature.name}() has no type annotation",
                signature.source,
                "Annotate it: the generated wiring passes values by their declared types.",
            )
    if signature.returns is None and role in {"init", "run"}:
        problems.add(
            "missing_annotation",
            f"{signature.name}() has no return annotation",
            signature.source,
            "Annotate the return type (-> None when it returns nothing).",
        )


def _names(names: set[str]) -> str:
    return ", ".join(repr(name) for name in sorted(names))


def _expected_positional(definition: Any, role: FunctionRole) -> tuple[int, int, str]:
    """(minimum, maximum, description) of positional parameters for this function."""
    has_config = getattr(definition, "config_schema", None) is not None
    if isinstance(definition, Resource):
        if role == "health":
            return (1, 1, "1 (the value)")
        if role == "init":
            if has_config:
                return (1, 1, "1 (config)")
            return (0, 0, "none (the resource has no config schema)")
        if has_config:
            return (1, 2, "the value (and optionally the config)")
        return (1, 1, "1 (the value)")
    if isinstance(definition, Task):
        return (0, 1, "at most 1 (the input)")
    if isinstance(definition, Hook):
        return (1, 1, "1 (the emission)")
    return (2, 2, "2 (the call and the config)") if has_config else (1, 1, "1 (the call)")
