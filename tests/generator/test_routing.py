"""Tunnel and exposure routing is decided at build time; its mistakes are build errors."""

from __future__ import annotations

import pytest

from runner_gen.generator.problems import BuildError
from tests.support.build import generate_files


def _problem(spec: str) -> str:
    with pytest.raises(BuildError) as caught:
        generate_files(spec)
    return caught.value.render()


def test_a_task_claimed_by_two_tunnels_is_an_error() -> None:
    text = _problem("tests.fixtures.routing.conflict:app")
    assert "error[tunnel_ownership_conflict]" in text
    # Runner's tunnelOwnershipConflict message: the owner, then the tunnel refused.
    assert 'already tunneled by resource "app.tunnels.first"' in text
    assert 'Resource "app.tunnels.second" cannot tunnel it again' in text


def test_a_selector_predicate_that_raises_is_reported_with_the_definition() -> None:
    text = _problem("tests.fixtures.routing.bad_predicate:app")
    assert "error[invalid_selector]" in text
    assert "KeyError" in text
    assert "'remote.tasks.add'" in text


def test_a_tunnel_without_its_url_is_an_error() -> None:
    text = _problem("tests.fixtures.routing.bare_tunnel:app")
    assert "error[resource_config_missing]" in text
    assert "app.tunnels.bare" in text


def test_a_phantom_task_no_tunnel_routes_is_an_error() -> None:
    text = _problem("tests.fixtures.routing.unrouted:app")
    assert "error[phantom_task_not_routed]" in text
    assert "remote.tasks.add" in text
