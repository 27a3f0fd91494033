"""What cannot be copied is reported, all at once, naming what, where (file:line) and a fix;
odd but valid source (relative imports, module aliases, string annotations) is handled."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from pathlib import Path
from textwrap import dedent
from types import ModuleType

import pytest
from pydantic import TypeAdapter

from runner_gen.definitions.source import Source
from runner_gen.generator.client_types import lift_types, local_modules
from runner_gen.generator.problems import BuildError
from tests.client_types.fixtures import uncopyable
from tests.client_types.support import REPO, copy_of, write_and_load

UNCOPYABLE = Path(uncopyable.__file__)
MODULE = "tests.client_types.fixtures.uncopyable"


def line_of(text: str) -> int:
    return UNCOPYABLE.read_text().splitlines().index(text) + 1


def problems_for(*roots: object, project_root: Path = REPO) -> list[str]:
    with pytest.raises(BuildError) as raised:
        lift_types(roots, project_root=project_root)
    return [problem.render() for problem in raised.value.problems]


def test_a_class_calling_a_local_function_names_the_function_and_its_line() -> None:
    [problem] = problems_for(uncopyable.UsesHelper)
    where = Source(str(UNCOPYABLE), line_of("def normalize(value: str) -> str:"))
    assert problem.startswith(f"{where}: error[client_types]: ")
    assert f"{MODULE}.normalize (used by UsesHelper) is a function" in problem
    assert "fix: Keep value types self-contained" in problem


def test_every_problem_is_reported_at_once() -> None:
    problems = problems_for(
        uncopyable.UsesHelper, uncopyable.Local, uncopyable.Hidden, uncopyable.UsesTwiceAssigned
    )
    assert len(problems) == 4
    text = "\n".join(problems)
    assert "make_local.<locals>.Local is defined inside a function" in text
    assert "fix: Define it at module level." in text
    assert f"cannot find Renamed in the source of {MODULE}" in text
    twice = f"{line_of('LIMIT = 1')}, {line_of('LIMIT = 2')}"
    assert (
        f"{MODULE}.LIMIT (used by UsesTwiceAssigned) is assigned more than once (lines {twice})"
        in text
    )
    assert "\n".join(problems).count("error[client_types]") == 4


def test_types_of_installed_packages_and_runner_gen_stay_imports() -> None:
    is_local = local_modules(REPO)
    assert not is_local("pydantic")
    assert not is_local("runner_gen.runtime.health")
    assert not is_local("json")
    assert is_local("tests.client_types.fixtures.orders")
    from runner_gen.runtime.health import Health

    lifted = lift_types([Health, list[int]], project_root=REPO)
    assert lifted.names == {}


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Path]:
    """A throwaway project on sys.path; its modules are forgotten afterwards."""
    sys.path.insert(0, str(tmp_path))
    yield tmp_path
    sys.path.remove(str(tmp_path))
    for name in [name for name in sys.modules if name.startswith("shop")]:
        del sys.modules[name]
    importlib.invalidate_caches()


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dedent(text), encoding="utf-8")


def import_module(name: str) -> ModuleType:
    importlib.invalidate_caches()
    return importlib.import_module(name)


def test_relative_imports_module_aliases_and_string_annotations(
    project: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    write(
        project,
        {
            "shop/__init__.py": "",
            "shop/base.py": """
                from pydantic import BaseModel as Model

                class Tag(Model):
                    label: str

                class Day(Model):
                    n: int
            """,
            "shop/other/__init__.py": "",
            "shop/other/base.py": """
                from datetime import date as Day

                from pydantic import BaseModel

                class Tag(BaseModel):
                    code: int
                    day: Day | None = None
            """,
            "shop/api.py": """
                from __future__ import annotations

                import json, decimal as dec
                from typing import Optional

                from pydantic import BaseModel

                from . import base
                from .other import base as other_base
                from .base import Model

                Limit: int = 3

                class Basket(Model):
                    tags: list["base.Tag"] = []
                    codes: "list[other_base.Tag]" = []
                    next: Optional["Basket"] = None
                    total: dec.Decimal = dec.Decimal(0)
                    limit: int = Limit
                    when: base.Day | None = None
                    extra: ShopBaseTag | None = None

                class ShopBaseTag(BaseModel):
                    name: str = json.dumps("x")
            """,
        },
    )
    api = import_module("shop.api")
    lifted = lift_types([api.Basket], project_root=project)
    assert lifted.names == {
        ("shop.api", "Basket"): "Basket",
        ("shop.api", "Limit"): "Limit",
        ("shop.api", "ShopBaseTag"): "ShopBaseTag",  # a class's own name beats a prefixed one
        ("shop.base", "Day"): "Day",
        ("shop.base", "Tag"): "ShopBaseTag_2",
        ("shop.other.base", "Tag"): "OtherBaseTag",
    }
    assert "import decimal as dec\nimport json\n" in lifted.source
    assert "from datetime import date as Day_2\n" in lifted.source  # `Day` is a copied class
    assert "from pydantic import BaseModel, BaseModel as Model" in lifted.source
    assert 'tags: list["ShopBaseTag_2"] = []' in lifted.source
    assert 'codes: "list[OtherBaseTag]" = []' in lifted.source
    copies = write_and_load(lifted, tmp_path_factory.mktemp("copies"), "shop_copies")
    basket = copy_of(lifted, copies, api.Basket)
    raw = (
        '{"tags": [{"label": "x"}], "codes": [{"code": 1, "day": "2024-01-02"}], '
        '"next": {"total": "2.5", "when": {"n": 1}}, "extra": {}}'
    )
    assert TypeAdapter(basket).dump_json(TypeAdapter(basket).validate_json(raw)) == TypeAdapter(
        api.Basket
    ).dump_json(TypeAdapter(api.Basket).validate_json(raw))


def test_undefined_names_and_modules_used_as_values_are_problems(project: Path) -> None:
    write(
        project,
        {
            "shop/__init__.py": "",
            "shop/parts.py": "X = 1\n",
            "shop/bad.py": """
                from pydantic import BaseModel

                import shop.parts
                from shop import parts

                class UsesUndefined(BaseModel):
                    x: int = undefined_name  # noqa: F821

                class UsesModule(BaseModel):
                    note: str = str(parts)

                class UsesDotted(BaseModel):
                    x: int = shop.parts.X
            """,
        },
    )
    bad = import_module_allowing_errors("shop.bad")
    text = "\n".join(
        problems_for(bad.UsesUndefined, bad.UsesModule, bad.UsesDotted, project_root=project)
    )
    assert "shop.bad.UsesUndefined uses 'undefined_name', which is not defined" in text
    assert "shop.bad.UsesModule uses the module shop.parts itself" in text
    assert "shop.bad.UsesDotted uses the module shop.parts itself" in text
    assert "fix: Import the names it needs from that module instead." in text


def import_module_allowing_errors(name: str) -> ModuleType:
    """Import a module whose class bodies refer to an undefined name at definition time."""
    import builtins

    builtins.undefined_name = 0  # type: ignore[attr-defined]
    try:
        return import_module(name)
    finally:
        del builtins.undefined_name  # type: ignore[attr-defined]


def test_a_module_without_source_is_a_problem(project: Path) -> None:
    write(project, {"shop/__init__.py": "", "shop/compiled.py": "class C:\n    pass\n"})
    module = import_module("shop.compiled")
    module.__file__ = str(project / "shop" / "compiled.cpython-311.so")
    [problem] = problems_for(module.C, project_root=project)
    assert "cannot read the source of shop.compiled.C" in problem


def test_re_exported_functions_and_tuple_assignments_are_problems(project: Path) -> None:
    write(
        project,
        {
            "shop/__init__.py": "",
            "shop/helpers.py": "def norm(value: str) -> str:\n    return value.strip()\n",
            "shop/bad.py": """
                from pydantic import BaseModel, field_validator

                from shop.helpers import norm

                LOW, HIGH = 1, 2

                class UsesReExport(BaseModel):
                    name: str

                    @field_validator("name")
                    @classmethod
                    def clean(cls, value: str) -> str:
                        return norm(norm(value))

                class UsesTuple(BaseModel):
                    level: int = LOW
            """,
        },
    )
    bad = import_module("shop.bad")
    problems = problems_for(bad.UsesReExport, bad.UsesTuple, project_root=project)
    assert len(problems) == 2  # norm, used twice, is reported once
    assert "shop.helpers.norm is a function" in problems[0]
    assert (
        "shop.bad.LOW (used by UsesTuple) is not a module-level class or single assignment"
        in (problems[1])
    )


def test_roots_can_be_any_typing_expression() -> None:
    from typing import Annotated, Literal

    from tests.client_types.fixtures import orders

    lifted = lift_types(
        [
            Annotated[orders.Note, "metadata"],
            Literal[orders.Priority.HIGH, "x"],
            orders.Priority.LOW,
            dict[str, orders.Receipt] | None,
        ],
        project_root=REPO,
    )
    assert {name for _, name in lifted.names} == {"Note", "Priority", "Receipt"}


def test_a_module_without_a_file_is_not_local() -> None:
    module = ModuleType("shop_virtual")
    sys.modules["shop_virtual"] = module
    try:
        assert not local_modules(REPO)("shop_virtual")
    finally:
        del sys.modules["shop_virtual"]


def test_a_global_root_follows_re_exports_and_names_installed_ones(project: Path) -> None:
    """Client packages copy the names annotations import, wherever those modules got them."""
    from runner_gen.generator.client_types import Global

    write(
        project,
        {
            "shop/__init__.py": "",
            "shop/models.py": """
                from pydantic import BaseModel

                class Price(BaseModel):
                    cents: int
            """,
            "shop/api.py": """
                from pydantic import BaseModel
                from shop.models import Price
            """,
        },
    )
    import_module("shop.api")
    roots = [Global("shop.api", "Price"), Global("shop.api", "BaseModel"), Global("json", "dumps")]
    lifted = lift_types(roots, project_root=project)
    assert lifted.names == {("shop.api", "Price"): "Price", ("shop.models", "Price"): "Price"}
    assert lifted.installed == {("shop.api", "BaseModel"): ("pydantic", "BaseModel")}
    assert lifted.imports == frozenset({"pydantic"})
    assert "class Price(BaseModel):" in lifted.source
