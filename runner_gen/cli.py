"""``runner-gen``: build (or check) the generated wiring, and print an app's graph.

Kept thin and quick to import: a no-op ``build --check`` runs on every commit, so the heavy
generator modules are imported only when a build actually has to happen.
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


@click.group()
@click.version_option(__version__, prog_name="runner-gen")
def main() -> None:
    """Compile Runner-style definitions into typed Python wiring."""


@main.command()
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
def build(apps: tuple[str, ...], package: str | None, check: bool, project: Path) -> None:
    """Generate each app's package (APPS as module:attribute, or [tool.runner-gen] apps)."""
    from runner_gen.generator.problems import BuildError

    project = project.resolve()
    try:
        specs = _specs(project, apps, package)
        from runner_gen.generator import build as builder

        if check and builder.up_to_date(project, specs):
            click.echo("runner-gen: generated code is up to date")
            return
        outputs = builder.generate(project, specs)
        for output in outputs:
            for warning in output.warnings:
                click.echo(warning, err=True)
        if check:
            diff = builder.stale_diff(outputs, project)
            if diff:
                click.echo(diff, nl=False)
                click.echo(
                    "runner-gen: generated code is stale; run `runner-gen build` to update it",
                    err=True,
                )
                sys.exit(1)
            click.echo("runner-gen: generated code is up to date")
            return
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


@main.command("doctor")
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


@main.command()
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


@main.command()
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
    from runner_gen.generator.load import load_app
    from runner_gen.generator.openapi import dumps, openapi_document
    from runner_gen.generator.problems import BuildError

    project = project.resolve()
    try:
        spec = _specs(project, (app,) if app else (), None)[0]
        model = analyse(load_app(spec.root, project))
        text = dumps(openapi_document(model, api_version or spec.api_version))
    except BuildError as error:
        click.echo(error.render(), err=True)
        sys.exit(1)
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"wrote {output}")


if __name__ == "__main__":  # pragma: no cover - `python -m runner_gen.cli`
    main()
