"""Load: import the definition module, find the root resource, walk its ``register`` tree."""

from __future__ import annotations

import contextlib
import importlib
import sys
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from runner_gen.definitions.kinds import (
    MiddlewareAttachment,
    Override,
    Resource,
    ResourceWithConfig,
)
from runner_gen.definitions.source import Source
from runner_gen.generator.locate import Locator, LocatorIndex, project_modules
from runner_gen.generator.problems import BuildError, Problem

BUILTINS_MODULE = "runner_gen.definitions.builtins"
BUILTIN_MODULES = (
    BUILTINS_MODULE,
    "runner_gen.definitions.remote",
    "runner_gen.definitions.redis",
    "runner_gen.definitions.observability",
)


@dataclass(frozen=True, slots=True)
class Registration:
    """One registered item, in registration order (depth-first, as Runner walks it)."""

    definition: Any
    # Registered with a config: ``resource.with_(...)``, or ``middleware.with_(...)`` (the config
    # an ``everywhere`` middleware applies with).
    attachment: ResourceWithConfig[Any, Any] | MiddlewareAttachment[Any] | None
    owner: str | None
    locator: Locator


@dataclass
class LoadedApp:
    spec: str
    root: Resource[Any, Any]
    root_attachment: ResourceWithConfig[Any, Any] | None
    registrations: list[Registration]
    overrides: list[Override]
    index: LocatorIndex
    source_files: list[Path] = field(default_factory=list)
    project_root: Path = field(default_factory=Path.cwd)


def load_app(spec: str, project_root: Path) -> LoadedApp:
    module_name, _, attr = spec.partition(":")
    if not module_name or not attr:
        raise BuildError(
            [
                Problem(
                    "invalid_app_spec",
                    f"app {spec!r} is not of the form 'package.module:attribute'",
                    remediation="Name the root resource, e.g. 'myapp.definitions:app'.",
                )
            ]
        )
    root_text = str(project_root.resolve())
    if root_text not in sys.path:
        sys.path.insert(0, root_text)
    module = _import(module_name, project_root)
    try:
        root_item = getattr(module, attr)
    except AttributeError:
        raise BuildError(
            [Problem("root_not_found", f"module {module_name!r} has no attribute {attr!r}")]
        ) from None
    if isinstance(root_item, ResourceWithConfig):
        root, root_attachment = root_item.resource, root_item
    elif isinstance(root_item, Resource):
        root, root_attachment = root_item, None
    else:
        raise BuildError(
            [
                Problem(
                    "root_not_resource",
                    f"{spec} is a {type(root_item).__name__}, not a resource",
                    remediation="Point at the app's root resource (r.resource(...).build()).",
                )
            ]
        )
    for builtin in BUILTIN_MODULES:
        # remote needs the [serve] extra; an app that uses it has imported it already.
        with contextlib.suppress(ImportError):
            importlib.import_module(builtin)
    modules = project_modules(project_root, extra=BUILTIN_MODULES)
    index = LocatorIndex(modules)
    walker = _Walker(index)
    walker.walk(root_item, None, Locator(module_name, attr))
    sources = sorted(
        {
            Path(m.__file__).resolve()
            for m in modules
            if m.__file__ and m.__name__ not in BUILTIN_MODULES
        }
    )
    return LoadedApp(
        spec=spec,
        root=root,
        root_attachment=root_attachment,
        registrations=walker.registrations,
        overrides=walker.overrides,
        index=index,
        source_files=sources,
        project_root=project_root.resolve(),
    )


def _import(module_name: str, project_root: Path) -> Any:
    try:
        return importlib.import_module(module_name)
    except BaseException as error:
        if isinstance(error, KeyboardInterrupt):
            raise
        text, where = _user_traceback(error)
        raise BuildError(
            [
                Problem(
                    "import_failed",
                    f"importing {module_name!r} failed:\n{text}",
                    where,
                    remediation=_import_advice(error, module_name, project_root),
                )
            ]
        ) from None


def _import_advice(error: BaseException, module_name: str, project_root: Path) -> str:
    """What to do about an import that failed: a package missing from the environment is not
    a mistake in the definitions (typically: runner-gen runs in an environment other than the
    project's, such as pre-commit's isolated one)."""
    missing = error.name if isinstance(error, ModuleNotFoundError) else None
    if missing is None:
        return "Fix the error above in your definition module."
    top = missing.partition(".")[0]
    if module_name == missing or module_name.startswith(f"{missing}."):
        return (
            f"Check the app's root (module:attribute) and that {module_name!r} can be imported "
            f"from the project root ({project_root})."
        )
    if (
        missing == top
        and not _in_project(top, project_root, "")
        and _in_project(top, project_root, "src")
    ):
        return (
            f"The project's own package {top!r} (src/{top}) is not importable from the "
            f"environment running runner-gen ({sys.executable}): install the project there "
            "(`pip install -e .`)."
        )
    if _in_project(top, project_root, "") or _in_project(top, project_root, "src"):
        return "Fix the import above in your definition module."
    return (
        f"{top!r} is not installed in the environment running runner-gen ({sys.executable}): "
        "run runner-gen in the project's environment (where its dependencies are installed), "
        "or install them in this one; for pre-commit, use the `language: system` hooks "
        "(see runner-gen's README)."
    )


def _in_project(top: str, project_root: Path, under: str) -> bool:
    """``top`` is one of the project's own packages or modules, in ``project_root/under``."""
    base = project_root / under
    return (base / top).is_dir() or (base / f"{top}.py").is_file()


def _user_traceback(error: BaseException) -> tuple[str, Source | None]:
    """The traceback without importlib's and runner-gen's own frames, with paths relative to
    the working directory; and the innermost user frame."""
    summary = traceback.TracebackException.from_exception(error)
    cwd = Path.cwd().resolve()
    frames = []
    for frame in summary.stack:
        if "importlib" in frame.filename or "/runner_gen/" in frame.filename:
            continue
        path = Path(frame.filename)
        if path.is_absolute() and path.resolve().is_relative_to(cwd):
            frame.filename = path.resolve().relative_to(cwd).as_posix()
        frames.append(frame)
    summary.stack = traceback.StackSummary.from_list(frames)
    where = Source(frames[-1].filename, frames[-1].lineno or 0) if frames else None
    return "".join(summary.format()).rstrip(), where


class _Walker:
    def __init__(self, index: LocatorIndex) -> None:
        self.index = index
        self.registrations: list[Registration] = []
        self.overrides: list[Override] = []

    def walk(self, item: Any, owner: str | None, fallback: Locator) -> None:
        locator = self.index.find(item) or fallback
        if isinstance(item, Override):
            self.overrides.append(item)
            return
        attachment = item if isinstance(item, ResourceWithConfig | MiddlewareAttachment) else None
        if isinstance(item, MiddlewareAttachment):
            definition: Any = item.middleware
        else:
            definition = item.resource if attachment is not None else item
        self.registrations.append(Registration(definition, attachment, owner, locator))
        if isinstance(definition, Resource):
            # Children are reached through the definition, not the attachment.
            base = self.index.find(definition) or (
                locator.child("resource") if attachment is not None else locator
            )
            for position, child in enumerate(definition.register):
                self.walk(child, definition.id, base.child("register", position))
            self.overrides.extend(definition.overrides)
