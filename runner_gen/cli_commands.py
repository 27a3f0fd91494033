"""The click commands of ``runner-gen``: build (or check) the generated wiring, doctor, graph.

Reached through :func:`runner_gen.cli.main`, which answers a no-op ``build --check`` without
importing click or this module. The generator modules are imported inside each command, when
they are needed.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from runner_gen._version import __version__

if TYPE_CHECKING:
    from runner_gen.generator.config import AppSpec


def _specs(project: Path, apps: tuple[str, ...], package: str | None) -> list[AppSpec]:
    from runner_gen.generator.config import AppSpec, default_package, read_apps

    if not apps:
        return list(read_apps(project))
    if package is not None and len(apps) > 1:
        raise click.UsageError("--package applies to a single app")
    return [AppSpec(app, package or default_package(app)) for app in apps]


@click.group(name="runner-gen")
@click.version_option(__version__, prog_name="runner-gen")
def commands() -> None:
    """Compile Runner-style definitions into typed Python wiring."""


@commands.command()
@click.argument("apps", nargs=-1)
@click.option("--package", help="Package to generate (with a single APP argument).")
@click.option(
    "--check", is_flag=True, help="Exit 1 with a diff if generated code is stale; write nothing."
)
@click.option(
    "--project",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="Project root (where pyproject.toml and the packages live).",
)
@click.option(
    "--typecheck",
    is_flag=True,
    help="Run mypy on the generated code before writing it; report errors at definitions.",
)
def build(
    apps: tuple[str, ...], package: str | None, check: bool, project: Path, typecheck: bool
) -> None:
    """Generate each app's package (APPS as module:attribute, or [tool.runner-gen] apps)."""
    from runner_gen.generator.problems import BuildError

    project = project.resolve()
    try:
        specs = _specs(project, apps, package)
        from runner_gen.generator import build as builder

        if check and not typecheck and builder.up_to_date(project, specs):
            click.echo("runner-gen: generated code is up to date")
            return
        outputs = builder.generate(project, specs)
        for output in outputs:
            for warning in output.warnings:
                click.echo(warning, err=True)
        problems = []
        if typecheck:
            from runner_gen.generator.typecheck import typecheck as run_mypy

            problems = run_mypy(project, outputs)
        if check:
            diff = builder.stale_diff(outputs, project)
            if diff:
                click.echo(diff, nl=False)
                click.echo(
                    "runner-gen: generated code is stale; run `runner-gen build` to update it",
                    err=True,
                )
            if problems:
                raise BuildError(problems)
            if diff:
                sys.exit(1)
            click.echo("runner-gen: generated code is up to date" + _checked(typecheck))
            return
        if problems:
            raise BuildError(problems)
        result = builder.write(outputs)
    except BuildError as error:
        click.echo(error.render(), err=True)
        sys.exit(1)
    for path in result.written:
        click.echo(f"wrote {path.relative_to(project) if path.is_relative_to(project) else path}")
    for path in result.removed:
        click.echo(f"removed {path}")
    if not result.written and not result.removed:
        click.echo("runner-gen: nothing to do, generated code is up to date")
    if typecheck:
        click.echo("runner-gen: mypy found no errors in the generated code")


def _checked(typecheck: bool) -> str:
    return " and mypy found no errors in it" if typecheck else ""


@commands.command()
@click.argument("app", required=False)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the document to this file instead of printing it.",
)
@click.option("--api-version", help="info.version (default: the project's version).")
@click.option(
    "--project",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
)
def openapi(app: str | None, output: Path | None, api_version: str | None, project: Path) -> None:
    """Print the OpenAPI 3.1 document of APP's exposure (or the first configured app's)."""
    from runner_gen.generator.analysis import analyse
    from runner_gen.generator.config import project_version
    from runner_gen.generator.load import load_app
    from runner_gen.generator.openapi import dumps, openapi_document
    from runner_gen.generator.problems import BuildError

    project = project.resolve()
    try:
        spec = _specs(project, (app,) if app else (), None)[0]
        model = analyse(load_app(spec.root, project))
        # An APP named on the command line has no configured entry: its version is the project's.
        version = api_version or (project_version(project) if app else spec.api_version)
        text = dumps(openapi_document(model, version))
    except BuildError as error:
        click.echo(error.render(), err=True)
        sys.exit(1)
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"wrote {output}")


@commands.command("client")
@click.argument("app")
@click.option("--package", required=True, help="The client package's module name.")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Directory to write: it gets the package and, with --pyproject, its pyproject.toml.",
)
@click.option("--pyproject", is_flag=True, help="Also write a pyproject.toml to build a wheel.")
@click.option("--name", help="Distribution name (default: the package, with dashes).")
@click.option("--version", "version", help="Distribution version (default: [project] version).")
@click.option(
    "--project",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
)
def client_command(
    app: str,
    package: str,
    out: Path,
    pyproject: bool,
    name: str | None,
    version: str | None,
    project: Path,
) -> None:
    """Write a standalone client package of APP (module:attribute) to --out: typed clients
    and copies of the value types, importable without the server's code."""
    import tomllib

    from runner_gen.generator.build import write_files
    from runner_gen.generator.client_package import standalone_client
    from runner_gen.generator.config import read_client
    from runner_gen.generator.problems import BuildError

    project = project.resolve()
    entry: dict[str, object] = {"package": package, "pyproject": pyproject}
    entry |= {key: value for key, value in (("name", name), ("version", version)) if value}
    try:
        config = project / "pyproject.toml"
        data = tomllib.loads(config.read_text(encoding="utf-8")) if config.is_file() else {}
        client = read_client(entry, app, data.get("project", {}).get("version"))
        written = write_files(standalone_client(project, app, client, out.resolve()))
    except BuildError as error:
        click.echo(error.render(), err=True)
        sys.exit(1)
    for path in written:
        click.echo(f"wrote {path}")
    if not written:
        click.echo(f"runner-gen: {out} is up to date")


@commands.command("doctor")
@click.argument("app", required=False)
@click.option("--strict", is_flag=True, help="Exit 1 when any check fails (for CI).")
@click.option(
    "--project",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
)
def doctor_command(app: str | None, strict: bool, project: Path) -> None:
    """Check APP (or every configured app) against the production checklist."""
    from runner_gen.generator.doctor import doctor, render
    from runner_gen.generator.load import load_app
    from runner_gen.generator.problems import BuildError

    project = project.resolve()
    failed = False
    try:
        for spec in _specs(project, (app,) if app else (), None):
            checks = doctor(load_app(spec.root, project))
            click.echo(f"{spec.root}\n{render(checks)}")
            failed = failed or any(not check.passed for check in checks)
    except BuildError as error:
        click.echo(error.render(), err=True)
        sys.exit(1)
    if strict and failed:
        sys.exit(1)


@commands.command()
@click.argument("app", required=False)
@click.option(
    "--project",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
)
def graph(app: str | None, project: Path) -> None:
    """Print the dependency graph of APP (or the first configured app) as Mermaid."""
    from runner_gen.generator.mermaid import mermaid
    from runner_gen.generator.problems import BuildError

    project = project.resolve()
    try:
        specs = _specs(project, (app,) if app else (), None)
        click.echo(mermaid(project, specs[0]), nl=False)
    except BuildError as error:
        click.echo(error.render(), err=True)
        sys.exit(1)
