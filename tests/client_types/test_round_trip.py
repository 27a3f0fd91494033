"""The copies behave like the server's classes on the wire: same JSON Schema, same validation
(validators included), same serialization; and the module stands alone and passes mypy --strict.

This is the evidence for lifting source rather than emitting from JSON Schema: the schema of a
model does not change when a validator is added, but what the model accepts and returns does.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import UTC
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any
from uuid import UUID

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, TypeAdapter, create_model
from pydantic.json_schema import JsonSchemaMode

from runner_gen.generator.client_types import LiftedTypes, lift_types
from tests.client_types.fixtures import catalog, inventory, money, orders
from tests.client_types.support import REPO, copy_of, outcome, write_and_load

ROOTS: list[object] = [
    orders.Order,
    list[orders.Line] | None,
    orders.Receipt,
    orders.Featured,
    orders.Page[orders.Order],
    orders.OutOfStock,
    orders.Shipment.Window,
    orders.Shipment,
]


@pytest.fixture(scope="module")
def lifted() -> LiftedTypes:
    return lift_types(ROOTS, project_root=REPO)


@pytest.fixture(scope="module")
def copies(lifted: LiftedTypes, tmp_path_factory: pytest.TempPathFactory) -> ModuleType:
    return write_and_load(lifted, tmp_path_factory.mktemp("client"), "billing_client_types")


def test_every_local_type_is_copied_and_named(lifted: LiftedTypes) -> None:
    fixtures = "tests.client_types.fixtures"
    assert lifted.names == {
        (f"{fixtures}.catalog", "Item"): "CatalogItem",
        (f"{fixtures}.inventory", "Item"): "InventoryItem",
        (f"{fixtures}.money", "Currency"): "Currency",
        (f"{fixtures}.money", "Money"): "Money",
        (f"{fixtures}.orders", "Address"): "Address",
        (f"{fixtures}.orders", "Featured"): "Featured",
        (f"{fixtures}.orders", "Line"): "Line",
        (f"{fixtures}.orders", "MAX_QUANTITY"): "MAX_QUANTITY",
        (f"{fixtures}.orders", "Note"): "Note",
        (f"{fixtures}.orders", "Order"): "Order",
        (f"{fixtures}.orders", "OutOfStock"): "OutOfStock",
        (f"{fixtures}.orders", "Page"): "Page",
        (f"{fixtures}.orders", "Priority"): "Priority",
        (f"{fixtures}.orders", "Receipt"): "Receipt",
        (f"{fixtures}.orders", "Shipment"): "Shipment",
        (f"{fixtures}.orders", "Shipment.Window"): "Shipment.Window",
        (f"{fixtures}.orders", "Sku"): "Sku",
        (f"{fixtures}.orders", "T"): "T",
    }


def test_the_module_imports_nothing_of_the_server(
    lifted: LiftedTypes, copies: ModuleType, tmp_path: Path
) -> None:
    assert "tests." not in lifted.source
    (tmp_path / "standalone.py").write_text(lifted.source, encoding="utf-8")
    probe = "import sys, standalone; print(sorted({m.split('.')[0] for m in sys.modules}))"
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    assert "tests" not in json.loads(result.stdout.replace("'", '"'))


def test_the_same_class_name_in_two_modules_gets_two_copies(
    lifted: LiftedTypes, copies: ModuleType
) -> None:
    catalog_item = copy_of(lifted, copies, catalog.Item)
    inventory_item = copy_of(lifted, copies, inventory.Item)
    assert set(catalog_item.model_fields) == {"title"}
    assert set(inventory_item.model_fields) == {"name", "code"}
    featured = copy_of(lifted, copies, orders.Featured)
    assert featured.model_fields["item"].annotation is catalog_item
    assert featured.model_fields["stocked_as"].annotation is inventory_item


SAME_SCHEMA = [orders.Order, orders.Line, orders.Receipt, orders.OutOfStock, money.Money]


def with_original_names(schema: dict[str, Any], lifted: LiftedTypes) -> dict[str, Any]:
    """The copy's schema with each renamed class called by its original name again."""
    text = json.dumps(schema)
    for (_, qualname), new in lifted.names.items():
        if new != qualname:
            text = re.sub(rf'"(#/\$defs/)?{re.escape(new)}"', rf'"\g<1>{qualname}"', text)
    renamed: dict[str, Any] = json.loads(text)
    return renamed


