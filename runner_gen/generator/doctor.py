"""``runner-gen doctor``: the production checklist (seed 000) checked against an app's graph.

Each check passes or fails with the reason and the fix; ``--strict`` turns any failure into a
non-zero exit for CI. Everything is decided from the definitions, at build time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from runner_gen.definitions.kinds import Resource, Task
from runner_gen.generator.analysis import analyse
from runner_gen.generator.builtin_ids import LOGGER_ID, METRICS_ID
from runner_gen.generator.load import LoadedApp
from runner_gen.generator.model import AppModel
from runner_gen.generator.validate import carries_tag
from runner_gen.runtime.tunnel import TunnelConfig

EXTERNAL_IO = "globals.tags.external_io"
_RESILIENCE = {
    "globals.middleware.timeout.task": "timeout",
    "globals.middleware.retry.task": "retry",
    "globals.middleware.task.circuitBreaker": "circuit_breaker",
}
_MAX_BODY = 10 * 1024 * 1024  # the checklist's example limit


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    passed: bool
    reason: str
    fix: str = ""


def doctor(loaded: LoadedApp) -> list[Check]:
    model = analyse(loaded)
    configs = {
        node_id: node.registration.attachment.config
        for node_id, node in model.nodes.items()
        if node.registration.attachment is not None
    }
    checks: list[Check] = []
    checks += _exposure_checks(model, configs)
    checks.append(_literal_tunnel_tokens(configs))
    checks.append(_external_io(model))
    checks.append(
        Check(
            "graceful shutdown",
            True,
            "generated main() turns SIGINT/SIGTERM into a graceful dispose (a second signal "
            "forces it) and exits non-zero when a dispose fails",
        )
    )
    checks.append(_redaction(configs.get(LOGGER_ID)))
    checks.append(_health(model))
    metrics = METRICS_ID in model.nodes
    checks.append(
        Check(
            "metrics",
            metrics,
            "globals.resources.metrics is registered: every task is timed"
            if metrics
            else "no metrics: latency and error rate per task are not recorded",
            "" if metrics else "Register globals.resources.metrics in the root resource.",
        )
    )
    return checks


def _exposure_checks(model: AppModel, configs: dict[str, Any]) -> list[Check]:
    exposures = model.routing.exposures
    if not exposures:
        return [Check("exposure", True, "the app serves no HTTP exposure")]
    checks = []
    for exposure_id, exposure in sorted(exposures.items()):
        served_tasks = exposure.task_ids
        config = configs.get(exposure_id)
        if config is None:
            continue
        has_auth = bool(
            config.tokens or config.tokens_env or config.verify or getattr(config, "principal", 0)
        )
        if has_auth:
            auth = Check(f"{exposure_id}: auth", True, "token or bearer verification configured")
        elif config.allow_anonymous:
            auth = Check(
                f"{exposure_id}: auth",
                False,
                "anonymous exposure: anyone who reaches the port can call the allowed tasks",
                "Configure tokens (tokens_env) or a bearer verify callback.",
            )
        else:
            auth = Check(
                f"{exposure_id}: auth",
                False,
                "no auth configured: the exposure refuses to start",
                "Configure tokens (tokens_env) or a bearer verify callback.",
            )
        patterns = (*config.allow_task_ids, *config.allow_event_ids)
        broad = [p for p in patterns if p.strip("*.?") == ""]
        allow = Check(
            f"{exposure_id}: allow-lists",
            not broad,
            f"{len(served_tasks)} task(s) allowed by exact ids or namespaced globs"
            if not broad
            else f"catch-all pattern(s) {', '.join(broad)} expose every task, internal ones too",
            "" if not broad else "List public ids, or a glob such as 'api.tasks.public.*'.",
        )
        limit_ok = 0 < config.body_limit <= _MAX_BODY
        limit = Check(
            f"{exposure_id}: body limit",
            limit_ok,
            f"request bodies are limited to {config.body_limit} bytes",
            "" if limit_ok else f"Set body_limit to at most {_MAX_BODY} bytes.",
        )
        literal = Check(
            f"{exposure_id}: secrets",
            not config.tokens,
            "tokens are hard-coded in the definitions: anyone with the code holds a live credential"
            if config.tokens
            else "no token is written in the definitions",
            "" if not config.tokens else "Remove tokens=...; read them with tokens_env instead.",
        )
        probes_open = not getattr(config, "probes_require_token", True) and (
            getattr(config, "admin_port", None) is None
        )
        probes = Check(
            f"{exposure_id}: probes",
            not probes_open,
            "/health and /metrics on the API port are open to anyone: they name tasks and "
            "run health checks on demand"
            if probes_open
            else "/health and /metrics need the token, or live on a separate admin bind",
            "Keep probes_require_token=True, or set admin_port." if probes_open else "",
        )
        checks += [auth, literal, allow, limit, probes]
    return checks


def _literal_tunnel_tokens(configs: dict[str, Any]) -> Check:
    literal = sorted(
        node_id
        for node_id, config in configs.items()
        if isinstance(config, TunnelConfig) and config.token
    )
    if literal:
        return Check(
            "tunnel secrets",
            False,
            f"token hard-coded in the definitions of {', '.join(literal)}",
            "Remove token=...; read it with token_env instead.",
        )
    return Check("tunnel secrets", True, "no tunnel token is written in the definitions")


def _external_io(model: AppModel) -> Check:
    missing: list[str] = []
    tagged = 0
    for node_id, node in model.nodes.items():
        definition = node.definition
        if not isinstance(definition, Task) or not carries_tag(definition, EXTERNAL_IO):
            continue
        tagged += 1
        present = {use.middleware_id for use in node.middleware}
        lacking = [name for mw_id, name in _RESILIENCE.items() if mw_id not in present]
        if lacking:
            missing.append(f"{node_id} (no {', '.join(lacking)})")
    if missing:
        return Check(
            "external I/O resilience",
            False,
            "external I/O tasks without resilience middleware: " + "; ".join(missing),
            "Add globals.middleware.task.timeout, .retry and .circuit_breaker to them.",
        )
    reason = (
        f"{tagged} external I/O task(s) carry timeout, retry and circuit breaker"
        if tagged
        else "no task is tagged globals.tags.external_io"
    )
    return Check("external I/O resilience", True, reason)


def _redaction(logger_config: Any) -> Check:
    if logger_config is not None and not getattr(logger_config, "redact", True):
        return Check(
            "log redaction",
            False,
            "the logger is configured with redact=False: secrets may reach log sinks",
            "Remove redact=False from globals.resources.logger's config.",
        )
    return Check("log redaction", True, "redaction is on (the default)")


def _health(model: AppModel) -> Check:
    checked = [
        node_id
        for node_id, node in model.nodes.items()
        if isinstance(node.definition, Resource) and node.definition.health is not None
    ]
    if checked:
        return Check("health checks", True, f"{len(checked)} resource(s) declare a health check")
    return Check(
        "health checks",
        False,
        "no resource declares a health check, so /health cannot tell a broken dependency",
        "Add .health(check) to the resources the app cannot work without (database, cache).",
    )


def render(checks: list[Check]) -> str:
    width = max(len(check.name) for check in checks)
    lines = [f"{'check':<{width}}  status  reason"]
    for check in checks:
        status = "PASS" if check.passed else "FAIL"
        lines.append(f"{check.name:<{width}}  {status:<6}  {check.reason}")
        if check.fix:
            lines.append(f"{'':<{width}}          fix: {check.fix}")
    failed = sum(not check.passed for check in checks)
    lines.append(f"\n{len(checks) - failed} passed, {failed} failed")
    return "\n".join(lines) + "\n"
