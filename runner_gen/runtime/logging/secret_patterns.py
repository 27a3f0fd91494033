"""What counts as secret: key names, and the shapes secrets take inside free text.

Kept apart from the walk in ``redaction.py`` so the rules can be read (and extended) in one place.
Free text is handled in two passes that share the key rules: ``key=value`` pairs are found by a
cheap "word followed by = or :" scan and redacted when the word is a sensitive key (so text and
structured data agree on what is sensitive), and self-describing shapes (bearer credentials,
JWTs, URL passwords) are redacted wherever they appear.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Final

REDACTED: Final = "[REDACTED]"

#: Key fragments matched as substrings of the key with case, ``-``, ``_`` and spaces removed,
#: so "X-Runner-Token", "client_secret", "Set-Cookie" and "creditCardNumber" all match.
SENSITIVE_KEY_FRAGMENTS: Final[tuple[str, ...]] = (
    "password",
    "passwd",
    "secret",
    "token",
    "authorization",
    "apikey",
    "accesskey",
    "privatekey",
    "cookie",
    "session",
    "creditcard",
    "cardnumber",
)

#: Short fragments match only as whole words ("user_ssn", "userSSN"), or "classname" would
#: lose its value to "ssn".
SENSITIVE_KEY_WORDS: Final[tuple[str, ...]] = ("ssn", "cvv", "pwd")

_WORD: Final = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")


def normalise_key(key: str) -> str:
    return key.lower().replace("-", "").replace("_", "").replace(" ", "")


def key_words(key: str) -> set[str]:
    """The lower-cased words of a key in any casing: "userSSN" and "user-ssn" give user, ssn."""
    return {word.lower() for word in _WORD.findall(key)}


def build_trigger_pattern(extra_fragments: Iterable[str]) -> re.Pattern[str]:
    """A fast yes/no prefilter, run on lower-cased text: can any rule match at all?

    Most log text contains no secret; one case-sensitive scan of it is several times cheaper
    than the full passes, which run only when this finds a candidate.
    """
    loose = [r"[-_ ]?".join(re.escape(char) for char in key) for key in extra_fragments if key]
    base = (
        r"p(?:assw|wd)|s(?:ecret|ession|sn)|token|a(?:uthoriz|pi[-_ ]?key|ccess[-_ ]?key)"
        r"|private[-_ ]?key|c(?:ookie|redit[-_ ]?card|ard[-_ ]?number|vv)|bearer|basic|eyj|://"
    )
    return re.compile("|".join([base, *loose]))


#: A key (one or two words: "token", "api key") and its separator: "token=", "token: ",
#: "\"token\": ", or plain spaces when a long hex/base64-looking value follows
#: ("rotated api key 9f86d081884c7d65"). Bounded lengths keep the scan linear on long blobs.
KEY_AND_SEPARATOR: Final = re.compile(
    r"(?<![\w.-])(?P<key>[\w.-]{1,60}(?: [\w.-]{1,30})?)"
    r"(?:[\"']?\s*[:=]\s*|[ \t]+(?=(?=[A-Za-z0-9+/_-]*\d)[A-Za-z0-9+/_-]{16,}))"
)

#: The value after a separator: quoted (escapes included), or bare with an optional auth scheme.
PAIR_VALUE: Final = re.compile(
    r'"(?:[^"\\\n]|\\.)*"'
    r"|'(?:[^'\\\n]|\\.)*'"
    r"|(?:(?:[Bb]earer|BEARER|[Bb]asic|BASIC|[Dd]igest|[Tt]oken)\s+)?[^\s&,;'\"}\])]+"
    r"|[\"'][^\n]*"  # an unclosed quote (text cut short): hide the rest of the line
)

#: Cookie and Authorization header values hold several secrets separated by ``;`` or ``,``
#: ("sid=…; csrf=…", 'Digest username="…", response="…"'): unquoted, they run to the line end.
WHOLE_LINE_VALUE: Final = re.compile(r'"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|[^\r\n]+')
WHOLE_LINE_KEYS: Final[tuple[str, ...]] = ("cookie", "authorization")

#: Secrets that announce themselves, wherever they appear.
SECRET_SHAPES: Final = re.compile(
    # PEM private keys, every line of them (to the end of the text when cut short).
    r"(?P<pem>-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(?:-----END [A-Z ]*PRIVATE KEY-----|\Z))"
    # "Bearer abc…" / "Basic dXNlcjpwYXNz": keep the scheme, drop the credential.
    r"|(?P<scheme>\b(?:[Bb]earer|BEARER|[Bb]asic|BASIC)\s+)[A-Za-z0-9\-._~+/]{8,}=*"
    # JWTs: base64url JSON header and payload ('{"' encodes as "eyJ"), signature optional.
    r"|(?P<jwt>eyJ[\w-]{4,}\.eyJ[\w-]*(?:\.[\w-]*)?)"
    # Credentials in URLs: scheme://user:password@host keeps the user; the user may be empty
    # (redis://:password@host, Redis's password-only form).
    r"|(?P<userinfo>\b[A-Za-z][A-Za-z0-9+.-]*://[^/\s:@]*:)[^/\s@]+@",
    re.DOTALL,
)


def replace_shape(match: re.Match[str]) -> str:
    scheme = match.group("scheme")
    if scheme is not None:
        return scheme + REDACTED
    userinfo = match.group("userinfo")
    if userinfo is not None:
        return f"{userinfo}{REDACTED}@"
    return REDACTED  # a JWT or a PEM private key


def redacted_value(value: str) -> str:
    """The replacement for a pair's value, keeping its quotes so JSON-ish text stays readable."""
    quote = value[0] if value[0] in "\"'" else ""
    return f"{quote}{REDACTED}{quote}"
