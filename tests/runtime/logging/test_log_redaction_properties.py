"""Properties of redaction over generated input: what holds for every string and structure."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from runner_gen.runtime.logging import REDACTED, Redactor
from runner_gen.runtime.logging.redaction import MAX_DEPTH, MAX_STRING

SENSITIVE_KEYS = ["password", "X-Runner-Token", "client_secret", "apiKey", "Set-Cookie", "ssn"]

# Secrets are drawn without the marker's characters, so the marker itself never spells one.
secrets = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-_.", min_size=4, max_size=40)
json_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text()
json_like = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=20,
)

fast = settings(max_examples=150, deadline=None)


@fast
@given(prefix=st.text(max_size=200), secret=secrets, suffix=st.text(max_size=200))
def test_a_registered_secret_never_survives_in_text(prefix: str, secret: str, suffix: str) -> None:
    redactor = Redactor(secrets=[secret])

    scrubbed = redactor.scrub_text(prefix + secret + suffix)

    assert secret not in scrubbed


@fast
@given(
    value=json_like,
    secret=secrets,
    key=st.sampled_from(SENSITIVE_KEYS),
    path=st.lists(st.text(alphabet="abcdefgh", min_size=1, max_size=5), max_size=MAX_DEPTH - 2),
)
def test_a_value_under_a_sensitive_key_never_survives_anywhere_in_a_structure(
    value: Any, secret: str, key: str, path: list[str]
) -> None:
    assume(secret not in json.dumps([value, path], ensure_ascii=False))
    planted: dict[str, Any] = {key: secret}
    for step in reversed(path):
        planted = {step: planted, "noise": value}

    redacted = Redactor().redact_value(planted)

    assert secret not in json.dumps(redacted, ensure_ascii=False)


@fast
@given(value=json_like)
def test_redacted_output_is_always_plain_json(value: Any) -> None:
    redacted = Redactor(secrets=["never-present-secret"]).redact_value(value)

    json.dumps(redacted, allow_nan=False)  # raises if anything but JSON types remained


@fast
@given(text=st.text(max_size=MAX_STRING * 2))
def test_scrubbed_text_is_bounded_and_scrubbing_never_raises(text: str) -> None:
    scrubbed = Redactor().scrub_text(text)

    assert len(scrubbed) <= MAX_STRING + 40
    assert scrubbed != "[REDACTION_FAILED]"


@fast
@given(
    key=st.sampled_from(["token", "password", "api_key", "session", "Authorization"]),
    separator=st.sampled_from(["=", ": ", ":", " = "]),
    secret=secrets,
    tail=st.sampled_from(["", " next", "&next=1", ", more", "\n"]),
)
def test_key_value_pairs_in_text_lose_their_value(
    key: str, separator: str, secret: str, tail: str
) -> None:
    # A secret that also occurs in the surrounding text ("sess" in "session") would be found
    # there, redacted or not: the property is about the value.
    assume(secret not in f"context {key}{separator}{tail}")
    scrubbed = Redactor().scrub_text(f"context {key}{separator}{secret}{tail}")

    assert secret not in scrubbed
    assert REDACTED in scrubbed
