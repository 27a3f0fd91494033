"""Who gets in: static tokens, bearer verification, anonymous opt-in, and failing closed."""

from __future__ import annotations

import logging

import pytest

from runner_gen.runtime.exposure import ExposureApp, ExposureConfig, TaskRoute
from runner_gen.runtime.exposure.auth import Authenticator

from .helpers import TOKEN, Recorder, post_head, raw_exchange, serving

UNAUTHORIZED = b'{"ok":false,"error":{"message":"Unauthorized","code":"UNAUTHORIZED"}}'


def echo_route() -> TaskRoute:
    return TaskRoute(id="app.tasks.echo", call=Recorder())


async def test_a_request_without_token_gets_401_and_the_task_is_not_called() -> None:
    task = Recorder()
    async with serving([TaskRoute(id="app.tasks.echo", call=task)], client_headers={}) as served:
        response = await served.client.post("/task/app.tasks.echo", json={"input": 1})
    assert response.status_code == 401
    assert response.content == UNAUTHORIZED
    assert task.calls == []


async def test_a_wrong_token_gets_401() -> None:
    async with serving([echo_route()], client_headers={"x-runner-token": "s3cret2"}) as served:
        response = await served.client.post("/task/app.tasks.echo", json={"input": 1})
    assert response.status_code == 401
    assert response.content == UNAUTHORIZED


async def test_any_of_several_tokens_is_accepted() -> None:
    config = ExposureConfig(tokens=("first", "second"))
    async with serving(
        [echo_route()], config=config, client_headers={"x-runner-token": "second"}
    ) as served:
        response = await served.client.post("/task/app.tasks.echo", json={"input": 5})
    assert response.json() == {"ok": True, "result": 5}


async def test_a_non_ascii_token_is_just_a_wrong_token() -> None:
    async with serving([echo_route()]) as served:
        head = post_head(
            "/__runner/task/app.tasks.echo", "content-length: 2", token="s3crét"
        ).replace("s3crét".encode("latin-1"), "s3crét".encode())
        response = await raw_exchange(served.running.port, head + b"{}")
    assert response.status == 401
    assert response.body == UNAUTHORIZED


async def test_a_configured_non_ascii_token_matches_its_utf8_bytes() -> None:
    config = ExposureConfig(tokens=("clé",))
    async with serving([echo_route()], config=config) as served:
        head = post_head("/__runner/task/app.tasks.echo", "content-length: 2", token="x")
        head = head.replace(b"x-runner-token: x", "x-runner-token: clé".encode())
        response = await raw_exchange(served.running.port, head + b"{}")
    assert response.status == 200


async def test_two_token_headers_are_refused_even_if_one_is_right() -> None:
    async with serving([echo_route()]) as served:
        head = post_head(
            "/__runner/task/app.tasks.echo", "x-runner-token: wrong", "content-length: 2"
        )
        response = await raw_exchange(served.running.port, head + b"{}")
    assert response.status == 401


async def test_the_token_header_name_is_configurable() -> None:
    config = ExposureConfig(tokens=(TOKEN,), header="X-Api-Key")
    async with serving(
        [echo_route()], config=config, client_headers={"x-api-key": TOKEN}
    ) as served:
        accepted = await served.client.post("/task/app.tasks.echo", json={"input": 1})
        default_header = await served.client.post(
            "/task/app.tasks.echo",
            json={"input": 1},
            headers={"x-runner-token": TOKEN, "x-api-key": ""},
        )
    assert accepted.status_code == 200
    assert default_header.status_code == 401


def bearer_config(accepted: str = "good-token") -> tuple[ExposureConfig, list[str]]:
    seen: list[str] = []

    async def verify(token: str) -> bool:
        seen.append(token)
        if token == "explode":
            raise RuntimeError("verifier backend down")
        return token == accepted

    return ExposureConfig(verify=verify), seen


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER"])
async def test_a_bearer_token_the_verifier_accepts_passes(scheme: str) -> None:
    config, seen = bearer_config()
    headers = {"authorization": f"{scheme} good-token"}
    async with serving([echo_route()], config=config, client_headers=headers) as served:
        response = await served.client.post("/task/app.tasks.echo", json={"input": 1})
    assert response.status_code == 200
    assert seen == ["good-token"]


@pytest.mark.parametrize(
    "authorization",
    [
        "Bearer bad-token",
        "Basic Z29vZC10b2tlbg==",
        "Bearer",
        "Bearer good-token extra",
        "good-token",
    ],
)
async def test_bearer_tokens_the_verifier_does_not_accept_get_401(authorization: str) -> None:
    config, _ = bearer_config()
    async with serving(
        [echo_route()], config=config, client_headers={"authorization": authorization}
    ) as served:
        response = await served.client.post("/task/app.tasks.echo", json={"input": 1})
    assert response.status_code == 401
    assert response.content == UNAUTHORIZED