@pytest.mark.parametrize("original", SAME_SCHEMA, ids=lambda cls: cls.__name__)
@pytest.mark.parametrize("mode", ["validation", "serialization"])
def test_json_schemas_are_identical(
    lifted: LiftedTypes, copies: ModuleType, original: type[Any], mode: JsonSchemaMode
) -> None:
    copy = copy_of(lifted, copies, original)
    client_schema = TypeAdapter(copy).json_schema(mode=mode)
    server_schema = TypeAdapter(original).json_schema(mode=mode)
    assert with_original_names(client_schema, lifted) == server_schema


def inline(schema: Any, definitions: dict[str, Any] | None = None) -> Any:
    """The schema with every $ref replaced by its definition and titles dropped: renamed copies
    (CatalogItem for catalog.Item) then compare by structure."""
    if definitions is None:
        definitions = schema.get("$defs", {})
    if isinstance(schema, dict):
        if "$ref" in schema:
            return inline(definitions[schema["$ref"].split("/")[-1]], definitions)
        return {
            key: inline(value, definitions)
            for key, value in schema.items()
            if key not in ("title", "$defs")
        }
    if isinstance(schema, list):
        return [inline(item, definitions) for item in schema]
    return schema


def test_renamed_copies_have_the_same_schema_structure(
    lifted: LiftedTypes, copies: ModuleType
) -> None:
    copy = copy_of(lifted, copies, orders.Featured)
    server_schema = TypeAdapter(orders.Featured).json_schema()
    client_schema = TypeAdapter(copy).json_schema()
    assert server_schema != client_schema  # the $defs are named after the (renamed) classes
    assert inline(client_schema) == inline(server_schema)


def test_a_generic_model_is_copied_with_its_type_variable(
    lifted: LiftedTypes, copies: ModuleType
) -> None:
    page, order = copy_of(lifted, copies, orders.Page), copy_of(lifted, copies, orders.Order)
    raw = json.dumps({"items": [ORDER], "next_cursor": "c1"})
    assert outcome(TypeAdapter(page[order]), raw) == outcome(
        TypeAdapter(orders.Page[orders.Order]), raw
    )


ORDER: dict[str, Any] = {
    "id": "5f0c3d4e-1b2a-4c5d-8e9f-0a1b2c3d4e5f",
    "priority": 2,
    "lines": [
        {"sku": "  BOOK ", "quantity": 2, "price": {"amount": "12.50", "currency": "USD"}},
        {"sku": "pen", "quantity": 1, "price": {"amount": 3}, "stock": {"name": "p", "code": 7}},
    ],
    "parent": None,
    "note": {"text": "fragile", "audience": "customer"},
    "placed_at": "2024-05-01T12:30:00+02:00",
    "tags": ["a", "b", "a"],
}


