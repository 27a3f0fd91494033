"""Orchestrates a build: every app is planned and rendered in memory before anything is
written, so a bad definition writes no file at all.

Only what the no-op ``--check`` needs is imported at the top (it runs on every commit): the
loader, analysis, lowering and renderer pull in libcst, jinja2 and the definitions, and are
imported by :func:`generate`, when a build has to happen.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from runner_gen._version import __version__
from runner_gen.generator.config import AppSpec
from runner_gen.generator.manifest import (
    MANIFEST_NAME,
    Manifest,
    generator_fingerprint,
    sha256_file,
    sha256_text,
)

if TYPE_CHECKING:
    from runner_gen.generator.model import AppModel


@dataclass
class AppOutput:
    spec: AppSpec
    package_dir: Path
    files: dict[str, str]
    manifest: Manifest
    warnings: tuple[str, ...] = ()
    client_files: dict[Path, str] = field(default_factory=dict)  # the standalone client package
    retired_files: tuple[Path, ...] = ()  # client files of the previous build, no longer made
    # What `build --typecheck` needs to trace a mypy error back to its definition.
    model: AppModel | None = field(default=None, repr=False)
    provenance: tuple[tuple[str, str, str], ...] = ()  # (generated name, definition id, source)


@dataclass
class BuildResult:
    outputs: list[AppOutput] = field(default_factory=list)
    written: list[Path] = field(default_factory=list)
    removed: list[Path] = field(default_factory=list)


def up_to_date(project_root: Path, specs: list[AppSpec]) -> bool:
    """The fast path: every app's manifest matches its inputs and outputs byte for byte."""
    fingerprint = generator_fingerprint()
    for spec in specs:
        package_dir = spec.package_dir(project_root)
        manifest = Manifest.load(package_dir / MANIFEST_NAME)
        if manifest is None or manifest.root != spec.root:
            return False
        if manifest.client != (spec.client.described() if spec.client else None):
            return False
        if manifest.options != spec.options():
            return False
        if not manifest.is_current(project_root, package_dir, __version__, fingerprint):
            return False
    return True


def generate(project_root: Path, specs: list[AppSpec]) -> list[AppOutput]:
    from runner_gen.generator.analysis import analyse
    from runner_gen.generator.client_package import client_package_files
    from runner_gen.generator.format import format_module
    from runner_gen.generator.load import load_app
    from runner_gen.generator.lower_app import lower_app
    from runner_gen.generator.render import render_app

    fingerprint = generator_fingerprint()
    outputs = []
    for spec in specs:
        loaded = load_app(spec.root, project_root)
        model = analyse(loaded)
        app = lower_app(model, spec.package, init_mode=spec.init_mode)
        package_dir = spec.package_dir(project_root)
        client_files: dict[Path, str] = {}
        if spec.client is not None:
            directory = spec.client.directory(project_root)
            client_files = client_package_files(model, spec.client, directory, project_root)
        files = {
            name: format_module(text, package_dir / name, project_root)
            if name.endswith(".py")
            else text
            for name, text in render_app(app).items()
        }
        if spec.openapi is not None:
            from runner_gen.generator.openapi import dumps, openapi_document

            # An output like the package's files (manifest, --check, stale removal), named
            # relative to the package directory.
            document = openapi_document(model, spec.api_version)
            name = Path(os.path.relpath(project_root / spec.openapi, package_dir)).as_posix()
            files[name] = dumps(document)
        inputs = {}
        # pyproject.toml is not an input: only the app's root and package matter, and those
        # are checked against the configuration directly.
        for path in loaded.source_files:
            digest = sha256_file(path)
            if digest is not None:
                inputs[_relative(path, project_root)] = digest
        manifest = Manifest(
            __version__,
            fingerprint,
            spec.root,
            inputs,
            {name: sha256_text(text) for name, text in files.items()},
            spec.client.described() if spec.client else None,
            {
                _relative(path, project_root): sha256_text(text)
                for path, text in client_files.items()
            },
            spec.options(),
        )
        retired = _retired(Manifest.load(package_dir / MANIFEST_NAME), manifest, project_root)
        outputs.append(
            AppOutput(
                spec,
                package_dir,
                files,
                manifest,
                app.warnings,
                client_files,
                retired,
                model,
                app.provenance,
            )
        )
    return outputs


def stale_diff(outputs: list[AppOutput], project_root: Path) -> str:
    """A unified diff of what a build would change; empty when everything is current."""
    import difflib

    chunks: list[str] = []
    for output in outputs:
        files = {output.package_dir / name: text for name, text in output.files.items()}
        for path, text in sorted((files | output.client_files).items()):
            current = path.read_text(encoding="utf-8") if path.is_file() else ""
            if current != text:
                label = _relative(path, project_root)
                chunks.extend(
                    difflib.unified_diff(
                        current.splitlines(keepends=True),
                        text.splitlines(keepends=True),
                        fromfile=f"{label} (on disk)",
                        tofile=f"{label} (would be generated)",
                    )
                )
                if not current:
                    chunks.append(f"+++ {label} is missing\n")
        for path in output.retired_files:
            chunks.append(f"--- {_relative(path, project_root)} would be removed\n")
    return "".join(chunks)


def write(outputs: list[AppOutput]) -> BuildResult:
    result = BuildResult(outputs)
    for output in outputs:
        output.package_dir.mkdir(parents=True, exist_ok=True)
        previous = Manifest.load(output.package_dir / MANIFEST_NAME)
        for name, text in sorted(output.files.items()):
            path = Path(os.path.normpath(output.package_dir / name))  # "../openapi.json" too
            path.parent.mkdir(parents=True, exist_ok=True)
            if _write_if_changed(path, text):
                result.written.append(path)
        if previous is not None:
            for name in sorted(set(previous.outputs) - set(output.files)):
                path = output.package_dir / name
                if path.is_file():
                    path.unlink()
                    result.removed.append(path)
        result.written.extend(write_files(output.client_files))
        for path in output.retired_files:
            path.unlink(missing_ok=True)
            result.removed.append(path)
        _write_if_changed(output.package_dir / MANIFEST_NAME, output.manifest.dumps())
    return result


def write_files(files: dict[Path, str]) -> list[Path]:
    """Write each file whose content changed (creating directories); the paths written."""
    written = []
    for path, text in sorted(files.items()):
        path.parent.mkdir(parents=True, exist_ok=True)
        if _write_if_changed(path, text):
            written.append(path)
    return written


def _retired(previous: Manifest | None, current: Manifest, project_root: Path) -> tuple[Path, ...]:
    """Client files the previous build wrote and this one does not (the option was removed or
    moved), still as written: a file edited since then is left alone."""
    if previous is None:
        return ()
    return tuple(
        project_root / relative
        for relative, digest in sorted(previous.client_outputs.items())
        if relative not in current.client_outputs and sha256_file(project_root / relative) == digest
    )


def _write_if_changed(path: Path, text: str) -> bool:
    if path.is_file() and path.read_text(encoding="utf-8") == text:
        return False
    import tempfile

    # Atomic: a crash mid-write never leaves a half-written module behind.
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        # mkstemp creates 0600 files; generated code gets the mode any new file gets (the
        # umask's), so a container building as root can run it as another user.
        os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return True


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.resolve().as_posix()
