"""Schemathesis drives the running billing service from its OpenAPI document: generated requests
(valid and invalid) must never get a 5xx, and every answer's status and body must be what the
document says."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

from tests.support.build import REPO

TOKEN = "schemathesis-token-0123456789"


def test_the_running_billing_service_conforms_to_its_document(tmp_path: Path) -> None:
    env = {**os.environ, "BILLING_TOKEN": TOKEN, "BILLING_PORT": "0"}
    billing = subprocess.Popen(
        [sys.executable, "-m", "examples.distributed.serve_billing"],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    try:
        assert billing.stdout is not None
        url = billing.stdout.readline().strip()
        assert url.endswith("/__runner"), url
        run = subprocess.run(
            [
                sys.executable, "-m", "schemathesis.cli", "run",
                str(REPO / "examples" / "distributed" / "billing.openapi.json"),
                "--url", url.removesuffix("/__runner"),
                "--checks", "not_a_server_error,status_code_conformance,"
                "response_schema_conformance",
                "--header", f"x-runner-token: {TOKEN}",
                "--max-examples", "25",
                "--no-color",
            ],
            # Schemathesis keeps its example database in the working directory: not the repo's.
            cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip
    finally:
        billing.send_signal(signal.SIGTERM)
        _, stderr = billing.communicate(timeout=60)
    assert run.returncode == 0, run.stdout[-6000:]
    assert "4 selected / 4 total" in run.stdout
    counted = re.search(r"(\d+) generated, (\d+) passed", run.stdout)
    assert counted is not None, run.stdout[-3000:]
    assert int(counted[1]) == int(counted[2]) > 0
    assert billing.returncode == 0, stderr