LINE = ORDER["lines"][0]
VARIANTS = [
    pytest.param({**ORDER, "parent": {**ORDER, "parent": None, "note": None}}, id="nested"),
    pytest.param(ORDER, id="valid"),
    pytest.param({**ORDER, "parent": {**ORDER, "lines": []}}, id="nested-invalid"),
    pytest.param({**ORDER, "lines": []}, id="model-validator"),
    pytest.param({**ORDER, "lines": [{**LINE, "quantity": 0}]}, id="gt"),
    pytest.param({**ORDER, "lines": [{**LINE, "quantity": 101}]}, id="lifted-constant"),
    pytest.param({**ORDER, "lines": [{**LINE, "sku": "no spaces!"}]}, id="alias-pattern"),
    pytest.param({**ORDER, "lines": [{**LINE, "price": {"amount": "1.234"}}]}, id="decimals"),
    pytest.param(
        {**ORDER, "lines": [{**LINE, "price": {"amount": "1", "currency": "GBP"}}]}, id="enum"
    ),
    pytest.param(
        {**ORDER, "priority": 3, "note": {"text": "x", "audience": "everyone"}}, id="literal"
    ),
    pytest.param({**ORDER, "placed_at": "2024-05-01T12:30:00"}, id="naive-datetime"),
]


@pytest.mark.parametrize("raw", VARIANTS)
def test_server_and_copy_agree_on_valid_and_invalid_input(
    lifted: LiftedTypes, copies: ModuleType, raw: dict[str, Any]
) -> None:
    copy = copy_of(lifted, copies, orders.Order)
    text = json.dumps(raw)
    assert outcome(TypeAdapter(copy), text) == outcome(TypeAdapter(orders.Order), text)


def test_validators_and_serializers_act_in_the_copy(
    lifted: LiftedTypes, copies: ModuleType
) -> None:
    server = orders.Order.model_validate_json(json.dumps(ORDER))
    client = copy_of(lifted, copies, orders.Order).model_validate_json(server.model_dump_json())
    assert client.lines[0].sku == "book"  # stripped by model_config, lowered by the validator
    # A set has no order on the wire (iteration order depends on insertion history): compare
    # its members, and everything else exactly.
    client_json, server_json = (
        json.loads(client.model_dump_json()),
        json.loads(server.model_dump_json()),
    )
    assert sorted(client_json.pop("tags")) == sorted(server_json.pop("tags"))
    assert client_json == server_json
    assert json.loads(client.model_dump_json())["placed_at"] == "2024-05-01T10:30:00+00:00"
    assert client.currency == "USD"  # a property, copied with the class


def test_json_schema_alone_cannot_carry_a_validator() -> None:
    """Why the copies are lifted from source: a model rebuilt from fields (what a JSON Schema
    describes) has the same schema as Line, yet accepts different values."""
    fields: dict[str, Any] = {
        name: (info.annotation, info) for name, info in orders.Line.model_fields.items()
    }
    rebuilt = create_model(
        "Line", __config__=orders.Line.model_config, __doc__=orders.Line.__doc__, **fields
    )
    assert rebuilt.model_json_schema() == orders.Line.model_json_schema()
    line = {"sku": " BOOK ", "quantity": 1, "price": {"amount": "1"}}
    assert orders.Line.model_validate(line).sku == "book"
    with pytest.raises(ValueError, match="should match pattern"):
        rebuilt.model_validate(line)


def test_dataclasses_typed_dicts_and_nested_classes_round_trip(
    lifted: LiftedTypes, copies: ModuleType
) -> None:
    receipt = orders.Receipt(UUID(int=1), Decimal("2.50"), ("book",))
    wire = TypeAdapter(orders.Receipt).dump_json(receipt)
    copy = TypeAdapter(copy_of(lifted, copies, orders.Receipt)).validate_json(wire)
    assert TypeAdapter(copy_of(lifted, copies, orders.Receipt)).dump_json(copy) == wire
    shipment = {"window": {"start": "2024-01-01", "end": "2024-01-02"}, "to": {"street": "s"}}
    for raw in (shipment, {**shipment, "to": {"street": "s", "city": "c"}}):
        text = json.dumps(raw)
        assert outcome(TypeAdapter(copy_of(lifted, copies, orders.Shipment)), text) == outcome(
            TypeAdapter(orders.Shipment), text
        )


def test_lifting_is_deterministic(lifted: LiftedTypes) -> None:
    again = lift_types(list(reversed(ROOTS)), project_root=REPO)
    assert again == lifted


