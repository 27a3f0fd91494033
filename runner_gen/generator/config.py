"""``[tool.runner-gen]`` in pyproject.toml: which apps to build, and where to put them."""

from __future__ import annotations

import keyword
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Literal, TypeAlias

from runner_gen.generator.problems import BuildError, Problem


@dataclass(frozen=True, slots=True)
class ClientSpec:
    """A standalone client package of an app's HTTP exposures (``client = {...}`` of an app).

    ``path`` (project-relative) is the directory that holds the ``package`` directory and, with
    ``pyproject``, the ``pyproject.toml`` that builds it as the distribution ``name``.
    """

    package: str
    path: str
    pyproject: bool = False
    name: str = ""
    version: str = ""

    def directory(self, project_root: Path) -> Path:
        return project_root.joinpath(*PurePosixPath(self.path).parts)

    def described(self) -> dict[str, object]:
        """What the build manifest records: a change to any of it makes the build stale."""
        return {
            "package": self.package,
            "path": self.path,
            "pyproject": self.pyproject,
            "name": self.name,
            "version": self.version,
        }


@dataclass(frozen=True, slots=True)
class AppSpec:
    root: str  # "package.module:attribute"
    package: str  # "package.generated"
    client: ClientSpec | None = None
    #: Where to write the exposure's OpenAPI document (project-relative), if anywhere.
    openapi: str | None = None
    #: The document's ``info.version``: the project's ``[project] version``.
    api_version: str = "0.0.0"
    #: ``"parallel"``: independent resources start concurrently (Runner's ``initMode``).
    init_mode: InitMode = "sequential"

    def package_dir(self, project_root: Path) -> Path:
        return project_root.joinpath(*self.package.split("."))

    def options(self) -> dict[str, object]:
        """The build options that shape the output beyond the definitions (the manifest keeps
        them: a no-op ``--check`` must notice a changed option); defaults left out."""
        options: dict[str, object] = {}
        if self.openapi is not None:
            options["openapi"] = {"path": self.openapi, "version": self.api_version}
        if self.init_mode != "sequential":
            options["init_mode"] = self.init_mode
        return options


InitMode: TypeAlias = Literal["sequential", "parallel"]
INIT_MODES: tuple[InitMode, ...] = ("sequential", "parallel")


def default_package(root: str) -> str:
    module = root.partition(":")[0]
    parent = module.rpartition(".")[0]
    return f"{parent}.generated" if parent else f"{module}_generated"


def project_version(project_root: Path) -> str:
    """``[project] version`` of the project's pyproject.toml, or ``0.0.0`` when it has none (no
    file, no version, or a dynamic one): the default ``info.version`` of an OpenAPI document."""
    try:
        data = tomllib.loads((project_root / "pyproject.toml").read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return "0.0.0"
    version = data.get("project", {}).get("version")
    return version if isinstance(version, str) else "0.0.0"


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
    project_version = data.get("project", {}).get("version")
    specs = []
    for entry in apps:
        if not isinstance(entry, dict) or not isinstance(entry.get("root"), str):
            raise BuildError(
                [Problem("invalid_config", f"each [tool.runner-gen] app needs a root: {entry!r}")]
            )
        root = entry["root"]
        package = entry.get("package") or default_package(root)
        client = None
        if "client" in entry:
            client = read_client(entry["client"], root, project_version)
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
        api_version = str(project_version or "0.0.0")
        init_mode = _init_mode(entry.get("init_mode", "sequential"), root)
        specs.append(AppSpec(root, str(package), client, openapi, api_version, init_mode))
    return specs


def _init_mode(value: object, root: str) -> InitMode:
    for mode in INIT_MODES:
        if value == mode:
            return mode
    raise BuildError(
        [
            Problem(
                "invalid_config",
                f"[tool.runner-gen] app {root}: init_mode must be one of "
                f"{', '.join(INIT_MODES)}, got {value!r}",
                remediation='Write init_mode = "parallel" to start independent resources '
                "concurrently, or leave it out.",
            )
        ]
    )


_CLIENT_KEYS = ("package", "path", "pyproject", "name", "version")
_CLIENT_EXAMPLE = (
    'client = { package = "billing_client", path = "clients/billing", pyproject = true }'
)


def read_client(entry: object, root: str, project_version: object = None) -> ClientSpec:
    """The ``client`` option of the app ``root``; ``project_version``: ``[project] version``,
    the default version of the client's distribution."""

    def refuse(message: str) -> BuildError:
        return BuildError(
            [
                Problem(
                    "invalid_client_config",
                    f"the client of {root}: {message}",
                    remediation=f"Write it as {_CLIENT_EXAMPLE}.",
                )
            ]
        )

    if not isinstance(entry, dict):
        raise refuse(f"expected a table, got {entry!r}")
    unknown = sorted(set(entry) - set(_CLIENT_KEYS))
    if unknown:
        raise refuse(f"unknown key(s) {', '.join(unknown)}; it takes {', '.join(_CLIENT_KEYS)}")
    package = entry.get("package")
    if not isinstance(package, str) or not package.isidentifier() or keyword.iskeyword(package):
        raise refuse(f"package must be a plain module name such as billing_client, not {package!r}")
    path = _text(entry, "path", f"clients/{package}", refuse)
    relative = PurePosixPath(path)
    if relative.is_absolute() or ".." in relative.parts:
        raise refuse(f"path must be a directory inside the project, not {path!r}")
    pyproject = entry.get("pyproject", False)
    if not isinstance(pyproject, bool):
        raise refuse(f"pyproject must be true or false, not {pyproject!r}")
    if pyproject and relative.parts in ((), (".",)):
        raise refuse("with pyproject = true, path must not be the project root (its own pyproject)")
    name = _text(entry, "name", package.replace("_", "-"), refuse)
    default_version = project_version if isinstance(project_version, str) else ""
    version = _text(entry, "version", default_version, refuse)
    if pyproject and not version:
        raise refuse("give it a version (the project's [project] version is not a plain string)")
    return ClientSpec(package, relative.as_posix(), pyproject, name, version)


def _text(
    entry: dict[str, Any], key: str, default: str, refuse: Callable[[str], BuildError]
) -> str:
    value = entry.get(key, default)
    if not isinstance(value, str) or (key in entry and not value.strip()):
        raise refuse(f"{key} must be a non-empty string, not {value!r}")
    return value
