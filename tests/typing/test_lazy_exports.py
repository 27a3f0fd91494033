"""The public modules import their names lazily (PEP 562) yet type checkers see every name.

Each lazy module keeps two lists: the ``TYPE_CHECKING`` imports (what mypy reads) and
``_EXPORTS`` (what runs); these tests keep them and ``__all__`` identical, and check that a
cheap import stays cheap: which modules it loads, not how long it takes.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import json
import subprocess
import sys
from types import ModuleType

import pytest

import runner_gen
import runner_gen.errors

LAZY_MODULES = [runner_gen, runner_gen.errors]


def type_checking_imports(module: ModuleType) -> dict[str, str]:
    tree = ast.parse(inspect.getsource(module))
    imports: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING":
            for statement in node.body:
                assert isinstance(statement, ast.ImportFrom)
                assert statement.module is not None
                imports.update({alias.name: statement.module for alias in statement.names})
    return imports


@pytest.mark.parametrize("module", LAZY_MODULES, ids=lambda module: module.__name__)
def test_static_imports_runtime_exports_and_all_agree(module: ModuleType) -> None:
    exports: dict[str, str] = vars(module)["_EXPORTS"]
    assert type_checking_imports(module) == exports
    assert set(module.__all__) - {"__version__"} == set(exports)
    for name, home in exports.items():
        assert getattr(module, name) is getattr(importlib.import_module(home), name)
    assert set(module.__all__) <= set(dir(module))


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="module 'runner_gen' has no attribute 'Taks'"):
        _ = runner_gen.Taks  # type: ignore[attr-defined]
    with pytest.raises(ImportError, match="cannot import name 'Nope'"):
        exec("from runner_gen.errors import Nope", {})


def modules_loaded_by(statement: str) -> set[str]:
    script = (
        "import json, sys\n"
        "before = set(sys.modules)\n"
        f"{statement}\n"
        "print(json.dumps(sorted(set(sys.modules) - before)))\n"
    )
    output = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout
    loaded: list[str] = json.loads(output)
    return {name for name in loaded if name.startswith("runner_gen")}


def test_importing_runner_gen_loads_no_definition_or_runtime_module() -> None:
    assert modules_loaded_by("import runner_gen") == {
        "runner_gen",
        "runner_gen._lazy",
        "runner_gen._version",
    }


def test_a_generated_client_import_does_not_load_definitions_or_middleware() -> None:
    loaded = modules_loaded_by("import runner_gen.runtime.client")
    assert "runner_gen.runtime.client.async_transport" in loaded
    # The client rebuilds the built-in rejections (middleware.errors), nothing else of the
    # middleware: the package itself loads its members lazily.
    assert not {
        name
        for name in loaded
        if (
            name.startswith(("runner_gen.definitions", "runner_gen.runtime.middleware."))
            and name != "runner_gen.runtime.middleware.errors"
        )
        or name in ("runner_gen.runtime.logging", "runner_gen.runtime.metrics")
    }


def test_using_r_loads_the_builders_but_not_the_built_ins() -> None:
    loaded = modules_loaded_by("from runner_gen import r")
    assert "runner_gen.definitions.builders" in loaded
    assert "runner_gen.definitions.builtins" not in loaded
    assert "runner_gen.runtime.middleware" not in loaded
