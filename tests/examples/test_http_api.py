"""The HTTP API example on real uvicorn (127.0.0.1, port 0) with real httpx."""

from __future__ import annotations

import asyncio
import re
import signal
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest

from examples.auth.models import AuthUser
from examples.auth.services import DEMO_SECRET, issue_token
from examples.http_api.generated import App, running, start
from examples.http_api.models import Health, NewUser, Route, ServerConfig
from examples.http_api.router import ApiApp, RouteError, RouteTable
from runner_gen import TaggedTask
from runner_gen.runtime.errors import RunnerError
from runner_gen.runtime.exposure import ExposureStartError
from runner_gen.runtime.logging.logger import Logger, LoggerConfig
from runner_gen.runtime.logging.record import LogRecord
from tests.support.build import REPO

ADMIN = issue_token(DEMO_SECRET, AuthUser(user_id="u-9", role="admin"))
USER = issue_token(DEMO_SECRET, AuthUser(user_id="u-1", role="user"))
GENERIC_500 = {"error": {"id": "internal_error", "message": "Internal server error"}}


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


@pytest.fixture
async def app() -> AsyncIterator[App]:
    async with running(ServerConfig(port=0, max_body_bytes=2_000)) as started:
        started.resources.logger.set_print_threshold(None)
        yield started


@pytest.fixture
async def http(app: App) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=app.resources.server.url) as client:
        yield client


async def add_users(http: httpx.AsyncClient, *names: str) -> list[dict[str, Any]]:
    created = []
    for name in names:
        response = await http.post("/users", json={"name": name, "email": f"{name}@x.test"})
        assert response.status_code == 201
        created.append(response.json())
    return created


# -- routing -------------------------------------------------------------------------------------


async def test_the_server_reports_the_port_it_bound(app: App) -> None:
    server = app.resources.server
    assert server.port > 0
    assert server.url == f"http://127.0.0.1:{server.port}"


async def test_a_task_without_input_answers_get(http: httpx.AsyncClient) -> None:
    response = await http.get("/health")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})
    assert response.headers["content-type"] == "application/json"


async def test_post_creates_from_the_json_body_with_the_routes_status(
    http: httpx.AsyncClient,
) -> None:
    response = await http.post("/users", json={"name": "Ada", "email": "ada@x.test"})
    assert response.status_code == 201
    assert response.json() == {"id": 1, "name": "Ada", "email": "ada@x.test"}


async def test_the_query_string_becomes_input(http: httpx.AsyncClient) -> None:
    await add_users(http, "a", "b", "c")
    response = await http.get("/users", params={"limit": "1", "offset": "1"})
    assert [user["name"] for user in response.json()] == ["b"]


async def test_path_parameters_become_typed_input(http: httpx.AsyncClient) -> None:
    [ada] = await add_users(http, "ada")
    response = await http.get(f"/users/{ada['id']}", headers=bearer(USER))
    assert (response.status_code, response.json()) == (200, ada)


async def test_the_path_wins_over_query_and_body(http: httpx.AsyncClient) -> None:
    first, second = await add_users(http, "first", "second")
    response = await http.request(
        "DELETE",
        f"/users/{first['id']}?id={second['id']}",
        json={"id": second["id"]},
        headers=bearer(ADMIN),
    )
    assert response.json() == {"id": first["id"], "deleted": True}
    remaining = (await http.get("/users")).json()
    assert [user["id"] for user in remaining] == [second["id"]]


async def test_an_unknown_path_is_404(http: httpx.AsyncClient) -> None:
    response = await http.get("/nowhere")
    assert response.status_code == 404
    assert response.json()["error"]["id"] == "not_found"


async def test_a_known_path_with_another_method_is_405_with_allow(
    http: httpx.AsyncClient,
) -> None:
    response = await http.put("/users", json={})
    assert response.status_code == 405
    assert response.headers["allow"] == "POST, GET"


# -- input errors --------------------------------------------------------------------------------


async def test_invalid_input_is_400_with_the_fields_at_fault(http: httpx.AsyncClient) -> None:
    response = await http.post("/users", json={"name": "", "email": "not-an-email"})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["id"] == "validation"
    assert {tuple(detail["loc"]) for detail in error["details"]} == {("name",), ("email",)}
    assert "input" not in error["details"][0]  # never echo what the client sent


