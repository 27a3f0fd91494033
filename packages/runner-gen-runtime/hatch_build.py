"""Selects runner-gen-runtime's files: the repository's ``runner_gen`` package without the parts
only the build tool needs (they ship in the ``runner-gen`` distribution, built from the root).

Built from the repository, the package is two directories up; built from this distribution's
sdist, the sdist already holds the selected files under ``runner_gen/``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

#: Entries of runner_gen/ that belong to the full distribution (root pyproject.toml's wheel).
BUILD_TOOL_ONLY = frozenset({"generator", "templates", "cli.py", "cli_commands.py"})


class RuntimeFiles(BuildHookInterface):  # type: ignore[type-arg]
    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name == "wheel" and version == "editable":
            return  # dev-mode-dirs points at the source tree instead
        package = package_directory(Path(self.root))
        for entry in sorted(package.iterdir()):
            if entry.name in BUILD_TOOL_ONLY or entry.name == "__pycache__":
                continue
            build_data["force_include"][str(entry)] = f"runner_gen/{entry.name}"


def package_directory(root: Path) -> Path:
    for candidate in (root / "runner_gen", root.parent.parent / "runner_gen"):
        if (candidate / "__init__.py").is_file():
            return candidate
    raise FileNotFoundError(f"no runner_gen package in {root} or two directories up")
