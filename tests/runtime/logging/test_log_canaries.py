"""No planted secret reaches any sink: printers, listeners, or the stdlib bridge either way.

Each canary is a unique string planted where real secrets turn up: request headers, bodies,
structured data, bound and per-call context, the message, exception messages, a chained
exception, traceback source lines, models, and library logs arriving through stdlib logging.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from pydantic import BaseModel, SecretStr

from runner_gen.runtime.logging import (
    Logger,
    LoggerConfig,
    LogRecord,
    PrintStrategy,
    RunnerLogHandler,
)

CANARIES = {
    "bearer": "cnry-bearer-0a1b2c3d4e5f",
    "runner_token": "cnry-runner-token-77",
    "cookie": "cnry-cookie-sid-9911",
    "body_password": "cnry-body-pass-5150",
    "api_key": "cnry-api-key-3141",
    "client_secret": "cnry-client-secret-2718",
    "url_password": "cnry-url-pass-1618",
    "jwt": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJjbnJ5LWp3dCJ9.cnry-jwt-signature",
    "registered": "cnry-registered-exposure-token-42",
    "session": "cnry-session-6022",
    "bound_access_key": "cnry-access-key-1234",
    "message_password": "cnry-msg-pass-8080",
    "message_bearer": "cnry-msg-bearer-abcdef123",
    "inner_error": "cnry-inner-token-4040",
    "model_password": "cnry-model-pass-3030",
    "model_secretstr": "cnry-model-secretstr-2020",
    "dataclass_token": "cnry-dataclass-token-1010",
    "card": "4111111111111111",
    "library": "cnry-library-bearer-55555555",
    "library_exc": "cnry-library-exc-pass-66",
}
# Appears literally in this file, so it shows up in traceback source lines.
LITERAL_IN_SOURCE = "cnry-literal-in-source-77"


class Login(BaseModel):
    user: str
    password: str
    otp_seed: SecretStr


@dataclass
class Upstream:
    name: str
    token: str


def _fail_deep() -> None:
    try:
        raise ValueError(f"db rejected token={CANARIES['inner_error']}")
    except ValueError as cause:
        raise RuntimeError(
            f"upstream refused {CANARIES['registered']} password={CANARIES['message_password']}"
        ) from cause


def _fail_with_literal() -> None:
    raise PermissionError("denied: token=cnry-literal-in-source-77")


@dataclass
class Sinks:
    logger: Logger
    printed: io.StringIO
    listened: list[LogRecord]
    forwarded: io.StringIO


@pytest.fixture
def forwarded_stdlib() -> Iterator[io.StringIO]:
    """What existing stdlib handlers print for records the Logger forwards."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s %(runner_record)s"))
    target = logging.getLogger("runner_gen")
    target.addHandler(handler)
    target.setLevel(logging.DEBUG)
    yield stream
    target.removeHandler(handler)
    target.setLevel(logging.NOTSET)


def _sinks(strategy: PrintStrategy, forwarded: io.StringIO) -> Sinks:
    printed = io.StringIO()
    logger = Logger(
        LoggerConfig(
            print_threshold="trace",
            print_strategy=strategy,
            color=strategy == "pretty",
            stdout=printed,
            stderr=printed,
            stdlib_forward_threshold="trace",
        )
    )
    logger.register_secret(CANARIES["registered"])
    listened: list[LogRecord] = []
    logger.on_log(listened.append)
    return Sinks(logger, printed, listened, forwarded)