async def test_a_path_parameter_of_the_wrong_type_is_400(http: httpx.AsyncClient) -> None:
    response = await http.get("/users/abc", headers=bearer(USER))
    assert response.status_code == 400
    assert response.json()["error"]["details"][0]["loc"] == ["id"]


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b"\xff\xfe"])
async def test_a_body_that_is_not_a_json_object_is_400(
    http: httpx.AsyncClient, body: bytes
) -> None:
    response = await http.post("/users", content=body)
    assert response.status_code == 400
    assert response.json()["error"]["id"] == "invalid_json"


async def test_a_body_over_the_limit_is_413(http: httpx.AsyncClient) -> None:
    response = await http.post("/users", json={"name": "x" * 3_000, "email": "a@b.c"})
    assert response.status_code == 413


# -- auth (the auth example's middleware) ---------------------------------------------------------


async def test_no_token_is_401(http: httpx.AsyncClient) -> None:
    response = await http.get("/users/1")
    assert response.status_code == 401
    assert response.json() == {
        "error": {"id": "auth.errors.unauthorized", "message": "Unauthorized: missing token"}
    }


@pytest.mark.parametrize("header", ["Bearer forged.token.here", f"Basic {ADMIN}", "Bearer"])
async def test_a_bad_or_non_bearer_authorization_is_401(
    http: httpx.AsyncClient, header: str
) -> None:
    response = await http.get("/users/1", headers={"authorization": header})
    assert response.status_code == 401


async def test_the_header_token_wins_over_a_token_in_the_body(http: httpx.AsyncClient) -> None:
    [ada] = await add_users(http, "ada")
    response = await http.request(
        "DELETE", f"/users/{ada['id']}", json={"token": ADMIN}, headers=bearer(USER)
    )
    assert response.status_code == 403


async def test_the_wrong_role_is_403_and_an_admin_passes(http: httpx.AsyncClient) -> None:
    [ada] = await add_users(http, "ada")
    refused = await http.delete(f"/users/{ada['id']}", headers=bearer(USER))
    assert refused.status_code == 403
    assert refused.json()["error"]["id"] == "auth.errors.forbidden"
    allowed = await http.delete(f"/users/{ada['id']}", headers=bearer(ADMIN))
    assert (allowed.status_code, allowed.json()) == (200, {"id": ada["id"], "deleted": True})


async def test_a_typed_error_answers_with_its_http_code(http: httpx.AsyncClient) -> None:
    response = await http.get("/users/42", headers=bearer(USER))
    assert response.status_code == 404
    assert response.json()["error"] == {
        "id": "http_api.errors.user_not_found",
        "message": "No user with id 42",
    }


# -- faults --------------------------------------------------------------------------------------


async def test_an_unexpected_error_is_a_generic_500_and_is_logged_in_full(
    app: App, http: httpx.AsyncClient
) -> None:
    records: list[LogRecord] = []
    app.resources.logger.on_log(records.append)
    app.resources.directory.fail_writes = True
    response = await http.post("/users", json={"name": "Ada", "email": "ada@x.test"})
    assert response.status_code == 500
    assert response.json() == GENERIC_500
    assert "I/O error" not in response.text
    assert "Traceback" not in response.text
    [record] = records
    assert record.level == "error"
    assert record.data == {"task_id": "http_api.tasks.create_user"}
    assert record.error is not None
    assert "I/O error" in record.error["message"]
    assert "StorageFault" in str(record.error["stack"])


async def test_the_server_keeps_serving_after_a_500(app: App, http: httpx.AsyncClient) -> None:
    app.resources.directory.fail_writes = True
    assert (await http.post("/users", json={"name": "A", "email": "a@x.test"})).status_code == 500
    app.resources.directory.fail_writes = False
    assert (await http.post("/users", json={"name": "A", "email": "a@x.test"})).status_code == 201


async def test_a_busy_port_fails_the_start_and_the_first_server_keeps_serving(
    app: App, http: httpx.AsyncClient
) -> None:
    with pytest.raises(ExposureStartError, match="Cannot listen"):
        await start(ServerConfig(port=app.resources.server.port))
    assert (await http.get("/health")).status_code == 200


# -- graceful shutdown ---------------------------------------------------------------------------