@pytest.mark.timeout(300)
def test_mypy_strict_accepts_the_emitted_module(lifted: LiftedTypes, tmp_path: Path) -> None:
    (tmp_path / "client_types_module.py").write_text(lifted.source, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "client_types_module.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


# Mostly valid values, some of each kind of invalid one: both paths must agree.
skus = st.one_of(
    st.from_regex(r"[a-z-]{2,12}", fullmatch=True),
    st.from_regex(r" ?[A-Za-z-]{2,10} ?", fullmatch=True),
    st.text(max_size=14),
)
amounts = st.one_of(
    st.decimals(min_value=0, max_value=10_000, places=2).map(str),
    st.integers(min_value=0, max_value=10**6),
    st.decimals(min_value=-1, max_value=10, places=3).map(str),
    st.text(max_size=4),
)
prices = st.fixed_dictionaries(
    {"amount": amounts}, optional={"currency": st.sampled_from(["EUR", "USD", "USD", "GBP"])}
)
lines = st.fixed_dictionaries(
    {
        "sku": skus,
        "quantity": st.integers(min_value=1, max_value=100) | st.integers(-1, 120),
        "price": prices,
    },
    optional={
        "stock": st.none()
        | st.fixed_dictionaries({"name": st.text(max_size=4), "code": st.integers()})
    },
)
raw_orders = st.fixed_dictionaries(
    {
        "id": st.uuids().map(str) | st.uuids().map(str) | st.text(max_size=5),
        "lines": st.lists(lines, min_size=1, max_size=3) | st.just([]),
        "placed_at": st.datetimes(timezones=st.none() | st.just(UTC)).map(lambda d: d.isoformat()),
    },
    optional={
        "priority": st.sampled_from([1, 2, 2, 3, "2"]),
        "tags": st.lists(st.text(max_size=3), max_size=3),
        "note": st.none()
        | st.fixed_dictionaries(
            {"text": st.text(max_size=5)},
            optional={"audience": st.sampled_from(["internal", "customer", "x"])},
        ),
    },
)


@settings(max_examples=150, deadline=None)  # a busy 2-core CI box: no per-example deadline
@given(raw=raw_orders)
def test_any_input_gets_the_same_outcome_from_server_and_copy(raw: dict[str, Any]) -> None:
    copy = _ORDER_COPY.get("Order")
    assert copy is not None
    text = json.dumps(raw)
    assert outcome(TypeAdapter(copy), text) == outcome(TypeAdapter(orders.Order), text)


_ORDER_COPY: dict[str, type[BaseModel]] = {}


@pytest.fixture(autouse=True)
def _order_copy(lifted: LiftedTypes, copies: ModuleType) -> None:
    """Hypothesis tests cannot take function-scoped fixtures; hand the copy over here."""
    _ORDER_COPY["Order"] = copy_of(lifted, copies, orders.Order)


def test_a_typed_error_definition_is_copied_with_its_data_type(tmp_path: Path) -> None:
    from types import SimpleNamespace

    from examples.distributed import models
    from runner_gen.generator.client_types import Global

    lifted = lift_types(
        [Global("examples.distributed.models", "unknown_sku"), Global("json", "dumps")],
        project_root=REPO,
    )
    assert lifted.names == {
        ("examples.distributed.models", "UnknownSku"): "UnknownSku",
        ("examples.distributed.models", "unknown_sku"): "unknown_sku",
    }
    assert "from runner_gen import r" in lifted.source
    copies = write_and_load(lifted, tmp_path, "billing_errors")
    remote = SimpleNamespace(data={"sku": "lamp"}, message="unknown SKU 'lamp'")
    error = copies.unknown_sku.from_remote(remote)
    server_error = models.unknown_sku.from_remote(remote)
    assert isinstance(error.data, copies.UnknownSku)
    assert (error.id, error.http_code, error.message) == (
        server_error.id,
        server_error.http_code,
        server_error.message,
    )
