"""``runner-gen build --typecheck``: mypy over the generated packages, errors at definitions.

The generated files are checked before anything is written: each app's package is staged in a
temporary directory that comes first on mypy's search path (with copies of its parent packages'
``__init__`` files, so the staged package wins over a stale copy in the project), and mypy runs
from the project root with the project's own configuration, so the user's modules, stubs and
plugins resolve as they do in the project's own mypy runs. Generated modules are held to
``--strict`` whatever the configuration says (inline flags on the staged copies); the
definition modules the apps are built from are checked too, under the project's settings.

mypy runs in a subprocess of the same interpreter: the generator never imports it.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from runner_gen.definitions.source import Source
from runner_gen.generator.build import AppOutput
from runner_gen.generator.generated_regions import GeneratedModule
from runner_gen.generator.model import AppModel
from runner_gen.generator.mypy_output import MypyError, parse
from runner_gen.generator.problems import Problem
from runner_gen.generator.typecheck_blame import TYPE_ERROR, blame

#: ``--strict``'s per-module flags, set inline on every staged generated module (``strict``
#: itself is not allowed inline), and the error codes the wiring checks and the probe rely on,
#: whatever the project disables.
STRICT_INLINE = (
    "# mypy: disallow-any-generics, disallow-subclassing-any, disallow-untyped-calls, "
    "disallow-untyped-defs, disallow-incomplete-defs, check-untyped-defs, "
    "disallow-untyped-decorators, warn-unused-ignores, warn-return-any, no-implicit-reexport, "
    'strict-equality, extra-checks, enable-error-code="arg-type,assignment"\n'
)
#: A deliberate error after each staged module: mypy reports it only if it really checked the
#: module (a project's ``ignore_errors`` for its generated package silences everything, and
#: inline flags cannot undo it). Its report is dropped; its absence is an error.
PROBE = '_runner_gen_probe: int = ""  # runner-gen: proves that mypy checked this module\n'

_STAGING_PREFIX = "runner-gen-typecheck-"

#: Output options that make mypy's report parseable whatever the project configures.
_OUTPUT = (
    "--no-pretty",
    "--hide-error-context",
    "--hide-column-numbers",
    "--hide-error-end",
    "--show-error-codes",
    "--hide-error-code-links",
    "--no-color-output",
    "--no-error-summary",
    "--show-absolute-path",
)


@dataclass(frozen=True, slots=True)
class _Staged:
    """A generated module as mypy sees it, and where it will be written."""

    output: AppOutput
    target: Path
    module: GeneratedModule
    probe_line: int


def typecheck(project_root: Path, outputs: Sequence[AppOutput]) -> list[Problem]:
    """mypy's errors about ``outputs`` (generated in memory), each at its definition."""
    if importlib.util.find_spec("mypy") is None:
        return [
            Problem(
                "mypy_missing",
                f"--typecheck runs mypy, which is not installed in this environment "
                f"({sys.executable})",
                remediation="install it where runner-gen runs: `pip install mypy` "
                "(or drop --typecheck)",
            )
        ]
    with tempfile.TemporaryDirectory(prefix=_STAGING_PREFIX) as directory:
        staging = Path(directory).resolve()
        staged = {
            path.relative_to(staging).as_posix(): item
            for output in outputs
            for path, item in _stage(staging, project_root, output)
        }
        generated = {_module_name(path) for path in staged}
        users = {m for output in outputs for m in _user_modules(output, project_root)}
        completed = _run_mypy(project_root, staging, sorted(generated | users))
        errors, other = parse(completed.stdout)
        if completed.returncode not in (0, 1) or (completed.returncode == 1 and not errors):
            detail = "\n".join([*other, *completed.stderr.splitlines()]).strip()
            return [
                Problem(
                    "typecheck_failed",
                    f"mypy could not check the generated code (exit {completed.returncode}):\n"
                    f"{detail}",
                    remediation="fix mypy's configuration or installation, then run again",
                )
            ]
        checked: set[str] = set()
        problems: list[Problem] = []
        for error in errors:
            staged_as = _staged_path(Path(error.file))
            item = staged.get(staged_as) if staged_as is not None else None
            if staged_as is not None and item is not None and error.line == item.probe_line:
                checked.add(staged_as)
            else:
                problems.append(_problem(error, staged, project_root))
        unchecked = [_module_name(path) for path in sorted(set(staged) - checked)]
        if unchecked:
            problems.append(_silenced(unchecked))
        return _dedupe(problems)


