"""The admin screen (`/admin`, the admin role only): people with their role, units and
whether they may log in; tokens with their role, unit, age and whether revoked. Add a
person, disable and enable one, reset a password, set their units; create a token (shown
once, on this answer only) and revoke one. Every change is recorded with who made it and
when (store/credentials.py), and shown below; disabling a person, resetting their password
or revoking a token ends their sessions at once (service/accounts.py).

A form's answer is the screen's main part again, with a notice or, for a refusal, the
message beside the form that was refused and what was typed in it (never a password)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any, TypeVar

from starlette.applications import Starlette
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from unitboard.bounded_pool import PoolBusy
from unitboard.domain.roles import ROLES, role_label
from unitboard.runtime import Runtime
from unitboard.service.accounts import Accounts, new_password_hash
from unitboard.service.auth import Actor, CredentialError
from unitboard.store.credentials import AuditEntry, Token, User
from unitboard.web.common import Refused, actor_of, check_csrf, macros, page, runtime_of, to_login
from unitboard.web.limits import read_form
from unitboard.web.sessions import csrf_token

ADMIN_ROLES = ("admin",)
AUDIT_SHOWN = 50
T = TypeVar("T")
BUSY = "The server is busy checking passwords; try again in a moment."


@dataclass
class Outcome:
    """What the last form did: a notice, or a refusal beside the form it belongs to."""

    notice: str | None = None
    form: str | None = None
    error: str | None = None
    values: dict[str, Any] = field(default_factory=dict)
    new_token: dict[str, str] | None = None


@dataclass(frozen=True)
class Listing:
    users: list[User]
    tokens: list[Token]
    audit: list[AuditEntry]


def accounts_of(runtime: Runtime) -> Accounts:
    return Accounts(runtime.credentials, runtime.sessions)


async def as_admin(runtime: Runtime, actor: Actor, change: Callable[..., T], *args: Any) -> T:
    """A change to people or tokens, made on the writer thread, recorded as by `actor`."""
    accounts = accounts_of(runtime)
    return await runtime.write(partial(change, accounts, by=actor.name), *args)


def read_listing(runtime: Runtime) -> Listing:
    store = runtime.credentials
    return Listing(store.list_users(), store.list_tokens(), store.audit(AUDIT_SHOWN))


async def admin_context(runtime: Runtime, actor: Actor, outcome: Outcome) -> dict[str, Any]:
    listing = await runtime.read(read_listing, runtime)
    units = runtime.projection.layout.units
    return {
        "users": listing.users,
        "tokens": listing.tokens,
        "audit": listing.audit,
        "units": [(unit.unit_id, unit.name) for unit in units.values()],
        "roles": ROLES,
        "me": actor.name,
        "out": outcome,
    }


async def admin_actor(request: Request) -> Actor | None:
    actor = await actor_of(request)
    if actor is not None and actor.role not in ADMIN_ROLES:
        raise Refused(
            403, f"The admin screen is for admins, not the {role_label(actor.role)} role."
        )
    return actor


async def admin(request: Request) -> Response:
    actor = await admin_actor(request)
    if actor is None:
        return to_login(request)
    context = await admin_context(runtime_of(request), actor, Outcome())
    return page(request, "admin.html", {"ctx": context, "actor": actor})


# -- the changes ------------------------------------------------------------------------------

Change = Callable[[Request, Actor, FormData], Awaitable[Outcome]]


def text(form: FormData, name: str, limit: int = 200) -> str:
    value = form.get(name)
    return value.strip()[:limit] if isinstance(value, str) else ""


def units_of(form: FormData) -> list[str]:
    """The home unit first, then the others ticked, in the layout's order."""
    home = text(form, "home_unit", 100)
    others = [v.strip() for v in form.getlist("units") if isinstance(v, str)]
    return [home, *others] if home else others


async def hashed(runtime: Runtime, password: str) -> str:
    try:
        return await runtime.hash_check(new_password_hash, password)
    except PoolBusy:
        raise CredentialError(BUSY) from None


async def add_user(request: Request, actor: Actor, form: FormData) -> Outcome:
    runtime = runtime_of(request)
    username, role = text(form, "username", 100), text(form, "role", 40)
    password = form.get("password")
    password_hash = await hashed(runtime, password if isinstance(password, str) else "")
    name, units = text(form, "name"), units_of(form)
    user = await as_admin(
        runtime, actor, Accounts.add_user, username, password_hash, role, name, units
    )
    where = f", units {', '.join(user.units)}" if user.units else ""
    return Outcome(f"Added {user.username} ({role_label(user.role)}{where}).")


