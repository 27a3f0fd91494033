"""``runner-gen``, the console script.

A no-op ``runner-gen build --check`` runs on every commit (pre-commit, CI), so it is answered
here from the build manifests alone: no click, no generator, no definitions, no libcst or jinja2
are imported. Any other command line, or a check that finds something stale, goes to the click
commands in :mod:`runner_gen.cli_commands`, which print the same message when current.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

UP_TO_DATE = "runner-gen: generated code is up to date"


def main(argv: Sequence[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    if _current_without_building(args):
        print(UP_TO_DATE, flush=True)
        return
    from runner_gen.cli_commands import commands

    commands.main(args, prog_name="runner-gen")


def _current_without_building(args: list[str]) -> bool:
    project = _checked_project(args)
    if project is None:
        return False
    from runner_gen.generator.build import up_to_date
    from runner_gen.generator.config import read_apps
    from runner_gen.generator.problems import BuildError

    project = project.resolve()
    try:
        return up_to_date(project, read_apps(project))
    except BuildError:
        return False  # the click command reports it, in the usual format


def _checked_project(args: list[str]) -> Path | None:
    """The project of exactly ``build --check [--project DIR]``; None for anything else."""
    if args[:1] != ["build"]:
        return None
    project, check = Path("."), False
    rest = iter(args[1:])
    for arg in rest:
        if arg == "--check":
            check = True
        elif arg == "--project":
            value = next(rest, "")
            if not value:
                return None
            project = Path(value)
        elif arg.startswith("--project=") and len(arg) > len("--project="):
            project = Path(arg.partition("=")[2])
        else:
            return None
    return project if check else None


if __name__ == "__main__":  # pragma: no cover - `python -m runner_gen.cli`
    main()
