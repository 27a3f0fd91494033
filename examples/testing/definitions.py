"""The sign-up app: `sign_up` checks the email's reputation (a remote call under a timeout),
stores the account and emits `signed_up`, whose hook mails a welcome."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from examples.testing.models import Account, SignedUp, SignUp
from examples.testing.services import (
    Accounts,
    Mailer,
    PostgresAccounts,
    PrintingMailer,
    RemoteReputation,
    ReputationService,
)
from runner_gen import Emission, Emit, globals, r


async def open_accounts() -> Accounts:
    return await PostgresAccounts.open()


async def close_accounts(accounts: Accounts) -> None:
    await accounts.close()


async def open_mailer() -> Mailer:
    return PrintingMailer()


accounts = r.resource("signup.accounts").init(open_accounts).dispose(close_accounts).build()
mailer = r.resource("signup.mailer").init(open_mailer).build()
signed_up = r.event("signup.events.signed_up").payload_schema(SignedUp).build()


async def welcome(event: Emission[SignedUp], *, mailer: Mailer) -> None:
    await mailer.send(event.data.email, "Welcome!")


welcome_hook = (
    r.hook("signup.hooks.welcome").on(signed_up).dependencies(mailer=mailer).run(welcome).build()
)


async def open_reputation_service() -> ReputationService:
    return RemoteReputation()


reputation_service = r.resource("signup.reputation_service").init(open_reputation_service).build()


async def reputation(input: str, *, service: ReputationService) -> float:
    return await service.score(input)


reputation_task = (
    r.task("signup.tasks.reputation")
    .dependencies(service=reputation_service)
    .middleware(globals.middleware.task.timeout.with_(ttl=2000))
    .run(reputation)
    .build()
)


class Refused(Exception):
    pass


async def sign_up(
    input: SignUp,
    *,
    accounts: Accounts,
    reputation: Callable[[str], Awaitable[float]],
    signed_up: Emit[SignedUp],
) -> Account:
    if await reputation(input.email) < 0.5:
        raise Refused(f"{input.email} looks like spam")
    account = await accounts.create(input)
    await signed_up(SignedUp(account_id=account.id, email=account.email))
    return account


sign_up_task = (
    r.task("signup.tasks.sign_up")
    .dependencies(accounts=accounts, reputation=reputation_task, signed_up=signed_up)
    .run(sign_up)
    .build()
)

app = (
    r.resource("signup")
    .register(
        accounts,
        mailer,
        reputation_service,
        signed_up,
        welcome_hook,
        reputation_task,
        sign_up_task,
    )
    .build()
)
