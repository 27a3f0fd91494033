"""`runner-gen build` writes an app's client package and `--check` keeps it fresh, on a real
(temporary) project run through the CLI; a type that cannot be copied fails the build and
writes nothing; `runner-gen client` writes a package anywhere."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

MODELS = """
from pydantic import BaseModel, field_validator


class QuoteRequest(BaseModel):
    sku: str

    @field_validator("sku")
    @classmethod
    def clean(cls, value: str) -> str:
        return value.strip()


class Quote(BaseModel):
    sku: str
    cents: int
"""

UNCOPYABLE = """
from pydantic import BaseModel, field_validator


def normalize(value: str) -> str:
    return value.strip()


class QuoteRequest(BaseModel):
    sku: str

    @field_validator("sku")
    @classmethod
    def clean(cls, value: str) -> str:
        return normalize(value)


class Quote(BaseModel):
    sku: str
    cents: int
"""

DEFINITIONS = """
from runner_gen import r
from runner_gen.remote import http_exposure
from shopapp.models import Quote, QuoteRequest


async def quote(input: QuoteRequest) -> Quote:
    return Quote(sku=input.sku, cents=100)


quote_task = r.task("shop.tasks.quote").run(quote).build()
exposure = http_exposure("shop.exposure").with_(
    tokens_env="SHOP_TOKEN", allow_task_ids=("shop.tasks.*",)
)
app = r.resource("shop").register(quote_task, exposure).build()
unexposed = r.resource("shop.unexposed").register(quote_task).build()
"""

CLIENT = 'client = { package = "shop_client", path = "clients/shop", pyproject = true }'
PYPROJECT = """
[project]
name = "shopapp"
version = "1.2.0"

