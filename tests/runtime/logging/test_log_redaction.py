"""The Redactor's rules, one behaviour at a time, including its bounds and failure modes."""

from __future__ import annotations

import math
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import pytest
from pydantic import BaseModel, field_serializer

from runner_gen.runtime.errors import RunnerError
from runner_gen.runtime.logging import REDACTED, InvalidSecretError, Redactor
from runner_gen.runtime.logging.redaction import MAX_DEPTH_MARKER, MAX_ITEMS, MAX_STRING

redactor = Redactor()


@pytest.mark.parametrize(
    "key",
    [
        "password",
        "PASSWORD",
        "passwd",
        "db_password",
        "client_secret",
        "x-runner-token",
        "refresh_token",
        "Authorization",
        "api_key",
        "apiKey",
        "API-KEY",
        "aws_access_key_id",
        "private key",
        "Cookie",
        "Set-Cookie",
        "session_id",
        "credit card",
        "creditCardNumber",
        "card_number",
        "cvv",
        "user_ssn",
        "userSSN",
        "pwd",
    ],
)
def test_sensitive_keys_hide_their_values(key: str) -> None:
    assert redactor.redact_value({key: "v4lue"}) == {key: REDACTED}


@pytest.mark.parametrize("key", ["user", "classname", "passage", "author", "card_count", "cvvx"])
def test_ordinary_keys_keep_their_values(key: str) -> None:
    assert redactor.redact_value({key: "v4lue"}) == {key: "v4lue"}


def test_sensitive_key_hides_a_whole_nested_value() -> None:
    assert redactor.redact_value({"secret": {"a": [1, 2]}}) == {"secret": REDACTED}


def test_extra_keys_are_matched_like_builtin_ones() -> None:
    custom = Redactor(extra_keys=["internal-id"])

    assert custom.redact_value({"Internal_ID": 5, "internal id": 6, "other": 7}) == {
        "Internal_ID": REDACTED,
        "internal id": REDACTED,
        "other": 7,
    }
    assert custom.scrub_text("internal_id=abc other=1") == "internal_id=[REDACTED] other=1"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("GET /x?token=abc123&user=bob", "GET /x?token=[REDACTED]&user=bob"),
        ("Authorization: Bearer abcdefghijkl", "Authorization: [REDACTED]"),
        ("sent Bearer abcdefghijkl upstream", "sent Bearer [REDACTED] upstream"),
        ("header Basic dXNlcjpwYXNzd29yZA==", "header Basic [REDACTED]"),
        ('{"password": "a b c", "ok": 1}', '{"password": "[REDACTED]", "ok": 1}'),
        ("{'client_secret': 'xyz'}", "{'client_secret': '[REDACTED]'}"),
        ("x-runner-token: t0k3n", "x-runner-token: [REDACTED]"),
        ("note: password=abc", "note: password=[REDACTED]"),
        ("a=token=xyz", "a=token=[REDACTED]"),
        ("userSSN: 123-45-6789", "userSSN: [REDACTED]"),
        ("jwt eyJhbGciOi.eyJzdWIiOi.c2lnbmF0dXJl end", "jwt [REDACTED] end"),
        ("postgres://app:hunter2@db/test", "postgres://app:[REDACTED]@db/test"),
        ("redis://:hunter2@cache:6379/0", "redis://:[REDACTED]@cache:6379/0"),
        ("see http://example.com:8080/a@b", "see http://example.com:8080/a@b"),
        ('password="cut short', 'password="[REDACTED]"'),
        ("classname=Widget and user=ann", "classname=Widget and user=ann"),
        ("a dangling token=", "a dangling token="),
        ("rotated api key 9f86d081884c7d659a2f today", "rotated api key [REDACTED] today"),
        ("client_secret 4f1bXk29aQ0zLmN7pR2s", "client_secret [REDACTED]"),
        ("the token expired yesterday afternoon", "the token expired yesterday afternoon"),
        ("Cookie: sid=abc; theme=dark\nAccept: */*", "Cookie: [REDACTED]\nAccept: */*"),
        (
            'Authorization: Digest username="ann", response="6629fae4"',
            "Authorization: [REDACTED]",
        ),
        ('{"cookie": "a=b; c=d", "n": 1}', '{"cookie": "[REDACTED]", "n": 1}'),
        (
            "key:\n-----BEGIN RSA PRIVATE KEY-----\nMIIEow\nIBAAK\n"
            "-----END RSA PRIVATE KEY-----\nok",
            "key:\n[REDACTED]\nok",
        ),
        ("cut -----BEGIN PRIVATE KEY-----\nMIIEvQ", "cut [REDACTED]"),
        ("plain words about tokens and sessions", "plain words about tokens and sessions"),
    ],
)
def test_secret_shapes_are_scrubbed_from_text(text: str, expected: str) -> None:
    assert redactor.scrub_text(text) == expected


def test_extra_patterns_are_scrubbed() -> None:
    custom = Redactor(extra_patterns=[r"acct-\d{6}"])

    assert custom.scrub_text("charged acct-123456 today") == f"charged {REDACTED} today"


def test_registered_secrets_are_removed_verbatim_longest_first() -> None:
    custom = Redactor(secrets=["abcd"])
    custom.register_secret("abcd-efgh-ijkl")
    custom.register_secret("abcd")  # registering twice changes nothing

    assert custom.scrub_text("x abcd-efgh-ijkl y abcd z") == f"x {REDACTED} y {REDACTED} z"
    assert custom.redact_value({"abcd": "k"}) == {REDACTED: "k"}


