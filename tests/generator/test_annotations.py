"""Annotations are read from source with libcst, with every name imported from where it lives."""

from __future__ import annotations

import pytest

from runner_gen.generator.annotations import SignatureError, SignatureReader, TypeImport
from runner_gen.generator.naming import Imports, Names, attribute_names, identifier
from runner_gen.generator.types import type_annotation
from tests.fixtures.annotated import functions, models, other


def test_relative_and_aliased_imports_resolve_to_their_origin() -> None:
    signature = SignatureReader().read(functions.relative, "run")
    assert signature.is_async
    [input_param] = signature.positional
    assert input_param.annotation is not None
    assert input_param.annotation.text == "User"
    assert input_param.annotation.imports == (
        TypeImport("tests.fixtures.annotated.models", "User", "User"),
    )
    other_param, local = signature.keyword
    assert other_param.annotation is not None
    assert other_param.annotation.imports == (
        TypeImport("tests.fixtures.annotated.other", "User", "OtherUser"),
    )
    assert local.annotation is not None
    assert local.annotation.imports == (
        TypeImport("tests.fixtures.annotated.functions", "Local", "Local"),
    )
    assert signature.returns is not None
    assert signature.returns.text == "list[models.User]"
    assert signature.returns.imports == (
        TypeImport("tests.fixtures.annotated", "models", "models"),
    )


def test_module_aliases_type_checking_imports_and_literals() -> None:
    signature = SignatureReader().read(functions.aliased, "run")
    assert not signature.is_async
    [param] = signature.positional
    assert param.annotation is not None
    assert param.annotation.text == "t.Optional[Decimal]"
    assert set(param.annotation.imports) == {
        TypeImport("typing", None, "t"),
        TypeImport("decimal", "Decimal", "Decimal"),
    }
    [choice] = signature.keyword
    assert choice.annotation is not None
    assert choice.annotation.text == 'Literal["a", "b"]'  # strings in Literal are not names
    assert choice.annotation.imports == (TypeImport("typing", "Literal", "Literal"),)


def test_dotted_module_imports_and_string_annotations() -> None:
    signature = SignatureReader().read(functions.dotted, "run")
    [param] = signature.positional
    assert param.annotation is not None
    assert param.annotation.imports == (TypeImport("collections.abc", None, "collections"),)
    assert TypeImport("collections.abc", None, "collections").statement() == (
        "import collections.abc"
    )
    assert signature.returns is not None
    assert signature.returns.text == "Local"


def test_unresolvable_names_star_args_and_nested_functions_are_errors() -> None:
    reader = SignatureReader()
    with pytest.raises(SignatureError, match="cannot resolve 'Missing'"):
        reader.read(functions.unresolved, "run")
    with pytest.raises(SignatureError, match=r"takes \*values"):
        reader.read(functions.star, "run")
    with pytest.raises(SignatureError, match="not a module-level function"):
        reader.read(functions.outer(), "run")  # type: ignore[arg-type]
    with pytest.raises(SignatureError, match="not a Python function"):
        reader.read(len, "run")


def test_defaults_are_recorded() -> None:
    signature = SignatureReader().read(functions.defaults, "run")
    assert signature.positional[0].has_default
    assert signature.keyword[0].has_default


def test_colliding_names_are_aliased_and_annotations_rewritten() -> None:
    table = Imports(Names())
    first = type_annotation(models.User)
    second = type_annotation(other.User)
    assert first is not None
    assert second is not None
    assert table.annotation(first) == "User"
    assert table.annotation(second) == "User_2"
    assert table.statements(typing_only=True) == [
        "from tests.fixtures.annotated.models import User",
        "from tests.fixtures.annotated.other import User as User_2",
    ]


def test_schema_objects_become_annotations() -> None:
    generic = type_annotation(dict[str, list[models.User]])
    assert generic is not None
    assert generic.text == "dict[str, list[User]]"
    union = type_annotation(int | None)
    assert union is not None
    assert union.text == "int | None"
    assert type_annotation(None) is not None
    any_type = type_annotation(object)
    assert any_type is not None
    assert any_type.text == "object"

    def local_class() -> type:
        class Hidden:
            pass

        return Hidden

    assert type_annotation(local_class()) is None
    assert type_annotation(42) is None


def test_attribute_names_are_short_unique_identifiers() -> None:
    names = attribute_names(["app.tasks.get", "billing.tasks.get", "app.tasks.getUser", "x.class"])
    assert names == {
        "app.tasks.get": "app_tasks_get",
        "billing.tasks.get": "billing_tasks_get",
        "app.tasks.getUser": "get_user",
        "x.class": "class_",
    }
    assert identifier("send-email") == "send_email"
    assert identifier("9lives") == "_9lives"
