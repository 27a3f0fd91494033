"""Running the real @bluelibs/runner 5.5 (pinned in node/package-lock.json) beside the tests.

``npm ci`` runs once when node/node_modules is missing. Without node or npm, or when the install
fails (no network), the interop tests skip outside CI and fail in CI.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

NODE_DIR = Path(__file__).parent / "node"
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
STARTUP_SECONDS = 30.0


def unavailable(message: str) -> None:
    if IN_CI:
        pytest.fail(f"{message}; CI requires it", pytrace=False)
    pytest.skip(message)


@dataclass(frozen=True)
class NodeRunner:
    node: str
    directory: Path

    def run_script(self, *args: str, stdin: str = "", timeout: float = 60.0) -> str:
        """Run a script to completion and return its stdout (a failure fails the test)."""
        done = subprocess.run(
            [self.node, *args],
            cwd=self.directory,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if done.returncode != 0:
            pytest.fail(f"node {' '.join(args)} exited {done.returncode}:\n{done.stderr}")
        return done.stdout


def install_runner() -> NodeRunner:
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        unavailable("node and npm are needed for the Runner 5.5 interop tests")
        raise AssertionError("unreachable")  # pytest.skip/fail raised
    if not (NODE_DIR / "node_modules" / "@bluelibs" / "runner" / "package.json").exists():
        installed = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund"],
            cwd=NODE_DIR,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if installed.returncode != 0:
            unavailable(f"npm ci failed in {NODE_DIR}:\n{installed.stderr[-2000:]}")
    return NodeRunner(node, NODE_DIR)


@pytest.fixture(scope="session")
def runner_node() -> NodeRunner:
    return install_runner()


@dataclass(frozen=True)
class NodeServer:
    port: int
    process: subprocess.Popen[str]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/__runner"


@contextmanager
def node_server(runner: NodeRunner, script: str, env: dict[str, str]) -> Iterator[NodeServer]:
    """Start ``script``; it must print ``{"port": N}`` once listening. Always stopped after."""
    process = subprocess.Popen(
        [runner.node, script],
        cwd=runner.directory,
        env={**os.environ, **env},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        yield NodeServer(_read_port(process), process)
    finally:
        _stop(process)


def _read_port(process: subprocess.Popen[str]) -> int:
    lines: queue.Queue[str] = queue.Queue()
    assert process.stdout is not None
    stdout = process.stdout
    threading.Thread(target=lambda: lines.put(stdout.readline()), daemon=True).start()
    try:
        line = lines.get(timeout=STARTUP_SECONDS)
    except queue.Empty:
        line = ""
    if not line:
        process.terminate()
        _, stderr = process.communicate(timeout=10)
        pytest.fail(f"node server did not report its port:\n{stderr}")
    port: int = json.loads(line)["port"]
    return port


def _stop(process: subprocess.Popen[str]) -> None:
    # Closing stdin asks the script to dispose its runtime; signals are the fallback.
    if process.stdin is not None and not process.stdin.closed:
        process.stdin.close()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    for stream in (process.stdout, process.stderr):
        if stream is not None:
            stream.close()