def _silenced(modules: list[str]) -> Problem:
    return Problem(
        "typecheck_silenced",
        f"mypy did not check {', '.join(modules)}: the project's mypy configuration silences "
        "the generated code (ignore_errors)",
        remediation="remove that override from the mypy configuration (generated code passes "
        "--strict); to leave it out of the project's own mypy runs, use `exclude` instead",
    )


def _stage(staging: Path, project_root: Path, output: AppOutput) -> list[tuple[Path, _Staged]]:
    package = staging.joinpath(*output.spec.package.split("."))
    package.mkdir(parents=True, exist_ok=True)
    # Parent packages: copies of the project's __init__ files (empty when it has none), so
    # mypy finds the staged package first and everything else in the project.
    parts = output.spec.package.split(".")
    for depth in range(1, len(parts)):
        init = staging.joinpath(*parts[:depth], "__init__.py")
        original = project_root.joinpath(*parts[:depth], "__init__.py")
        if not init.exists():
            if original.is_file():
                shutil.copyfile(original, init)
            else:
                init.touch()
    model = output.model
    assert model is not None  # generate() records it
    ids = frozenset(model.nodes)
    factories = {name: node_id for name, node_id, _ in output.provenance}
    staged: list[tuple[Path, _Staged]] = []
    for name, text in output.files.items():
        path = package / name
        if name.endswith(".py"):
            # Appended, so line numbers stay those of the file that will be written.
            checked_text = f"{text}\n{STRICT_INLINE}"
            path.write_text(checked_text + PROBE, encoding="utf-8")
            module = GeneratedModule(text, ids, factories)
            probe_line = len(checked_text.splitlines()) + 1
            item = _Staged(output, output.package_dir / name, module, probe_line)
            staged.append((path, item))
        else:
            path.write_text(text, encoding="utf-8")
    return staged


def _user_modules(output: AppOutput, project_root: Path) -> set[str]:
    """The project's modules that define the app's definitions and functions (not installed
    packages), checked under the project's own settings."""
    model = output.model
    assert model is not None
    names = {output.spec.root.partition(":")[0]}
    for node in model.nodes.values():
        names.add(node.locator.module)
        names.update(signature.module for signature in node.functions.values())
    return {name for name in names if _in_project(name, project_root)}


def _in_project(module: str, project_root: Path) -> bool:
    loaded = sys.modules.get(module)
    file = getattr(loaded, "__file__", None)
    if not file:
        return False
    path = Path(file).resolve()
    installed = {"site-packages", "dist-packages"} & set(path.parts)
    return path.is_relative_to(project_root) and not installed


def _module_name(staged_path: str) -> str:
    """``pkg.wiring`` for ``pkg/wiring.py``, ``pkg`` for ``pkg/__init__.py``."""
    parts = staged_path.removesuffix(".py").split("/")
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _run_mypy(
    project_root: Path, staging: Path, modules: list[str]
) -> subprocess.CompletedProcess[str]:
    search = os.pathsep.join(filter(None, [str(staging), os.environ.get("MYPYPATH")]))
    targets = [flag for module in modules for flag in ("-m", module)]
    return subprocess.run(
        [sys.executable, "-m", "mypy", *_OUTPUT, *targets],
        cwd=project_root,
        env={**os.environ, "MYPYPATH": search},
        capture_output=True,
        text=True,
        check=False,
    )


def _problem(error: MypyError, staged: dict[str, _Staged], project_root: Path) -> Problem:
    path = Path(error.file)
    staged_as = _staged_path(path)
    if staged_as is not None:
        item = staged.get(staged_as)
        if item is not None:
            model: AppModel | None = item.output.model
            assert model is not None
            where = Source(str(item.target), error.line)
            origin = item.module.origin(error.line)
            return blame(error, origin, model, item.module.factories, where)
        # A copy of one of the project's parent __init__ files: report the original.
        path = project_root / staged_as
    return Problem(TYPE_ERROR, error.verbatim(), Source(str(path), error.line))


def _staged_path(path: Path) -> str | None:
    """``pkg/wiring.py`` for a file in a staging directory, this run's or an earlier one's:
    mypy replays the errors of a module it has cached under the path it had then."""
    for index, part in enumerate(path.parts):
        if part.startswith(_STAGING_PREFIX):
            return "/".join(path.parts[index + 1 :])
    return None


def _dedupe(problems: list[Problem]) -> list[Problem]:
    """A middleware's wrong wire shows up once per definition it wraps: report it once."""
    return list(dict.fromkeys(problems))