[tool.runner-gen]
apps = [{ root = "shopapp.definitions:app", package = "shopapp.generated", CLIENT }]
"""

CLIENT_FILES = [
    "clients/shop/pyproject.toml",
    "clients/shop/shop_client/__init__.py",
    "clients/shop/shop_client/client.py",
    "clients/shop/shop_client/py.typed",
    "clients/shop/shop_client/types.py",
]


def configure(project: Path, client: str | None = CLIENT, root: str = "app") -> None:
    text = PYPROJECT.replace(", CLIENT", f", {client}" if client else "").replace(
        "definitions:app", f"definitions:{root}"
    )
    (project / "pyproject.toml").write_text(textwrap.dedent(text))


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "shopapp").mkdir()
    (tmp_path / "shopapp" / "__init__.py").write_text("")
    (tmp_path / "shopapp" / "models.py").write_text(textwrap.dedent(MODELS))
    (tmp_path / "shopapp" / "definitions.py").write_text(textwrap.dedent(DEFINITIONS))
    configure(tmp_path)
    return tmp_path


def cli(
    project: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "runner_gen.cli", *args],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def files_under(directory: Path) -> list[str]:
    return sorted(
        path.relative_to(directory.parent.parent).as_posix()
        for path in directory.rglob("*")
        if path.is_file()
    )


def test_build_writes_the_client_package_and_check_keeps_it_fresh(project: Path) -> None:
    built = cli(project, "build")
    assert built.returncode == 0, built.stderr
    assert [f"wrote {name}" for name in CLIENT_FILES] == [
        line for line in built.stdout.splitlines() if "clients/" in line
    ]
    assert files_under(project / "clients" / "shop") == CLIENT_FILES
    pyproject = (project / "clients" / "shop" / "pyproject.toml").read_text()
    assert 'name = "shop-client"\nversion = "1.2.0"' in pyproject
    assert "def clean(cls, value: str)" in (project / CLIENT_FILES[-1]).read_text()
    assert "up to date" in cli(project, "build", "--check").stdout

    client = project / CLIENT_FILES[2]
    client.write_text(client.read_text() + "# edited by hand\n")
    (project / CLIENT_FILES[-1]).unlink()
    stale = cli(project, "build", "--check")
    assert stale.returncode == 1
    assert "--- clients/shop/shop_client/client.py (on disk)" in stale.stdout
    assert "-# edited by hand" in stale.stdout
    assert "+++ clients/shop/shop_client/types.py is missing" in stale.stdout
    rebuilt = cli(project, "build")
    assert rebuilt.returncode == 0, rebuilt.stderr
    rewritten = [line for line in rebuilt.stdout.splitlines() if "clients/" in line]
    assert rewritten == [f"wrote {CLIENT_FILES[2]}", f"wrote {CLIENT_FILES[4]}"]
    assert "up to date" in cli(project, "build", "--check").stdout


def test_moving_or_dropping_the_client_removes_its_files_unless_edited(project: Path) -> None:
    assert cli(project, "build").returncode == 0
    configure(project, CLIENT.replace("clients/shop", "clients/shop2"))
    stale = cli(project, "build", "--check")
    assert stale.returncode == 1
    assert "--- clients/shop/shop_client/types.py would be removed" in stale.stdout
    assert "+++ clients/shop2/shop_client/types.py is missing" in stale.stdout
    moved = cli(project, "build")
    assert moved.returncode == 0, moved.stderr
    assert not (project / "clients" / "shop").exists() or not any(
        path.is_file() for path in (project / "clients" / "shop").rglob("*")
    )
    assert len(files_under(project / "clients" / "shop2")) == 5

    edited = project / "clients" / "shop2" / "shop_client" / "types.py"
    edited.write_text(edited.read_text() + "# mine now\n")
    configure(project, None)  # no client option any more
    dropped = cli(project, "build")
    assert dropped.returncode == 0, dropped.stderr
    assert files_under(project / "clients" / "shop2") == ["clients/shop2/shop_client/types.py"]
    assert "up to date" in cli(project, "build", "--check").stdout


def test_a_type_that_cannot_be_copied_fails_the_build_and_writes_nothing(project: Path) -> None:
    models = project / "shopapp" / "models.py"
    models.write_text(textwrap.dedent(UNCOPYABLE))
    line = models.read_text().splitlines().index("def normalize(value: str) -> str:") + 1
    result = cli(project, "build")
    assert result.returncode == 1
    assert result.stderr.startswith(
        f"shopapp/models.py:{line}: error[client_types]: client package shop_client: "
        "shopapp.models.normalize (used by QuoteRequest) is a function: it cannot be copied "
        "into the client's types\n  fix: Keep value types self-contained"
    )
    assert "1 error; no files were written" in result.stderr
    assert not (project / "shopapp" / "generated").exists()
    assert not (project / "clients").exists()


def test_a_hand_written_file_at_the_client_path_is_never_overwritten(project: Path) -> None:
    own = project / "clients" / "shop" / "pyproject.toml"
    own.parent.mkdir(parents=True)
    own.write_text('[project]\nname = "mine"\n')
    result = cli(project, "build")
    assert result.returncode == 1
    assert (
        f"error[client_overwrites_file]: the client package of shopapp.definitions:app would "
        f"overwrite {own}, which runner-gen did not generate"
    ) in result.stderr
    assert own.read_text() == '[project]\nname = "mine"\n'
    assert not (project / "shopapp" / "generated").exists()


def test_a_client_of_an_app_that_exposes_nothing_is_a_build_error(project: Path) -> None:
    configure(project, root="unexposed")
    result = cli(project, "build")
    assert result.returncode == 1
    assert (
        'error[client_without_exposure]: the app "shop.unexposed" has a client package '
        "(shop_client) but exposes nothing over HTTP"
    ) in result.stderr
    assert "fix: Register an http_exposure in the app, or remove its client option." in (
        result.stderr
    )


def test_the_client_command_writes_a_package_anywhere(project: Path, tmp_path: Path) -> None:
    out = tmp_path / "published" / "shop-api"
    args = ["client", "shopapp.definitions:app", "--package", "shop_api", "--out", str(out)]
    first = cli(project, *args, "--pyproject", "--version", "3.0.0")
    assert first.returncode == 0, first.stderr
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()) == [
        "pyproject.toml",
        "shop_api/__init__.py",
        "shop_api/client.py",
        "shop_api/py.typed",
        "shop_api/types.py",
    ]
    assert 'name = "shop-api"\nversion = "3.0.0"' in (out / "pyproject.toml").read_text()
    again = cli(project, *args, "--pyproject", "--version", "3.0.0")
    assert again.stdout.strip() == f"runner-gen: {out} is up to date"
    assert not (project / "shopapp" / "generated").exists()  # no build, no manifest

    bad = cli(project, "client", "shopapp.definitions:app", "--package", "shop-api", "--out", "x")
    assert bad.returncode == 1
    assert "error[invalid_client_config]: the client of shopapp.definitions:app" in bad.stderr


LIBRARY = """
from pydantic import BaseModel

from runner_gen import r


class Gone(BaseModel):
    sku: str


gone = r.error("lib.errors.gone").data_schema(Gone).http_code(410).build()
"""


def test_a_typed_error_from_an_installed_library_stays_an_import(
    project: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Installed code (here: outside the project, on the path) is never copied: the client
    imports it and requires its distribution."""
    library = tmp_path_factory.mktemp("site")
    (library / "shared_errors.py").write_text(textwrap.dedent(LIBRARY))
    definitions = project / "shopapp" / "definitions.py"
    text = definitions.read_text().replace(
        "register(quote_task, exposure)", "register(gone, quote_task, exposure)"
    )
    definitions.write_text("from shared_errors import gone\n" + text)
    env = {**os.environ, "PYTHONPATH": str(library)}
    result = cli(project, "build", env=env)
    assert result.returncode == 0, result.stderr
    client = (project / CLIENT_FILES[2]).read_text()
    assert "from shared_errors import gone\n" in client
    assert '"lib.errors.gone": gone.from_remote,' in client
    assert "shopapp" not in client.split("# @generated")[1]
    assert "Gone" not in (project / CLIENT_FILES[-1]).read_text()
    assert '  "pydantic>=2.7",\n  "shared_errors",\n]' in (project / CLIENT_FILES[0]).read_text()