async def wait_until(condition: Callable[[], bool]) -> None:
    async with asyncio.timeout(5):
        # Polling: uvicorn's request set has no event to wait on.
        while not condition():  # noqa: ASYNC110
            await asyncio.sleep(0.01)


async def test_dispose_refuses_new_connections_and_lets_in_flight_requests_finish() -> None:
    app = await start(ServerConfig(port=0, drain_timeout_s=10))
    app.resources.logger.set_print_threshold(None)
    server = app.resources.server
    async with httpx.AsyncClient(base_url=server.url) as slow_client:
        slow = asyncio.ensure_future(slow_client.get("/reports/weekly", params={"delay_ms": 500}))
        await wait_until(lambda: server.in_flight == 1)
        disposing = asyncio.ensure_future(app.dispose())
        await asyncio.sleep(0.05)
        async with httpx.AsyncClient(base_url=server.url) as newcomer:
            with pytest.raises(httpx.ConnectError):
                await newcomer.get("/health")
        response = await slow
        await disposing
    assert (response.status_code, response.json()) == (200, {"name": "weekly", "users": 0})
    assert server.cancelled_on_stop == 0


async def test_requests_on_kept_alive_connections_get_503_while_draining() -> None:
    app = await start(ServerConfig(port=0, drain_timeout_s=10))
    app.resources.logger.set_print_threshold(None)
    server = app.resources.server
    async with (
        httpx.AsyncClient(base_url=server.url) as idle,
        httpx.AsyncClient(base_url=server.url) as busy,
    ):
        assert (await idle.get("/health")).status_code == 200  # opens a kept-alive connection
        slow = asyncio.ensure_future(busy.get("/reports/r", params={"delay_ms": 500}))
        await wait_until(lambda: server.in_flight == 1)
        disposing = asyncio.ensure_future(app.dispose())
        await asyncio.sleep(0.05)
        late = await idle.get("/health")
        assert (await slow).status_code == 200
        await disposing
    assert late.status_code == 503
    assert late.json()["error"]["id"] == "unavailable"


async def test_requests_outliving_the_drain_timeout_are_cut_with_503() -> None:
    app = await start(ServerConfig(port=0, drain_timeout_s=0.2))
    app.resources.logger.set_print_threshold(None)
    server = app.resources.server
    async with httpx.AsyncClient(base_url=server.url) as client:
        stuck = asyncio.ensure_future(client.get("/reports/r", params={"delay_ms": 30_000}))
        await wait_until(lambda: server.in_flight == 1)
        began = time.monotonic()
        await app.dispose()
        assert time.monotonic() - began < 10  # long before the 30 s report
        response = await stuck
    assert response.status_code == 503
    assert server.cancelled_on_stop == 1


# -- the route table and ASGI edges, without a server ---------------------------------------------


async def answer() -> Health:
    return Health()


async def echo(input: NewUser) -> NewUser:
    return input


def tagged(path: str, *, method: str = "GET", takes_input: bool = False) -> TaggedTask[Route]:
    config = Route(method=method, path=path, input=NewUser if takes_input else None)  # type: ignore[arg-type]
    return TaggedTask(
        f"t{path}{method}", config, echo if takes_input else answer, takes_input=takes_input
    )


def test_two_tasks_on_one_method_and_path_are_refused() -> None:
    with pytest.raises(RouteError, match="GET /a"):
        RouteTable([tagged("/a"), tagged("/a")])
    with pytest.raises(RouteError, match=re.escape("GET /a/{x}")):
        RouteTable([tagged("/a/{x}"), tagged("/a/{x}")])


def test_a_route_for_a_task_with_input_must_name_its_model() -> None:
    route = TaggedTask("t", Route(method="POST", path="/p"), answer, takes_input=True)
    with pytest.raises(RouteError, match="input model"):
        RouteTable([route])


def test_a_parameter_named_twice_is_refused() -> None:
    with pytest.raises(RouteError, match="twice"):
        RouteTable([tagged("/a/{x}/b/{x}")])


def test_templated_paths_match_whole_segments_only() -> None:
    table = RouteTable([tagged("/files/{name}.json"), tagged("/a/{x}/b", method="POST")])
    endpoint, params, _ = table.resolve("GET", "/files/report.json")
    assert endpoint is not None
    assert params == {"name": "report"}
    endpoint, _, methods = table.resolve("GET", "/files/a/b.json")
    assert endpoint is None
    assert not methods
    endpoint, _, methods = table.resolve("GET", "/a/1/b")
    assert endpoint is None
    assert tuple(methods) == ("POST",)
    assert not table.resolve("POST", "/a/1/b/c")[2]


