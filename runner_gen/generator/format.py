"""Format generated modules with ruff, under the project's own ruff settings.

Imports are sorted (``ruff check --select I --fix``) and code is formatted (``ruff format``)
exactly as ruff would do it to the file at its final path, so the project's line length and
isort sections apply and the generated package passes the project's own lint. The ruff version
is part of the build fingerprint: a different ruff may format differently.
"""

from __future__ import annotations

import subprocess
from functools import cache
from pathlib import Path

from runner_gen.generator.problems import BuildError, Problem


@cache
def ruff_binary() -> str:
    try:
        from ruff.__main__ import find_ruff_bin  # type: ignore[import-untyped]
    except ImportError:  # pragma: no cover - ruff is a dependency of the generator
        raise BuildError(
            [
                Problem(
                    "ruff_missing",
                    "ruff is not installed, and the generator formats its output with it",
                    remediation="pip install runner-gen (it depends on ruff), or pip install ruff.",
                )
            ]
        ) from None
    binary: object = find_ruff_bin()
    return str(binary)


@cache
def ruff_version() -> str:
    result = subprocess.run(
        [ruff_binary(), "--version"], capture_output=True, text=True, check=False
    )
    return result.stdout.strip()


def format_module(text: str, path: Path, project_root: Path) -> str:
    """``text`` sorted and formatted as ruff would format the file at ``path``."""
    check = ["check", "--fix", "--select", "I", "--exit-zero", "--quiet"]
    sorted_text = _ruff(check, text, path, project_root)
    return _ruff(["format", "--quiet"], sorted_text, path, project_root)


def _ruff(arguments: list[str], text: str, path: Path, project_root: Path) -> str:
    command = [ruff_binary(), *arguments, "--stdin-filename", str(path), "-"]
    result = subprocess.run(
        command, input=text, capture_output=True, text=True, check=False, cwd=project_root
    )
    if result.returncode != 0:  # pragma: no cover - valid Python always formats
        raise BuildError(
            [
                Problem(
                    "generator_bug",
                    f"ruff {arguments[0]} failed on generated {path.name}: {result.stderr.strip()}",
                    remediation="Please report this with your definitions.",
                )
            ]
        )
    return result.stdout
