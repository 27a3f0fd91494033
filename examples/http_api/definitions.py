"""The HTTP API app: tasks tagged with `http_api.tags.route` become endpoints.

The root resource is the server: it takes the runtime config (port, drain timeout), depends
on the route tag (`TagAccessor[Route]`, resolved at build time) and starts last, once every
task it serves is wired; it is disposed first, so requests drain before anything they use
goes away. Authentication reuses the auth example's middleware: the router merges the bearer
token into the input as `token`.
"""

from __future__ import annotations

import asyncio

from examples.auth.definitions import auth_user, forbidden, jwt_auth, rbac, unauthorized
from examples.auth.services import DEMO_SECRET
from examples.http_api.models import (
    Deleted,
    Health,
    ListUsers,
    NewUser,
    NotFound,
    Report,
    ReportRequest,
    Route,
    ServerConfig,
    User,
    UserRef,
)
from examples.http_api.router import ApiApp, RouteTable
from examples.http_api.services import UserDirectory
from examples.http_api.serving import HttpServer, serve
from runner_gen import TagAccessor, globals, r
from runner_gen.runtime.logging.logger import Logger

route = r.tag("http_api.tags.route").config_schema(Route).for_("tasks").build()

user_not_found = (
    r.error("http_api.errors.user_not_found")
    .data_schema(NotFound)
    .http_code(404)
    .format(lambda missing: f"No user with id {missing.id}")
    .build()
)

# -- resources ---------------------------------------------------------------------------------


async def open_directory() -> UserDirectory:
    return UserDirectory()


directory = r.resource("http_api.directory").init(open_directory).build()

# -- tasks -------------------------------------------------------------------------------------


async def health() -> Health:
    return Health()


health_task = (
    r.task("http_api.tasks.health")
    .tags(route.with_(method="GET", path="/health"))
    .run(health)
    .build()
)


async def create_user(input: NewUser, *, directory: UserDirectory) -> User:
    return directory.add(input)


create_user_task = (
    r.task("http_api.tasks.create_user")
    .dependencies(directory=directory)
    .tags(route.with_(method="POST", path="/users", input=NewUser, status=201))
    .run(create_user)
    .build()
)


async def list_users(input: ListUsers, *, directory: UserDirectory) -> list[User]:
    return list(directory.users.values())[input.offset : input.offset + input.limit]


list_users_task = (
    r.task("http_api.tasks.list_users")
    .dependencies(directory=directory)
    .tags(route.with_(method="GET", path="/users", input=ListUsers))
    .run(list_users)
    .build()
)


async def get_user(input: UserRef, *, directory: UserDirectory) -> User:
    user = directory.users.get(input.id)
    if user is None:
        raise user_not_found.new(NotFound(id=input.id))
    return user


get_user_task = (
    r.task("http_api.tasks.get_user")
    .dependencies(directory=directory)
    .middleware(jwt_auth.with_(secret=DEMO_SECRET))
    .tags(route.with_(method="GET", path="/users/{id}", input=UserRef))
    .run(get_user)
    .build()
)


async def delete_user(input: UserRef, *, directory: UserDirectory) -> Deleted:
    return Deleted(id=input.id, deleted=directory.users.pop(input.id, None) is not None)


delete_user_task = (
    r.task("http_api.tasks.delete_user")
    .dependencies(directory=directory)
    .middleware(jwt_auth.with_(secret=DEMO_SECRET), rbac.with_(allowed_roles=["admin"]))
    .tags(route.with_(method="DELETE", path="/users/{id}", input=UserRef))
    .run(delete_user)
    .build()
)


async def build_report(input: ReportRequest, *, directory: UserDirectory) -> Report:
    await asyncio.sleep(input.delay_ms / 1000)  # stands in for a slow query
    return Report(name=input.name, users=len(directory.users))


report_task = (
    r.task("http_api.tasks.report")
    .dependencies(directory=directory)
    .tags(route.with_(method="GET", path="/reports/{name}", input=ReportRequest))
    .run(build_report)
    .build()
)

# -- the server (the root) ---------------------------------------------------------------------


async def start_server(
    config: ServerConfig, *, routes: TagAccessor[Route], logger: Logger
) -> HttpServer:
    api = ApiApp(RouteTable(routes.tasks), logger, max_body_bytes=config.max_body_bytes)
    server = await serve(api, config.host, config.port)
    await logger.info("listening", data={"url": server.url, "routes": len(routes.tasks)})
    return server


async def stop_server(server: HttpServer, config: ServerConfig, *, logger: Logger) -> None:
    await server.stop(config.drain_timeout_s)
    await logger.info("stopped", data={"cancelled_requests": server.cancelled_on_stop})


app = (
    r.resource("http_api.server")
    .config_schema(ServerConfig)
    .dependencies(routes=route, logger=globals.resources.logger)
    .register(
        auth_user,
        unauthorized,
        forbidden,
        jwt_auth,
        rbac,
        route,
        user_not_found,
        directory,
        health_task,
        create_user_task,
        list_users_task,
        get_user_task,
        delete_user_task,
        report_task,
    )
    .init(start_server)
    .dispose(stop_server)
    .build()
)
