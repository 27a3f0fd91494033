"""Registration: `register_user` emits `user_registered`; three hooks react in order.

Two roots share every definition: `app` registers the analytics resource and
`app_without_analytics` leaves it out. Optional dependencies are resolved when the app is built,
not on each call, so "analytics absent" is a property of a built app: each root gets its own
generated package, `generated/` and `generated/without_analytics/` (nested so that linters skip
it like every generated package), and in the second the hook is wired with a literal `None`.
"""

from __future__ import annotations

from examples.events.models import NewUser, Settings, User, UserRegistered
from examples.events.services import (
    ActivityFeed,
    Analytics,
    Mail,
    Outbox,
    SettingsStore,
    UserStore,
    hash_password,
)
from runner_gen import Emission, Emit, r

# -- resources ---------------------------------------------------------------------------------


async def open_user_store() -> UserStore:
    return UserStore()


user_store = r.resource("events.users").init(open_user_store).build()


async def open_outbox() -> Outbox:
    return Outbox()


outbox = r.resource("events.outbox").init(open_outbox).build()


async def open_settings() -> SettingsStore:
    return SettingsStore()


settings_store = r.resource("events.settings").init(open_settings).build()


async def open_activity() -> ActivityFeed:
    return ActivityFeed()


activity = r.resource("events.activity").init(open_activity).build()


async def open_analytics() -> Analytics:
    return Analytics()


analytics = r.resource("events.analytics").init(open_analytics).build()

# -- the event and the task that emits it -------------------------------------------------------

user_registered = r.event("events.user_registered").payload_schema(UserRegistered).build()


async def register_user(
    input: NewUser, *, users: UserStore, user_registered: Emit[UserRegistered]
) -> User:
    user = users.create(input.email, input.name, hash_password(input.password))
    # Hooks run before this returns, in order; if one raises, the caller gets that error (the
    # user stays created: hooks are side effects, not a transaction).
    await user_registered(UserRegistered(user_id=user.id, email=user.email, name=user.name))
    return user


register = (
    r.task("events.tasks.register_user")
    .dependencies(users=user_store, user_registered=user_registered)
    .run(register_user)
    .build()
)

# -- hooks -------------------------------------------------------------------------------------


async def send_welcome_email(
    event: Emission[UserRegistered], *, outbox: Outbox, activity: ActivityFeed
) -> None:
    await outbox.send(
        Mail(to=event.data.email, subject="Welcome!", body=f"Hello {event.data.name}!")
    )
    activity.entries.append(f"welcome email sent to {event.data.email}")


async def create_user_settings(
    event: Emission[UserRegistered], *, settings: SettingsStore, activity: ActivityFeed
) -> None:
    settings.by_user[event.data.user_id] = Settings(user_id=event.data.user_id)
    activity.entries.append(f"settings created for user {event.data.user_id}")


async def track_registration(
    event: Emission[UserRegistered], *, analytics: Analytics | None, activity: ActivityFeed
) -> None:
    if analytics is None:
        activity.entries.append("analytics not registered: registration not tracked")
        return
    await analytics.track("user_registered", {"user_id": event.data.user_id})
    activity.entries.append(f"registration of user {event.data.user_id} tracked")


welcome = (
    r.hook("events.hooks.send_welcome_email")
    .on(user_registered)
    .order(1)
    .dependencies(outbox=outbox, activity=activity)
    .run(send_welcome_email)
    .build()
)
create_settings = (
    r.hook("events.hooks.create_user_settings")
    .on(user_registered)
    .order(2)
    .dependencies(settings=settings_store, activity=activity)
    .run(create_user_settings)
    .build()
)
track = (
    r.hook("events.hooks.track_registration")
    .on(user_registered)
    .order(3)
    .dependencies(analytics=analytics.optional(), activity=activity)
    .run(track_registration)
    .build()
)

# Registration order differs from hook order on purpose: `order` decides, not the list.
_shared = (
    user_store,
    outbox,
    settings_store,
    activity,
    user_registered,
    track,
    create_settings,
    welcome,
)

app = r.resource("events").register(*_shared, register, analytics).build()
app_without_analytics = r.resource("events").register(*_shared, register).build()
