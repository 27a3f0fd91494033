"""The build manifest: content hashes that let a no-op ``--check`` skip importing anything.

Stored beside the generated files; it lists every input (the project modules imported while
loading the app, and the generator itself) and every output with its sha256. If all inputs hash
the same and every output is untouched, the generated code is current.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

MANIFEST_NAME = ".runner-gen.json"
_GENERATOR_PARTS = ("generator", "templates", "definitions")


def sha256_file(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def generator_fingerprint() -> str:
    """Hash of runner-gen's own generator, templates and definitions: output depends on them."""
    package = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    # The formatter shapes the output too: another ruff may format differently.
    digest.update(f"ruff {_installed_version('ruff')}".encode())
    for part in _GENERATOR_PARTS:
        for path in sorted((package / part).rglob("*")):
            if path.is_file() and path.suffix in {".py", ".jinja"}:
                digest.update(path.relative_to(package).as_posix().encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


@dataclass(frozen=True)
class Manifest:
    version: str
    fingerprint: str
    root: str
    inputs: dict[str, str]  # project-relative path -> sha256
    outputs: dict[str, str]  # file name in the package -> sha256
    # The standalone client package: the option it was built with, and its files by
    # project-relative path -> sha256.
    client: dict[str, object] | None = None
    client_outputs: dict[str, str] = field(default_factory=dict)
    options: dict[str, object] = field(default_factory=dict)  # AppSpec.options()

    def dumps(self) -> str:
        data: dict[str, object] = {
            "generator": {"version": self.version, "fingerprint": self.fingerprint},
            "root": self.root,
            "inputs": dict(sorted(self.inputs.items())),
            "outputs": dict(sorted(self.outputs.items())),
        }
        if self.client is not None:
            data["client"] = self.client
            data["client_outputs"] = dict(sorted(self.client_outputs.items()))
        if self.options:
            data["options"] = self.options
        return json.dumps(data, indent=2, sort_keys=False) + "\n"

    @classmethod
    def load(cls, path: Path) -> Manifest | None:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return cls(
                version=data["generator"]["version"],
                fingerprint=data["generator"]["fingerprint"],
                root=data["root"],
                inputs=dict(data["inputs"]),
                outputs=dict(data["outputs"]),
                client=dict(data["client"]) if data.get("client") is not None else None,
                client_outputs=dict(data.get("client_outputs", {})),
                options=dict(data.get("options", {})),
            )
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def is_current(
        self, project_root: Path, package_dir: Path, version: str, fingerprint: str
    ) -> bool:
        if (self.version, self.fingerprint) != (version, fingerprint):
            return False
        for relative, digest in self.inputs.items():
            if sha256_file(project_root / relative) != digest:
                return False
        for name, digest in self.outputs.items():
            if sha256_file(package_dir / name) != digest:
                return False
        for relative, digest in self.client_outputs.items():
            if sha256_file(project_root / relative) != digest:
                return False
        return True


def _installed_version(distribution: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(distribution)
    except PackageNotFoundError:  # pragma: no cover - ruff is a dependency of the generator
        return "absent"
