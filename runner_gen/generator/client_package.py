"""The standalone client package of an app, as files in memory: lowered (``lower_client``),
rendered from ``templates/client_package/`` (one template per file) and formatted.

``build.py`` writes and checks these files with the app's package (one manifest covers both);
``runner-gen client`` writes them to a directory of the user's choice.
"""

from __future__ import annotations

from pathlib import Path

from runner_gen._version import __version__
from runner_gen.generator.config import ClientSpec
from runner_gen.generator.format import format_module
from runner_gen.generator.lower_client import lower_client_package
from runner_gen.generator.model import AppModel
from runner_gen.generator.problems import BuildError, Problem
from runner_gen.generator.render import ensure_valid, render_template

#: The package's modules, each rendered from ``client_package/<name>.jinja``.
MODULES = ("__init__.py", "client.py", "types.py")
GENERATED_MARK = "@generated"


def client_package_files(
    model: AppModel, client: ClientSpec, directory: Path, project_root: Path
) -> dict[Path, str]:
    """Path -> content of every file of ``client``'s package, rooted at ``directory`` (which
    holds the package directory and, with ``client.pyproject``, its pyproject.toml)."""
    package = lower_client_package(model, client.package)
    context = {
        "version": __version__,
        "spec": model.spec,
        "package": package,
        "module": package.client,
        "client": client,
    }
    package_dir = directory / client.package
    files: dict[Path, str] = {}
    for name in MODULES:
        text = render_template(f"client_package/{name}.jinja", **context)
        ensure_valid(f"{client.package}.{name[:-3]}", text)
        files[package_dir / name] = format_module(text, package_dir / name, project_root)
    files[package_dir / "py.typed"] = ""
    if client.pyproject:
        files[directory / "pyproject.toml"] = render_template(
            "client_package/pyproject.toml.jinja", **context
        )
    _refuse_to_overwrite_hand_written(files, model)
    return files


def standalone_client(
    project_root: Path, root: str, client: ClientSpec, directory: Path
) -> dict[Path, str]:
    """``runner-gen client``: the client package of the app ``root``, rooted at ``directory``,
    outside any build manifest (for a one-off or a publishing pipeline)."""
    from runner_gen.generator.analysis import analyse
    from runner_gen.generator.load import load_app

    model = analyse(load_app(root, project_root))
    return client_package_files(model, client, directory, project_root)


def _refuse_to_overwrite_hand_written(files: dict[Path, str], model: AppModel) -> None:
    """A file the generator would replace must be one it wrote: a client path pointing at a
    hand-written project (its own pyproject.toml, a package of the same name) fails the build."""
    problems = []
    for path, text in files.items():
        if not text or not path.is_file():
            continue
        head = path.read_text(encoding="utf-8", errors="replace")[:1000]
        if GENERATED_MARK not in head:
            problems.append(
                Problem(
                    "client_overwrites_file",
                    f"the client package of {model.spec} would overwrite {path}, which runner-gen "
                    "did not generate",
                    None,
                    "Point the client's path at a directory of its own (the default is "
                    "clients/<package>), or move that file away.",
                )
            )
    if problems:
        raise BuildError(problems)
