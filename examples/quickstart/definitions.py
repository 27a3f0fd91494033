"""The quickstart app's definitions: what `runner-gen build` compiles into `generated/`."""

from __future__ import annotations

from examples.quickstart.models import AppConfig, DatabaseConfig, NewUser, Route, User
from examples.quickstart.services import Audit, Database, Outbox
from runner_gen import Emission, Emit, Health, TagAccessor, globals, r
from runner_gen.runtime.logging.logger import Logger

# -- resources -------------------------------------------------------------------------------


async def open_database(config: DatabaseConfig, *, logger: Logger) -> Database:
    await logger.info("database opened", data={"name": config.name})
    return Database(config.name)


async def close_database(database: Database) -> None:
    database.open = False


async def check_database(database: Database) -> Health:
    if database.open:
        return Health("healthy")
    return Health("unhealthy", "the database is closed")


database = (
    r.resource("app.database")
    .config_schema(DatabaseConfig)
    .dependencies(logger=globals.resources.logger)
    .init(open_database)
    .dispose(close_database)
    .health(check_database)
    .build()
)


async def create_outbox() -> Outbox:
    return Outbox()


outbox = r.resource("app.outbox").init(create_outbox).build()


async def create_audit() -> Audit:
    return Audit()


audit = r.resource("app.audit").init(create_audit).build()

# -- events and hooks ------------------------------------------------------------------------

user_registered = r.event("app.events.user_registered").payload_schema(User).build()


async def send_welcome(event: Emission[User], *, outbox: Outbox) -> None:
    await outbox.send(f"to {event.data.email}: welcome, {event.data.name}!")


async def record_registration(event: Emission[User], *, audit: Audit) -> None:
    audit.entries.append(f"{event.id}: user {event.data.id}")


welcome = (
    r.hook("app.hooks.send_welcome")
    .on(user_registered)
    .order(1)
    .dependencies(outbox=outbox)
    .run(send_welcome)
    .build()
)
record = (
    r.hook("app.hooks.record_registration")
    .on(user_registered)
    .order(2)
    .dependencies(audit=audit)
    .run(record_registration)
    .build()
)

# -- tasks -----------------------------------------------------------------------------------

http_route = r.tag("app.tags.http_route").config_schema(Route).for_("tasks").build()


async def register_user(input: NewUser, *, database: Database, user_registered: Emit[User]) -> User:
    # The email is the idempotency key, so the retry below can never create a second user.
    user = await database.insert_once(input.name, input.email)
    # A failing hook raises HookError here, which retry does not retry by default: the user
    # exists by then, and only the listener failed.
    await user_registered(user)
    return user


register = (
    r.task("app.tasks.register_user")
    .dependencies(database=database, user_registered=user_registered)
    # Retries a transient database failure; safe because insert_once is idempotent.
    .middleware(globals.middleware.task.retry.with_(retries=2))
    .tags(http_route.with_(method="POST", path="/users"))
    .run(register_user)
    .build()
)


async def count_users(*, database: Database) -> int:
    return len(database.users)


count = (
    r.task("app.tasks.count_users")
    .dependencies(database=database)
    .tags(http_route.with_(method="GET", path="/users/count"))
    .run(count_users)
    .build()
)


async def list_routes(*, routes: TagAccessor[Route]) -> list[str]:
    return [f"{t.config.method} {t.config.path} -> {t.id}" for t in routes.tasks]


describe_routes = (
    r.task("app.tasks.list_routes").dependencies(routes=http_route).run(list_routes).build()
)

# -- the app ---------------------------------------------------------------------------------


async def init_app(config: AppConfig, *, logger: Logger) -> str:
    await logger.info("app started", data={"greeting": config.greeting})
    return config.greeting


app = (
    r.resource("app")
    .config_schema(AppConfig)
    .dependencies(logger=globals.resources.logger)
    .register(
        globals.resources.metrics,
        database.with_(name="quickstart"),
        outbox,
        audit,
        user_registered,
        welcome,
        record,
        http_route,
        register,
        count,
        describe_routes,
    )
    .init(init_app)
    .build()
)