def test_too_short_secret_is_refused_with_a_typed_error() -> None:
    with pytest.raises(InvalidSecretError) as raised:
        Redactor().register_secret("abc")

    assert isinstance(raised.value, RunnerError)
    assert raised.value.id == "runner.errors.invalid_secret"


def test_disabled_redactor_only_removes_registered_secrets() -> None:
    off = Redactor(enabled=False)
    active = [off.active]
    off.register_secret("s3cr3t-value")
    active.append(off.active)

    assert active == [False, True]
    assert off.redact_value({"password": "p", "x": "s3cr3t-value"}) == {
        "password": "p",
        "x": REDACTED,
    }
    assert off.scrub_text("token=abc") == "token=abc"


def test_long_strings_are_truncated_after_scrubbing_the_edge() -> None:
    custom = Redactor(secrets=["edge-secret-value"])
    text = "a" * (MAX_STRING - 5) + "edge-secret-value" + "b" * 100

    scrubbed = custom.scrub_text(text)

    assert len(scrubbed) < MAX_STRING + 40
    assert "edge-s" not in scrubbed  # no prefix of the secret survives the cut
    assert scrubbed.endswith("chars]")
    assert "truncated 112 chars" in scrubbed


def test_pathological_text_is_scanned_in_bounded_time() -> None:
    for text in ("token" * 4000, "token=" * 3000, "a=" * 10000, "x" * 100_000):
        assert len(redactor.scrub_text(text)) <= MAX_STRING + 40


def test_depth_is_bounded_and_cycles_terminate() -> None:
    cyclic: dict[str, Any] = {"name": "loop"}
    cyclic["self"] = cyclic

    redacted = redactor.redact_value(cyclic)

    node = redacted
    for _ in range(7):
        node = node["self"]
    assert node["self"] == MAX_DEPTH_MARKER


def test_items_per_container_are_bounded() -> None:
    redacted = redactor.redact_value({"items": list(range(MAX_ITEMS + 5))})
    big_map = redactor.redact_value({f"k{index}": index for index in range(MAX_ITEMS + 3)})

    assert len(redacted["items"]) == MAX_ITEMS + 1
    assert redacted["items"][-1] == "[more items]"
    assert big_map["…"] == "3 more keys"
    assert len(big_map) == MAX_ITEMS + 1


@dataclass
class Credentials:
    user: str
    api_key: str


class Account(BaseModel):
    name: str
    session_token: str


class HostileModel(BaseModel):
    password: str

    @field_serializer("password")
    def refuse(self, value: str) -> str:
        raise RuntimeError(f"cannot dump {value}")


def test_models_dataclasses_and_odd_values_become_redacted_json_shapes() -> None:
    value = {
        "creds": Credentials(user="ann", api_key="k-1"),
        "account": Account(name="acme", session_token="s-1"),
        "tags": ("a", frozenset({"b"})),
        "raw": b"token=zzz",
        "when": 12.5,
        "flag": True,
        "nothing": None,
        3: "int key",
    }

    assert redactor.redact_value(value) == {
        "creds": {"user": "ann", "api_key": REDACTED},
        "account": {"name": "acme", "session_token": REDACTED},
        "tags": ["a", ["b"]],
        "raw": "token=[REDACTED]",
        "when": 12.5,
        "flag": True,
        "nothing": None,
        "3": "int key",
    }


def test_read_only_mappings_are_walked_like_dicts() -> None:
    assert redactor.redact_value(MappingProxyType({"token": "t", "n": 1})) == {
        "token": REDACTED,
        "n": 1,
    }


def test_a_model_that_cannot_be_dumped_is_named_not_printed() -> None:
    redacted = redactor.redact_value({"login": HostileModel(password="p4ss-in-model")})

    assert redacted == {"login": "[unserializable HostileModel]"}


def test_objects_are_stringified_then_scrubbed_and_unprintable_ones_are_named() -> None:
    class Printable:
        def __str__(self) -> str:
            return "conn password=hunter22"

    class Unprintable:
        def __str__(self) -> str:
            raise ValueError("nope")

    assert redactor.redact_value([Printable(), Unprintable()]) == [
        "conn password=[REDACTED]",
        "[unprintable Unprintable]",
    ]


def test_redaction_never_raises_and_fails_closed() -> None:
    class ExplodingMapping(dict[str, Any]):
        def items(self) -> Any:
            raise RuntimeError("broken mapping")

    assert redactor.redact_mapping(ExplodingMapping(a=1)) == {"redaction": "[REDACTION_FAILED]"}
    assert redactor.redact_value(ExplodingMapping(a=1)) == "[REDACTION_FAILED]"


def test_scrub_text_fails_closed_on_unexpected_input() -> None:
    broken: Any = 12345  # not a string: len() fails inside the scan
    assert redactor.scrub_text(broken) == "[REDACTION_FAILED]"


def test_key_decisions_cache_is_bounded() -> None:
    custom = Redactor()
    for index in range(5000):
        custom.redact_value({f"key-{index}": index})
        custom.scrub_text(f"token{index}=1")

    assert custom.redact_value({"password": "x", "key-1": 1}) == {"password": REDACTED, "key-1": 1}


def test_non_finite_numbers_become_text_so_json_lines_stay_valid() -> None:
    redacted = redactor.redact_value({"ratio": float("inf"), "all": [float("nan"), -math.inf, 0.5]})

    assert redacted == {"ratio": "inf", "all": ["nan", "-inf", 0.5]}