def asgi_app() -> ApiApp:
    return ApiApp(
        RouteTable([tagged("/p", method="POST", takes_input=True)]),
        Logger(LoggerConfig(print_threshold=None)),
        max_body_bytes=100,
    )


async def call_asgi(
    app: ApiApp, scope: dict[str, Any], receive: Callable[[], Awaitable[dict[str, Any]]]
) -> list[dict[str, Any]]:
    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    return sent


async def test_a_client_that_disconnects_mid_body_gets_no_task_call() -> None:
    async def disconnect() -> dict[str, Any]:
        return {"type": "http.disconnect"}

    scope = {"type": "http", "method": "POST", "path": "/p", "query_string": b"", "headers": []}
    sent = await call_asgi(asgi_app(), scope, disconnect)
    assert sent[0]["status"] == 400


async def test_a_body_arriving_in_chunks_is_joined() -> None:
    chunks = iter([b'{"name": "A", ', b'"email": "a@b.c"}'])

    async def receive() -> dict[str, Any]:
        chunk = next(chunks)
        return {"type": "http.request", "body": chunk, "more_body": chunk.endswith(b", ")}

    scope = {"type": "http", "method": "POST", "path": "/p", "query_string": b"", "headers": []}
    sent = await call_asgi(asgi_app(), scope, receive)
    assert sent[0]["status"] == 200
    assert sent[1]["body"] == b'{"name":"A","email":"a@b.c"}'


async def test_non_http_scopes_are_ignored() -> None:
    async def never() -> dict[str, Any]:
        raise AssertionError("nothing to receive")

    assert await call_asgi(asgi_app(), {"type": "lifespan"}, never) == []


async def test_cancellation_outside_a_shutdown_propagates() -> None:
    async def hang() -> dict[str, Any]:
        await asyncio.sleep(30)
        raise AssertionError("unreachable")

    scope = {"type": "http", "method": "POST", "path": "/p", "query_string": b"", "headers": []}
    call = asyncio.ensure_future(call_asgi(asgi_app(), scope, hang))
    await asyncio.sleep(0.01)
    call.cancel()
    with pytest.raises(asyncio.CancelledError):
        await call


def test_the_demo_shows_each_status() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "examples.http_api"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    statuses = [line.split(" -> ")[1][:3] for line in result.stdout.splitlines() if " -> " in line]
    assert statuses == ["200", "201", "400", "200", "401", "200", "404", "403", "200", "404"]


async def test_a_typed_error_without_an_http_code_stays_a_generic_500() -> None:
    async def broken() -> Health:
        raise RunnerError("connection string postgres://admin:hunter2@db leaked")

    records: list[LogRecord] = []
    logger = Logger(LoggerConfig(print_threshold=None))
    logger.on_log(records.append)
    api = ApiApp(
        RouteTable([TaggedTask("t", Route(method="GET", path="/b"), broken, takes_input=False)]),
        logger,
        max_body_bytes=10,
    )

    async def no_body() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    scope = {"type": "http", "method": "GET", "path": "/b", "query_string": b"", "headers": []}
    sent = await call_asgi(api, scope, no_body)
    assert sent[0]["status"] == 500
    assert sent[1]["body"] == b'{"error":{"id":"internal_error","message":"Internal server error"}}'
    assert [record.data["task_id"] for record in records] == ["t"]


def test_serve_mode_runs_until_sigterm_and_exits_cleanly() -> None:
    with subprocess.Popen(
        [sys.executable, "-m", "examples.http_api", "serve", "0"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    ) as process:
        try:
            assert process.stdout is not None
            url = None
            for line in process.stdout:  # the "listening" log record carries the bound url
                found = re.search(r'"url":"(http://127\.0\.0\.1:\d+)"', line)
                if found:
                    url = found.group(1)
                    break
            assert url is not None
            assert httpx.get(f"{url}/health").json() == {"status": "ok"}
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=20) == 0
            assert "stopped" in process.stdout.read()
        finally:
            if process.poll() is None:
                process.kill()
