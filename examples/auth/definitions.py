"""The auth app: `jwt_auth` verifies the token and provides the user, `rbac` checks the role.

Tasks list the middleware outermost first, so `jwt_auth` has provided the user before `rbac`
reads it, and both have run before the task body does.

Over HTTP the exposure does the verifying: `verify_bearer` turns the request's
`Authorization: Bearer <jwt>` into the caller (`PrincipalAuth`), which the exposure provides in
`auth_user` around the call; `jwt_auth` then finds the user already there. `whoami` has a
per-user rate limit keyed on that user, never on anything the client writes in the body.
"""

from __future__ import annotations

from examples.auth.models import (
    Authenticated,
    AuthFailure,
    AuthUser,
    DeleteUserInput,
    Forbidden,
    GetProfileInput,
    JwtConfig,
    Profile,
    RbacConfig,
)
from examples.auth.services import (
    DEMO_SECRET,
    TokenRejected,
    UserDirectory,
    verify_bearer,
    verify_token,
)
from runner_gen import AsyncContext, TaskCall, globals, r
from runner_gen.remote import PrincipalAuth, http_exposure

# -- the context and the errors ----------------------------------------------------------------

auth_user = r.async_context("auth.contexts.user").schema(AuthUser).build()

unauthorized = (
    r.error("auth.errors.unauthorized")
    .data_schema(AuthFailure)
    .http_code(401)
    .format(lambda failure: f"Unauthorized: {failure.reason}")
    .build()
)
forbidden = (
    r.error("auth.errors.forbidden")
    .data_schema(Forbidden)
    .http_code(403)
    .format(lambda f: f"Forbidden: role {f.role!r} is not one of {', '.join(f.allowed_roles)}")
    .build()
)

# -- middleware --------------------------------------------------------------------------------


async def authenticate(
    call: TaskCall, config: JwtConfig, *, user: AsyncContext[AuthUser]
) -> object:
    if user.has():  # the HTTP exposure verified the bearer token and provided the caller
        return await call.next(call.input)
    token = call.input.token if isinstance(call.input, Authenticated) else None
    if not token:
        raise unauthorized.new(AuthFailure(reason="missing token"))
    try:
        verified = verify_token(token, config.secret, config.algorithm)
    except TokenRejected as rejected:
        raise unauthorized.new(AuthFailure(reason=str(rejected))) from None
    # The value lives only for this call tree: it is gone when `next` returns or raises.
    with user.provide(verified):
        return await call.next(call.input)


jwt_auth = (
    r.middleware.task("auth.middleware.jwt_auth")
    .config_schema(JwtConfig)
    .dependencies(user=auth_user)
    .run(authenticate)
    .build()
)


async def check_role(call: TaskCall, config: RbacConfig, *, user: AsyncContext[AuthUser]) -> object:
    caller = user.use()  # ContextError if jwt_auth did not run first: a wiring mistake
    if caller.role not in config.allowed_roles:
        raise forbidden.new(Forbidden(role=caller.role, allowed_roles=config.allowed_roles))
    return await call.next(call.input)


rbac = (
    r.middleware.task("auth.middleware.rbac")
    .config_schema(RbacConfig)
    .dependencies(user=auth_user)
    .run(check_role)
    .build()
)

# -- resources and tasks -----------------------------------------------------------------------


async def open_directory() -> UserDirectory:
    directory = UserDirectory()
    directory.add(Profile(user_id="u-1", role="user", name="Ada"))
    directory.add(Profile(user_id="u-2", role="admin", name="Grace"))
    return directory


directory = r.resource("auth.directory").init(open_directory).build()


async def get_profile(
    input: GetProfileInput, *, user: AsyncContext[AuthUser], directory: UserDirectory
) -> Profile | None:
    return directory.profiles.get(user.use().user_id)


get_profile_task = (
    r.task("auth.tasks.get_profile")
    .dependencies(user=auth_user, directory=directory)
    .middleware(jwt_auth.with_(secret=DEMO_SECRET))
    .run(get_profile)
    .build()
)


async def delete_user(input: DeleteUserInput, *, directory: UserDirectory) -> bool:
    return directory.profiles.pop(input.user_id, None) is not None


delete_user_task = (
    r.task("auth.tasks.delete_user")
    .dependencies(directory=directory)
    .middleware(jwt_auth.with_(secret=DEMO_SECRET), rbac.with_(allowed_roles=["admin"]))
    .run(delete_user)
    .build()
)


async def whoami(*, user: AsyncContext[AuthUser], directory: UserDirectory) -> Profile | None:
    return directory.profiles.get(user.use().user_id)


def per_user(_input: object) -> str:
    """The rate limit's key: the verified caller, which a client cannot choose."""
    return auth_user.use().user_id


whoami_task = (
    r.task("auth.tasks.whoami")
    .dependencies(user=auth_user, directory=directory)
    .middleware(
        jwt_auth.with_(secret=DEMO_SECRET),
        globals.middleware.task.rate_limit.with_(window_ms=60_000, max=3, key_fn=per_user),
    )
    .run(whoami)
    .build()
)

exposure = http_exposure("auth.exposure").with_(
    principal=PrincipalAuth(context=auth_user, verify=verify_bearer),
    allow_task_ids=("auth.tasks.*",),
    port_env="AUTH_PORT",
)

app = (
    r.resource("auth")
    .register(
        auth_user,
        unauthorized,
        forbidden,
        jwt_auth,
        rbac,
        directory,
        get_profile_task,
        delete_user_task,
        whoami_task,
        exposure,
    )
    .build()
)