async def _log_everything(logger: Logger) -> None:
    request = logger.with_(
        source="exposure.http", context={"access_key": CANARIES["bound_access_key"]}
    )
    headers = {
        "Authorization": f"Bearer {CANARIES['bearer']}",
        "X-Runner-Token": CANARIES["runner_token"],
        "Cookie": f"sid={CANARIES['cookie']}; theme=dark",
        "Accept": "application/json",
    }
    body = f'{{"user": "ann", "password": "{CANARIES["body_password"]}"}}'
    await request.info(
        f"login for ann with password={CANARIES['message_password']} "
        f"via Authorization: Bearer {CANARIES['message_bearer']}",
        data={
            "headers": headers,
            "body": body,
            "config": {
                "api_key": CANARIES["api_key"],
                "nested": {"deep": [{"client_secret": CANARIES["client_secret"]}]},
            },
            "dsn": f"postgresql://app:{CANARIES['url_password']}@db:5432/test",
            "id_token_text": f"got {CANARIES['jwt']} back",
            "note": f"exposure configured with {CANARIES['registered']}",
            "login": Login(
                user="ann",
                password=CANARIES["model_password"],
                otp_seed=SecretStr(CANARIES["model_secretstr"]),
            ),
            "upstream": Upstream(name="billing", token=CANARIES["dataclass_token"]),
            "payment": {"card_number": CANARIES["card"], "amount": 10},
        },
        context={"session_id": CANARIES["session"]},
    )
    try:
        _fail_deep()
    except RuntimeError as error:
        await request.error("login failed", error=error)
    try:
        _fail_with_literal()
    except PermissionError as error:
        await request.warn("literal failure", error=error)


def _library_logs(logger: Logger) -> None:
    library = logging.getLogger("somelib.http")
    handler = RunnerLogHandler(logger)
    library.addHandler(handler)
    library.propagate = False
    library.setLevel(logging.DEBUG)
    try:
        library.info("calling %s with Authorization: Bearer %s", "/api", CANARIES["library"])
        try:
            raise ConnectionError(f"auth failed for password={CANARIES['library_exc']}")
        except ConnectionError:
            library.exception("request failed", extra={"api_key": CANARIES["api_key"]})
    finally:
        library.removeHandler(handler)
        library.propagate = True
        library.setLevel(logging.NOTSET)


@pytest.mark.parametrize("strategy", ["json", "pretty", "plain"])
async def test_no_canary_reaches_any_sink(
    strategy: PrintStrategy, forwarded_stdlib: io.StringIO
) -> None:
    sinks = _sinks(strategy, forwarded_stdlib)

    await _log_everything(sinks.logger)
    _library_logs(sinks.logger)

    outputs = {
        "printer": sinks.printed.getvalue(),
        "listeners": "\n".join(repr(record) for record in sinks.listened),
        "stdlib": sinks.forwarded.getvalue(),
    }
    for sink, text in outputs.items():
        assert "[REDACTED]" in text, f"{sink} received nothing redacted: the test logged nothing"
        for name, canary in (*CANARIES.items(), ("literal", LITERAL_IN_SOURCE)):
            assert canary not in text, f"canary {name!r} leaked to {sink}"
    # Five records (three direct, two via the stdlib handler) reached every sink.
    assert len(sinks.listened) == 5
    assert {record.source for record in sinks.listened} == {"exposure.http", "somelib.http"}


async def test_redaction_keeps_what_is_not_secret(forwarded_stdlib: io.StringIO) -> None:
    sinks = _sinks("json", forwarded_stdlib)

    await _log_everything(sinks.logger)

    first = sinks.listened[0]
    assert first.data["headers"]["Accept"] == "application/json"
    assert first.data["headers"]["Cookie"] == "[REDACTED]"
    assert first.data["login"] == {
        "user": "ann",
        "password": "[REDACTED]",
        "otp_seed": "**********",
    }
    assert first.data["upstream"] == {"name": "billing", "token": "[REDACTED]"}
    assert first.data["payment"] == {"card_number": "[REDACTED]", "amount": 10}
    assert first.data["dsn"] == "postgresql://app:[REDACTED]@db:5432/test"
    assert first.data["body"] == '{"user": "ann", "password": "[REDACTED]"}'
    assert first.context == {"access_key": "[REDACTED]", "session_id": "[REDACTED]"}
    failure = sinks.listened[1]
    assert failure.error is not None
    assert failure.error["type"] == "RuntimeError"
    assert failure.error["stack"] is not None
    assert "ValueError: db rejected token=[REDACTED]" in failure.error["stack"]
