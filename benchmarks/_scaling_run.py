"""Running the scaling benchmark's measurements, each in a fresh process, with its own rusage."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
MIB = 1024  # ru_maxrss is in KiB on Linux


def bench_env(**extra: str) -> dict[str, str]:
    # Bytecode is cached as on a developer's machine: imports are timed warm, not compiling.
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    return {**env, "PYTHONPATH": str(REPO), **extra}


@dataclass(frozen=True)
class Timing:
    wall: float  # seconds
    cpu: float  # user + system seconds of the process (and its children)
    rss: float  # peak, MiB
    output: str


def measured(command: list[str], cwd: Path, env: dict[str, str]) -> Timing:
    """Run a command to completion; its own rusage (os.wait4), not that of earlier children."""
    with tempfile.TemporaryFile() as output:
        start = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, env=env, stdout=output, stderr=output)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        output.seek(0)
        text = output.read().decode(errors="replace")
    if process.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed ({process.returncode}):\n{text}")
    return Timing(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / MIB, text)


def probe(what: str, project: Path, *args: str) -> dict[str, Any]:
    command = [sys.executable, "-m", "benchmarks._scaling_probe", what, str(project), *args]
    text = measured(command, project, bench_env()).output
    result: dict[str, Any] = json.loads(text.strip().splitlines()[-1])
    return result


def best(runs: int, measure: Callable[[], Timing]) -> Timing:
    """The run with the least CPU time; each run is a fresh process."""
    return min((measure() for _ in range(runs)), key=lambda timing: timing.cpu)


def probed(what: str, project: Path, *args: str) -> Timing:
    result = probe(what, project, *args)
    return Timing(result["wall"], result["cpu"], 0.0, json.dumps(result))


def cli() -> list[str]:
    script = Path(sys.executable).with_name("runner-gen")
    return [str(script)] if script.exists() else [sys.executable, "-m", "runner_gen.cli"]


def build(project: Path) -> Timing:
    return measured([*cli(), "build", "--project", str(project)], project, bench_env())


def check(project: Path) -> Timing:
    timing = measured([*cli(), "build", "--check", "--project", str(project)], project, bench_env())
    if "up to date" not in timing.output:
        raise RuntimeError(f"--check right after a build did not find it current:\n{timing}")
    return timing


# -- mypy ----------------------------------------------------------------------------------


def prime_mypy(root: Path) -> Path:
    """A mypy cache holding runner-gen's own modules, so every run times only the app."""
    prime = root / "mypy-prime"
    prime.mkdir()
    package = REPO / "runner_gen"
    modules = sorted(
        ".".join(path.relative_to(REPO).with_suffix("").parts).removesuffix(".__init__")
        for path in package.rglob("*.py")
        if not {"generator", "templates"} & set(path.relative_to(package).parts)
        and path.name != "cli.py"
    )
    (prime / "prime.py").write_text("".join(f"import {module}\n" for module in modules))
    seconds = mypy(prime, prime / "cache", ["-m", "prime"], cache=None)
    print(f"  mypy cache primed with {len(modules)} runner_gen modules ({seconds:.1f} cpu s)")
    return prime / "cache"


def mypy(project: Path, cache_dir: Path, targets: list[str], cache: Path | None) -> float:
    """CPU seconds of ``mypy --strict`` over ``targets``, in ``cache_dir`` seeded from ``cache``
    (then dropped; kept when there is no seed: that is the priming run)."""
    if cache is not None:
        shutil.copytree(cache, cache_dir)
    command = [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(cache_dir), *targets]
    env = bench_env(MYPYPATH=f"{project}{os.pathsep}{REPO}")
    timing = measured(command, project, env)
    if cache is not None:
        shutil.rmtree(cache_dir, ignore_errors=True)
    return timing.cpu
