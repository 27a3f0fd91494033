"""``[tool.runner-gen]`` in pyproject.toml: which apps to build, and where to put them."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from runner_gen.generator.problems import BuildError, Problem


@dataclass(frozen=True, slots=True)
class AppSpec:
    root: str  # "package.module:attribute"
    package: str  # "package.generated"
    #: Where to write the exposure's OpenAPI document (project-relative), if anywhere.
    openapi: str | None = None
    #: The document's ``info.version``: the project's ``[project] version``.
    api_version: str = "0.0.0"

    def package_dir(self, project_root: Path) -> Path:
        return project_root.joinpath(*self.package.split("."))


def default_package(root: str) -> str:
    module = root.partition(":")[0]
    parent = module.rpartition(".")[0]
    return f"{parent}.generated" if parent else f"{module}_generated"


def read_apps(project_root: Path) -> list[AppSpec]:
    pyproject = project_root / "pyproject.toml"
    if not pyproject.is_file():
        raise BuildError(
            [
                Problem(
                    "no_config",
                    f"no pyproject.toml in {project_root}",
                    remediation="Pass an app as module:attribute, or add [tool.runner-gen] apps.",
                )
            ]
        )
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise BuildError([Problem("invalid_config", f"{pyproject}: {error}")]) from None
    section = data.get("tool", {}).get("runner-gen", {})
    apps = section.get("apps", [])
    if not isinstance(apps, list) or not apps:
        raise BuildError(
            [
                Problem(
                    "no_config",
                    f"{pyproject} has no [tool.runner-gen] apps",
                    remediation='Add: [tool.runner-gen] apps = [{ root = "pkg.defs:app", '
                    'package = "pkg.generated" }]',
                )
            ]
        )
    version = data.get("project", {}).get("version")
    specs = []
    for entry in apps:
        if not isinstance(entry, dict) or not isinstance(entry.get("root"), str):
            raise BuildError(
                [Problem("invalid_config", f"each [tool.runner-gen] app needs a root: {entry!r}")]
            )
        root = entry["root"]
        package = entry.get("package") or default_package(root)
        openapi = entry.get("openapi")
        if openapi is not None and (not isinstance(openapi, str) or not openapi.endswith(".json")):
            raise BuildError(
                [
                    Problem(
                        "invalid_config",
                        f"[tool.runner-gen] app {root}: openapi must be a path ending in .json,"
                        f" got {openapi!r}",
                        remediation='Write openapi = "docs/openapi.json" (relative to the'
                        " project root).",
                    )
                ]
            )
        specs.append(AppSpec(root, str(package), openapi, str(version or "0.0.0")))
    return specs
