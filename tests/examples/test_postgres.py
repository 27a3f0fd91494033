"""The postgres example against the real server on 127.0.0.1:5432 (database `test`)."""

from __future__ import annotations

import asyncio
import secrets
import subprocess
import sys
from collections.abc import AsyncIterator

import asyncpg
import pytest

from examples.postgres.definitions import CREATED
from examples.postgres.generated import App, running, start
from examples.postgres.models import DEFAULT_DSN, DSN_ENV, NewPair, NewUser
from runner_gen import DisposedError
from tests.conftest import require_service
from tests.support.build import REPO

ADA = NewUser(name="Ada", email="ada@example.com")


@pytest.fixture(autouse=True)
def postgres(monkeypatch: pytest.MonkeyPatch) -> None:
    require_service("PostgreSQL", "127.0.0.1", 5432)
    monkeypatch.delenv(DSN_ENV, raising=False)


@pytest.fixture
async def app() -> AsyncIterator[App]:
    async with running() as started:
        yield started


async def scalar(sql: str, *args: object) -> object:
    """Ask the server directly, on a connection of our own, not the app's pool."""
    connection = await asyncpg.connect(DEFAULT_DSN)
    try:
        return await connection.fetchval(sql, *args)
    finally:
        await connection.close()


async def schema_exists(name: str) -> bool:
    found = await scalar(
        "SELECT count(*) FROM information_schema.schemata WHERE schema_name = $1", name
    )
    return found == 1


async def test_a_created_user_can_be_read_back(app: App) -> None:
    ada = await app.tasks.create_user(ADA)
    alan = await app.tasks.create_user(NewUser(name="Alan", email="alan@example.com"))
    assert alan.id == ada.id + 1
    assert await app.tasks.get_user(ada.id) == ada
    assert await app.tasks.get_user(alan.id + 100) is None


async def test_the_table_enforces_unique_emails(app: App) -> None:
    await app.tasks.create_user(ADA)
    with pytest.raises(asyncpg.UniqueViolationError):
        await app.tasks.create_user(NewUser(name="Other Ada", email=ADA.email))


async def test_two_running_apps_never_see_each_others_rows() -> None:
    async with running() as first, running() as second:
        assert first.resources.users.schema != second.resources.users.schema
        ada = await first.tasks.create_user(ADA)
        assert await second.tasks.get_user(ada.id) is None
        # Same email, other schema: no unique violation across apps.
        assert (await second.tasks.create_user(ADA)).email == ADA.email


async def test_dispose_drops_the_schema_and_closes_the_pool() -> None:
    async with running() as app:
        schema = app.resources.users.schema
        await app.tasks.create_user(ADA)
        assert await schema_exists(schema)
    assert not await schema_exists(schema)
    with pytest.raises(asyncpg.InterfaceError, match="pool is closed"):
        await app.resources.pool.acquire()
    # A disposed app's tasks refuse at once, before touching the closed pool (Runner's error).
    with pytest.raises(DisposedError):
        await app.tasks.get_user(1)


async def test_a_dsn_naming_a_missing_database_fails_the_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(DSN_ENV, "postgresql://postgres@127.0.0.1:5432/no_such_database_here")
    with pytest.raises(asyncpg.InvalidCatalogNameError):
        await start()


async def test_an_unreachable_server_fails_the_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DSN_ENV, "postgresql://postgres@127.0.0.1:1/test")
    with pytest.raises(OSError):
        await start()


async def test_a_failure_after_the_pool_opened_closes_the_pool(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The pool connects fine, but a read-only session makes the repository's CREATE SCHEMA
    # fail: the start must roll back and close the pool, leaving no connection behind.
    name = f"leak-check-{secrets.token_hex(4)}"
    monkeypatch.setenv(
        DSN_ENV, f"{DEFAULT_DSN}?application_name={name}&default_transaction_read_only=on"
    )
    with pytest.raises(asyncpg.ReadOnlySQLTransactionError):
        await start()
    query = "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1"
    for _ in range(50):  # a closed backend leaves pg_stat_activity shortly after, not at once
        if await scalar(query, name) == 0:
            break
        await asyncio.sleep(0.05)
    assert await scalar(query, name) == 0


def test_the_demo_runs_against_the_server() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "examples.postgres"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    lines = result.stdout.splitlines()
    assert lines[0].startswith("schema: runner_gen_example_")
    assert "created: id=1 name='Ada' email='ada@example.com'" in lines
    assert "missing: None" in lines
    assert lines[-1] == "pool closed after dispose: True"


async def rows(app: App) -> object:
    return await scalar(f'SELECT count(*) FROM "{app.resources.users.schema}".users')


async def test_a_call_scoped_unit_of_work_commits_both_rows_together(app: App) -> None:
    bo = NewUser(name="Bo", email="bo@example.com")
    pair = await app.tasks.create_pair(NewPair(first=ADA, second=bo))
    assert [user.email for user in pair] == [ADA.email, bo.email]
    assert await rows(app) == 2


async def test_a_failed_call_rolls_its_unit_of_work_back_and_returns_the_connection(
    app: App,
) -> None:
    await app.tasks.create_user(ADA)
    pool = app.resources.pool
    idle = pool.get_idle_size()
    with pytest.raises(asyncpg.UniqueViolationError):  # the second insert repeats Ada's email
        await app.tasks.create_pair(
            NewPair(first=NewUser(name="Cy", email="cy@x.test"), second=ADA)
        )
    assert await rows(app) == 1  # Cy was rolled back with the failed call
    assert pool.get_idle_size() >= idle  # the unit's connection went back to the pool


async def test_each_call_has_its_own_transaction(app: App) -> None:
    pairs = [
        NewPair(first=NewUser(name=f"a{i}", email=f"a{i}@x.test"),
                second=NewUser(name=f"b{i}", email=f"b{i}@x.test"))
        for i in range(4)
    ]  # fmt: skip
    await asyncio.gather(*(app.tasks.create_pair(pair) for pair in pairs))
    assert await rows(app) == 8


async def test_the_hook_hears_each_created_user(app: App) -> None:
    CREATED.clear()
    ada = await app.tasks.create_user(ADA)
    assert [ada.id] == CREATED