async def test_without_an_authorization_header_the_verifier_is_not_called() -> None:
    config, seen = bearer_config()
    async with serving([echo_route()], config=config, client_headers={}) as served:
        response = await served.client.post("/task/app.tasks.echo", json={"input": 1})
    assert response.status_code == 401
    assert seen == []


async def test_a_verifier_that_raises_rejects_and_logs(caplog: pytest.LogCaptureFixture) -> None:
    config, seen = bearer_config()
    async with serving(
        [echo_route()], config=config, client_headers={"authorization": "Bearer explode"}
    ) as served:
        with caplog.at_level(logging.WARNING, logger="runner_gen.exposure"):
            response = await served.client.post("/task/app.tasks.echo", json={"input": 1})
    assert response.status_code == 401
    assert seen == ["explode"]
    record = next(r for r in caplog.records if r.getMessage() == "exposure.auth.verifier_error")
    assert record.exc_info is not None
    assert b"backend down" not in response.content


async def test_a_non_ascii_bearer_token_is_rejected_without_calling_the_verifier() -> None:
    config, seen = bearer_config()
    async with serving([echo_route()], config=config) as served:
        head = post_head("/__runner/task/app.tasks.echo", "content-length: 2")
        head = head.replace(b"x-runner-token: s3cret", "authorization: Bearer tökén".encode())
        response = await raw_exchange(served.running.port, head + b"{}")
    assert response.status == 401
    assert seen == []


async def test_two_authorization_headers_are_refused() -> None:
    config, seen = bearer_config()
    async with serving([echo_route()], config=config) as served:
        head = post_head(
            "/__runner/task/app.tasks.echo",
            "authorization: Bearer good-token",
            "authorization: Bearer other",
            "content-length: 2",
        )
        response = await raw_exchange(served.running.port, head + b"{}")
    assert response.status == 401
    assert seen == []


async def test_a_static_token_passes_without_consulting_the_verifier() -> None:
    seen: list[str] = []

    async def verify(token: str) -> bool:
        seen.append(token)
        return False

    config = ExposureConfig(tokens=(TOKEN,), verify=verify)
    async with serving([echo_route()], config=config) as served:
        response = await served.client.post("/task/app.tasks.echo", json={"input": 1})
    assert response.status_code == 200
    assert seen == []


async def test_without_any_auth_configured_every_request_fails_closed(
    caplog: pytest.LogCaptureFixture,
) -> None:
    config = ExposureConfig()
    with caplog.at_level(logging.WARNING, logger="runner_gen.exposure"):
        ExposureApp(config, {}, {})
    assert any("exposure.auth.not_configured" in r.getMessage() for r in caplog.records)
    async with serving([echo_route()], config=config) as served:
        task = await served.client.post("/task/app.tasks.echo", json={"input": 1})
        discovery = await served.client.get("/discovery")
    for response in (task, discovery):
        assert response.status_code == 500
        assert response.json()["error"] == {
            "message": "Authentication not configured.",
            "code": "AUTH_NOT_CONFIGURED",
        }


async def test_allow_anonymous_opens_the_exposure_but_not_beyond_the_allow_list() -> None:
    config = ExposureConfig(allow_anonymous=True)
    async with serving([echo_route()], config=config, client_headers={}) as served:
        allowed = await served.client.post("/task/app.tasks.echo", json={"input": 3})
        unlisted = await served.client.post("/task/app.tasks.other", json={"input": 3})
    assert allowed.json() == {"ok": True, "result": 3}
    assert unlisted.status_code == 403


async def test_allow_anonymous_does_not_make_a_configured_token_optional() -> None:
    config = ExposureConfig(tokens=(TOKEN,), allow_anonymous=True)
    async with serving([echo_route()], config=config, client_headers={}) as served:
        response = await served.client.post("/task/app.tasks.echo", json={"input": 3})
    assert response.status_code == 401


async def test_an_unauthenticated_caller_learns_nothing_about_which_ids_exist() -> None:
    async with serving([echo_route()], client_headers={}) as served:
        known = await served.client.post("/task/app.tasks.echo", json={"input": 1})
        unknown = await served.client.post("/task/app.tasks.nope", json={"input": 1})
    assert known.status_code == unknown.status_code == 401
    assert known.content == unknown.content


def test_tokens_are_compared_against_every_digest() -> None:
    authenticator = Authenticator(ExposureConfig(tokens=("alpha", "beta", "gamma")))
    assert [authenticator.token_matches(t) for t in (b"alpha", b"beta", b"gamma")] == [True] * 3
    assert not authenticator.token_matches(b"delta")
    assert not authenticator.token_matches(None)
    assert not Authenticator(ExposureConfig(allow_anonymous=True)).token_matches(b"alpha")


def test_an_empty_token_cannot_be_configured() -> None:
    with pytest.raises(ValueError, match="empty"):
        ExposureConfig(tokens=("ok", ""))
