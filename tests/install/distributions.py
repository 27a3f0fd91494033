"""Build the two distributions and install them into fresh virtual environments.

Builds go through ``python -m build`` without isolation (the dev venv has hatchling): an sdist
first, then the wheel from that sdist, as a user's pip would build it. Each venv is made by
``python -m venv --without-pip`` and filled by this interpreter's pip (``pip --python``), which
reuses pip's download cache across runs.
"""

from __future__ import annotations

import subprocess
import sys
import zipfile
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
RUNTIME_PROJECT = REPO / "packages" / "runner-gen-runtime"


@dataclass(frozen=True, slots=True)
class Distributions:
    runtime_wheel: Path
    full_wheel: Path
    runtime_sdist: Path
    full_sdist: Path


def build_distributions(out: Path) -> Distributions:
    for project in (RUNTIME_PROJECT, REPO):
        checked(
            [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(project)]
        )
    [runtime_wheel] = out.glob("runner_gen_runtime-*.whl")
    [full_wheel] = out.glob("runner_gen-*.whl")
    [runtime_sdist] = out.glob("runner_gen_runtime-*.tar.gz")
    [full_sdist] = out.glob("runner_gen-*.tar.gz")
    return Distributions(runtime_wheel, full_wheel, runtime_sdist, full_sdist)


def wheel_files(wheel: Path) -> set[str]:
    with zipfile.ZipFile(wheel) as archive:
        return {name for name in archive.namelist() if ".dist-info/" not in name}


def wheel_metadata(wheel: Path) -> str:
    with zipfile.ZipFile(wheel) as archive:
        [name] = [name for name in archive.namelist() if name.endswith(".dist-info/METADATA")]
        return archive.read(name).decode()


def pinned(distribution: str) -> str:
    """``name==version`` as installed in the dev venv: the same build the repo is checked with."""
    return f"{distribution}=={version(distribution)}"


@dataclass(frozen=True, slots=True)
class VirtualEnv:
    root: Path

    @property
    def python(self) -> Path:
        return self.root / "bin" / "python"

    def script(self, name: str) -> Path:
        return self.root / "bin" / name

    def install(self, *requirements: str) -> None:
        checked(
            [
                sys.executable,
                "-m",
                "pip",
                "--python",
                str(self.python),
                "install",
                "-q",
                *requirements,
            ]
        )

    def run(
        self, *args: str | Path, cwd: Path, timeout: float = 120
    ) -> subprocess.CompletedProcess[str]:
        """Run ``args`` with this venv's executables first on PATH and nothing of the repo's."""
        return subprocess.run(
            [str(arg) for arg in args],
            cwd=cwd,
            env=isolated_env(self),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )


def isolated_env(venv: VirtualEnv) -> dict[str, str]:
    return {
        "PATH": f"{venv.root / 'bin'}:/usr/bin:/bin",
        "HOME": str(venv.root),
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
    }


def new_venv(root: Path) -> VirtualEnv:
    checked([sys.executable, "-m", "venv", "--without-pip", str(root)])
    return VirtualEnv(root)


def checked(command: list[str]) -> None:
    """Run a set-up step; when it fails, the test says which and shows its output."""
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    assert result.returncode == 0, f"{' '.join(command)} failed:\n{result.stdout}{result.stderr}"
