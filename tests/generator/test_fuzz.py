"""Generator fuzzing: random valid apps, named with the generated code's own names, must build
(never ``generator_bug``), build identically twice and under other hash seeds, pass
``mypy --strict``, and start and dispose in dependency order."""

from __future__ import annotations

import asyncio
import importlib
import itertools
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings

from runner_gen.generator.build import generate, write
from runner_gen.generator.config import AppSpec
from runner_gen.generator.naming import attribute_names
from tests.generator.fuzz_apps import App, apps, render

EXAMPLES = int(os.environ.get("RUNNER_GEN_FUZZ_EXAMPLES", "25"))
# Each example builds, formats and runs an app: shrinking a failure takes minutes, so it is
# opt-in (RUNNER_GEN_FUZZ_SHRINK=1) when debugging one.
PHASES = [Phase.explicit, Phase.reuse, Phase.generate]
if os.environ.get("RUNNER_GEN_FUZZ_SHRINK"):
    PHASES.append(Phase.shrink)


def _write_project(root: Path, package: str, app: App) -> AppSpec:
    directory = root / package
    directory.mkdir(parents=True)
    (directory / "__init__.py").write_text("")
    (directory / "defs.py").write_text(render(app))
    importlib.invalidate_caches()
    return AppSpec(f"{package}.defs:_fz_app", f"{package}.generated")


async def _exercise(wiring: ModuleType, defs: ModuleType, app: App) -> None:
    log: list[str] = defs._FZ_LOG
    log.clear()
    task_attrs = attribute_names([task.id for task in app.tasks])
    event_attrs = attribute_names(app.events)
    started = await wiring.start()
    try:
        for task in app.tasks:
            run: Any = getattr(started.tasks, task_attrs[task.id])
            result = await (run(1) if task.takes_input else run())
            assert result == (2 if task.takes_input else 7), task.id
        for event_id in app.events:
            emit: Any = getattr(started.events, event_attrs[event_id])
            await emit(0)
    finally:
        await started.dispose()
    inits = [line.removeprefix("init ") for line in log if line.startswith("init ")]
    disposes = [line.removeprefix("dispose ") for line in log if line.startswith("dispose ")]
    position = {resource_id: index for index, resource_id in enumerate(inits)}
    assert sorted(inits) == sorted(r.id for r in app.resources)  # each exactly once
    for resource in app.resources:  # dependencies first
        for _, target in resource.deps:
            assert position[app.resources[target].id] < position[resource.id]
    with_dispose = [
        r_id for r_id in inits if any(r.id == r_id and r.dispose for r in app.resources)
    ]
    assert disposes == list(reversed(with_dispose))  # exactly the reverse of init


@pytest.mark.timeout(900)
def test_random_valid_apps_build_type_check_and_run(tmp_path: Path) -> None:
    counter = itertools.count()
    built: list[tuple[str, AppSpec]] = []

    @settings(
        max_examples=EXAMPLES,
        phases=PHASES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(app=apps())
    def build_and_run(app: App) -> None:
        package = f"fz_{next(counter)}"
        spec = _write_project(tmp_path, package, app)
        [first] = generate(tmp_path, [spec])
        [again] = generate(tmp_path, [spec])
        assert first.files == again.files
        write([first])
        wiring = importlib.import_module(f"{package}.generated.wiring")
        defs = importlib.import_module(f"{package}.defs")
        asyncio.run(_exercise(wiring, defs, app))
        built.append((package, spec))

    if str(tmp_path) not in sys.path:
        sys.path.insert(0, str(tmp_path))
    build_and_run()
    assert built

    # One mypy run over every app: the generated packages and their definitions.
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-error-summary",
         *(str(tmp_path / package) for package, _ in built)],
        cwd=tmp_path,
        env={**os.environ, "MYPYPATH": str(tmp_path)},
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]

    # The last app, built in fresh processes under two other hash seeds: byte-identical.
    _, spec = built[-1]
    for seed in ("0", "4242"):
        check = subprocess.run(
            [sys.executable, "-m", "runner_gen.cli", "build", "--check", spec.root,
             "--package", spec.package, "--project", str(tmp_path)],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=False,
        )  # fmt: skip
        assert check.returncode == 0, check.stdout + check.stderr