async def disable_user(request: Request, actor: Actor, form: FormData) -> Outcome:
    runtime = runtime_of(request)
    username = text(form, "username", 100)
    ended = await as_admin(runtime, actor, Accounts.disable, username)
    return Outcome(f"Disabled {username}; {sessions(ended)} ended.")


async def enable_user(request: Request, actor: Actor, form: FormData) -> Outcome:
    runtime = runtime_of(request)
    username = text(form, "username", 100)
    changed = await as_admin(runtime, actor, Accounts.enable, username)
    return Outcome(f"Enabled {username}." if changed else f"{username} was not disabled.")


async def reset_password(request: Request, actor: Actor, form: FormData) -> Outcome:
    runtime = runtime_of(request)
    username = text(form, "username", 100)
    password = form.get("password")
    password_hash = await hashed(runtime, password if isinstance(password, str) else "")
    ended = await as_admin(runtime, actor, Accounts.reset_password, username, password_hash)
    if username == actor.name:
        return Outcome("Your password is changed and your sessions ended: log in again with it.")
    return Outcome(f"New password set for {username}; {sessions(ended)} ended.")


async def set_units(request: Request, actor: Actor, form: FormData) -> Outcome:
    runtime = runtime_of(request)
    username, units = text(form, "username", 100), units_of(form)
    changed = await as_admin(runtime, actor, Accounts.set_units, username, units)
    shown = ", ".join(units) or "none"
    return Outcome(f"Units of {username}: {shown}." if changed else "Nothing changed.")


async def create_token(request: Request, actor: Actor, form: FormData) -> Outcome:
    runtime = runtime_of(request)
    name, role, unit = text(form, "name", 100), text(form, "role", 40), text(form, "unit", 100)
    token = await as_admin(runtime, actor, Accounts.create_token, name, role, unit or None)
    new = {"name": name, "role": role, "unit": unit, "token": token}
    if role == "display":
        new["address"] = f"/display/{unit or 'UNIT'}#token={token}"
    return Outcome(f"Created token {name!r}: copy it now, it is not shown again.", new_token=new)


async def revoke_token(request: Request, actor: Actor, form: FormData) -> Outcome:
    runtime = runtime_of(request)
    try:
        token_id = int(text(form, "token_id", 20))
    except ValueError:
        raise LookupError("there is no such token") from None
    token, ended = await as_admin(runtime, actor, Accounts.revoke_token, token_id)
    return Outcome(f"Revoked token {token.name!r}; {sessions(ended)} ended.")


def sentence(message: str) -> str:
    """A refusal as a person reads it: a capital first, a full stop last."""
    message = message[:1].upper() + message[1:]
    return message if message.endswith((".", "!", "?")) else message + "."


def sessions(count: int) -> str:
    return f"{count} open session{'' if count == 1 else 's'}"


def changing(form_id: str, change: Change, kept: tuple[str, ...] = ()) -> Any:
    """A POST route: the admin's CSRF-checked form, the change, and the main part again with
    its outcome (a refusal beside form `form_id`, with the fields `kept` as typed)."""

    async def route(request: Request) -> Response:
        actor = await admin_actor(request)
        if actor is None:
            return to_login(request)
        await check_csrf(request)
        form = await read_form(request)
        try:
            outcome = await change(request, actor, form)
        except (CredentialError, LookupError, ValueError) as refusal:
            values: dict[str, Any] = {name: text(form, name) for name in kept}
            values["units"] = units_of(form)
            target = text(form, "username", 100) or text(form, "token_id", 20)
            outcome = Outcome(None, form_id, sentence(str(refusal)), values)
            outcome.values["target"] = target
        context = await admin_context(runtime_of(request), actor, outcome)
        if request.headers.get("hx-request"):
            return HTMLResponse(str(macros("_admin.html").main(context, csrf_token(request))))
        return page(request, "admin.html", {"ctx": context, "actor": actor})

    return route


routes = [
    Route("/admin", admin, methods=["GET"]),
    Route(
        "/admin/users",
        changing("add-user", add_user, ("username", "name", "role", "home_unit")),
        methods=["POST"],
    ),
    Route("/admin/users/disable", changing("disable", disable_user), methods=["POST"]),
    Route("/admin/users/enable", changing("enable", enable_user), methods=["POST"]),
    Route("/admin/users/password", changing("password", reset_password), methods=["POST"]),
    Route("/admin/users/units", changing("units", set_units), methods=["POST"]),
    Route(
        "/admin/tokens",
        changing("add-token", create_token, ("name", "role", "unit")),
        methods=["POST"],
    ),
    Route("/admin/tokens/revoke", changing("revoke", revoke_token), methods=["POST"]),
]


def install(app: Starlette, runtime: Runtime) -> None:
    app.router.routes.extend(routes)
