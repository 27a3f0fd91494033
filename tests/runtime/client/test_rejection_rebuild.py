"""What the transports' envelope reader rebuilds from an error answer (pure: no I/O needed)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field

import pytest

from runner_gen.runtime.client import RemoteError
from runner_gen.runtime.client.envelope import read_result, retry_after_seconds
from runner_gen.runtime.errors import ShutdownLockdownError
from runner_gen.runtime.middleware import CircuitOpenError, RateLimitExceededError
from runner_gen.runtime.rejections import BUILTIN_REJECTIONS


@dataclass
class Answer:
    status_code: int
    body: object
    headers: Mapping[str, str] = field(default_factory=dict)

    @property
    def content(self) -> bytes:
        return json.dumps(self.body).encode()


def refusal(error_id: str, status: int, data: object, **headers: str) -> Answer:
    body = {"ok": False, "error": {"message": "no", "code": "INTERNAL_ERROR", "id": error_id}}
    body["error"]["data"] = data  # type: ignore[index]
    return Answer(status, body, headers)


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("3", 3.0),
        (" 7 ", 7.0),
        ("0", 0.0),
        (None, None),
        ("-1", None),
        ("inf", None),
        ("nan", None),
        ("Wed, 21 Oct 2026 07:28:00 GMT", None),
    ],
)
def test_retry_after_is_read_as_delay_seconds_only(
    header: str | None, seconds: float | None
) -> None:
    assert retry_after_seconds(header) == seconds


def test_a_builtin_rejection_is_rebuilt_with_the_header_when_data_has_no_seconds() -> None:
    answer = refusal(
        RateLimitExceededError.id, 429, {"message": "slow down"}, **{"retry-after": "4"}
    )
    with pytest.raises(RateLimitExceededError) as raised:
        read_result(answer, "http://x/task/t", {})
    assert raised.value.retry_after == 4.0
    assert raised.value.message == "no"
    assert isinstance(raised.value.__cause__, RemoteError)
    assert raised.value.__cause__.retry_after == 4.0


def test_precise_seconds_in_data_win_over_the_rounded_header() -> None:
    data = {"message": "open", "retryAfter": 2.25, "taskId": "srv.tasks.x"}
    answer = refusal(CircuitOpenError.id, 503, data, **{"retry-after": "3"})
    with pytest.raises(CircuitOpenError) as raised:
        read_result(answer, "http://x/task/t", {})
    assert raised.value.retry_after == 2.25
    assert raised.value.task_id == "srv.tasks.x"


def test_the_apps_own_mapping_wins_over_the_builtin_one() -> None:
    class Mine(Exception):
        pass

    answer = refusal(ShutdownLockdownError.id, 503, {"message": "bye"})
    with pytest.raises(Mine):
        read_result(answer, "http://x/task/t", {ShutdownLockdownError.id: lambda remote: Mine()})


def test_an_unknown_id_stays_a_remote_error() -> None:
    answer = refusal("someone.elses.error", 418, None)
    with pytest.raises(RemoteError) as raised:
        read_result(answer, "http://x/task/t", {})
    assert raised.value.error_id == "someone.elses.error"


def test_every_builtin_rebuilds_from_bare_runner_data() -> None:
    """A Node Runner sends only {message}: every class must cope with the fields missing."""
    for error_id, cls in BUILTIN_REJECTIONS.items():
        rebuilt = cls.from_wire("refused", {"message": "refused"}, None)
        assert rebuilt.id == error_id
        assert rebuilt.retry_after is None
        assert rebuilt.data == {"message": "refused"}
        rebuilt_from_nothing = cls.from_wire("refused", "not a mapping", 1.5)
        assert rebuilt_from_nothing.retry_after == 1.5
