"""Two runner-gen processes on loopback: shop's client tunnel calls tasks billing serves."""

from __future__ import annotations

import subprocess
import sys

from tests.support.build import REPO


def test_one_command_starts_both_services_and_shop_calls_billing() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "examples.distributed"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("billing listening at http://127.0.0.1:")
    assert lines[1].startswith("order-book-2: 2 x book = 25.00 (quoted by billing at ")
    assert lines[2].startswith("order-pen-5: 5 x pen = 9.95")
    # billing's typed error crossed the wire and was re-raised as the shared error class
    assert lines[3] == "billing refused: unknown SKU 'lamp' (HTTP 404)"
    # SIGTERM: billing drained and disposed, exit code 0
    assert lines[4] == "billing stopped gracefully (exit code 0)"
