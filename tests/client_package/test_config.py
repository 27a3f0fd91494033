"""The ``client`` option of an app in ``[tool.runner-gen]``: defaults, and every mistake named."""

from __future__ import annotations

from pathlib import Path

import pytest

from runner_gen.generator.config import AppSpec, ClientSpec, read_apps, read_client
from runner_gen.generator.problems import BuildError


def test_an_app_takes_a_client_package_with_defaults_from_the_project(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "shop"\nversion = "2.3.0"\n'
        "[tool.runner-gen]\n"
        'apps = [{ root = "shop.defs:app", client = { package = "shop_client" } },\n'
        '        { root = "other:app" }]\n'
    )
    [shop, other] = read_apps(tmp_path)
    assert shop == AppSpec(
        "shop.defs:app",
        "shop.generated",
        ClientSpec("shop_client", "clients/shop_client", False, "shop-client", "2.3.0"),
        api_version="2.3.0",
    )
    assert other.client is None
    assert shop.client is not None
    assert shop.client.directory(tmp_path) == tmp_path / "clients" / "shop_client"


def test_every_client_setting_can_be_given() -> None:
    entry = {
        "package": "billing_api",
        "path": "./published/billing/",
        "pyproject": True,
        "name": "acme-billing",
        "version": "1.0.0rc1",
    }
    client = read_client(entry, "billing:app", "9.9.9")
    assert client == ClientSpec(
        "billing_api", "published/billing", True, "acme-billing", "1.0.0rc1"
    )
    assert client.described() == {
        "package": "billing_api",
        "path": "published/billing",
        "pyproject": True,
        "name": "acme-billing",
        "version": "1.0.0rc1",
    }


@pytest.mark.parametrize(
    ("entry", "words"),
    [
        ("billing_client", "expected a table, got 'billing_client'"),
        ({"package": "billing_client", "pkg": "x"}, "unknown key(s) pkg; it takes package, path"),
        ({}, "package must be a plain module name such as billing_client, not None"),
        ({"package": "acme.billing"}, "not 'acme.billing'"),
        ({"package": "class"}, "not 'class'"),
        ({"package": "c", "path": "/srv/c"}, "path must be a directory inside the project"),
        ({"package": "c", "path": "../c"}, "path must be a directory inside the project"),
        ({"package": "c", "path": ""}, "path must be a non-empty string, not ''"),
        ({"package": "c", "pyproject": "yes"}, "pyproject must be true or false, not 'yes'"),
        ({"package": "c", "path": ".", "pyproject": True}, "must not be the project root"),
        ({"package": "c", "version": 1}, "version must be a non-empty string, not 1"),
    ],
)
def test_a_bad_client_option_is_a_build_error_naming_the_app(entry: object, words: str) -> None:
    with pytest.raises(BuildError) as raised:
        read_client(entry, "billing:app", "1.0")
    [problem] = raised.value.problems
    assert problem.code == "invalid_client_config"
    assert problem.message.startswith("the client of billing:app: ")
    assert words in problem.message
    assert problem.remediation is not None
    assert 'client = { package = "billing_client"' in problem.remediation


def test_a_published_client_needs_a_version(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "shop"\ndynamic = ["version"]\n[tool.runner-gen]\n'
        'apps = [{ root = "shop:app", client = { package = "c", pyproject = true } }]\n'
    )
    with pytest.raises(BuildError, match=r"give it a version \(the project's \[project\] version"):
        read_apps(tmp_path)
    unpublished = read_client({"package": "c"}, "shop:app", None)
    assert unpublished.version == ""
