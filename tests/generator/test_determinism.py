"""Two builds, under two hash seeds, are byte-identical."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.support.build import REPO

_SCRIPT = """
import hashlib, json
from tests.support.build import generate_files
specs = ["examples.quickstart.definitions:app", "tests.fixtures.apps.features:app",
         "tests.fixtures.apps.events:app"]
digests = {}
for spec in specs:
    output = generate_files(spec)
    for name, text in sorted(output.files.items()):
        digests[f"{spec}/{name}"] = hashlib.sha256(text.encode()).hexdigest()
    digests[f"{spec}/manifest"] = hashlib.sha256(output.manifest.dumps().encode()).hexdigest()
print(json.dumps(digests, sort_keys=True))
"""


def _digests(seed: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", _SCRIPT],
        cwd=REPO,
        env={**os.environ, "PYTHONHASHSEED": seed},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


def test_output_is_identical_across_hash_seeds() -> None:
    first = _digests("0")
    assert first == _digests("4242")
    assert first.count("wiring.py") == 3
