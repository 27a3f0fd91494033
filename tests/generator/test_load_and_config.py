"""Loading apps and reading [tool.runner-gen]: every mistake is a clear build error."""

from __future__ import annotations

from pathlib import Path

import pytest

from runner_gen.generator.config import AppSpec, default_package, read_apps
from runner_gen.generator.load import load_app
from runner_gen.generator.problems import BuildError
from tests.support.build import REPO, generate_files


def _codes(error: BuildError) -> list[str]:
    return [problem.code for problem in error.problems]


@pytest.mark.parametrize(
    ("spec", "code"),
    [
        ("no_colon_here", "invalid_app_spec"),
        ("examples.quickstart.definitions:nope", "root_not_found"),
        ("examples.quickstart.definitions:register", "root_not_resource"),
        ("tests.fixtures.no_such_module:app", "import_failed"),
    ],
)
def test_bad_app_specs_are_build_errors(spec: str, code: str) -> None:
    with pytest.raises(BuildError) as caught:
        load_app(spec, REPO)
    assert _codes(caught.value) == [code]


def test_a_root_registered_with_a_config_becomes_starts_default() -> None:
    output = generate_files("tests.fixtures.apps.configured_root:app")
    wiring = output.files["wiring.py"]
    signature = wiring.split("async def start(", 1)[1].split(") -> App:", 1)[0]
    assert signature.split()[:5] == ["config:", "Settings", "|", "None", "="]
    assert "def main(*, on_unhandled_error: _rt.OnUnhandledError | None = None) -> None:" in wiring


def _pyproject(tmp_path: Path, text: str) -> Path:
    (tmp_path / "pyproject.toml").write_text(text)
    return tmp_path


def test_apps_come_from_the_pyproject_table(tmp_path: Path) -> None:
    project = _pyproject(
        tmp_path,
        "[tool.runner-gen]\n"
        'apps = [{ root = "a.defs:app" }, { root = "b:app", package = "b_gen" }]\n',
    )
    assert read_apps(project) == [AppSpec("a.defs:app", "a.generated"), AppSpec("b:app", "b_gen")]
    assert default_package("solo:app") == "solo_generated"


@pytest.mark.parametrize(
    ("text", "code", "words"),
    [
        ("[tool.runner-gen\n", "invalid_config", "pyproject.toml"),
        ("[tool.other]\nx = 1\n", "no_config", "has no [tool.runner-gen] apps"),
        ('[tool.runner-gen]\napps = ["just a string"]\n', "invalid_config", "needs a root"),
    ],
)
def test_bad_configuration_is_a_build_error(
    tmp_path: Path, text: str, code: str, words: str
) -> None:
    with pytest.raises(BuildError) as caught:
        read_apps(_pyproject(tmp_path, text))
    assert _codes(caught.value) == [code]
    assert words in caught.value.render()


async def test_the_configured_root_starts_with_its_registered_config() -> None:
    from tests.support.build import build_app

    wiring = build_app("tests.fixtures.apps.configured_root:app")
    async with wiring.running() as app:
        assert app.resources.cfg == "configured"
