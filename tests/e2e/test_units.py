"""People belong to units: `unitboard users add --unit` (repeatable; the first is home), a
person lands on their home unit at login (the hospital's first unit when theirs is gone from
the layout), and the CLI's other changes to people and tokens (enable, a new password) are
recorded with who made them, as the admin screen's are."""

from __future__ import annotations

import getpass
import re
from pathlib import Path

import httpx
import pytest
from e2e_support import SharedServer, run_cli

from unitboard.service.auth import actor_for_password
from unitboard.store import CredentialStore, make_engine


def log_in(base_url: str, username: str, password: str) -> httpx.Response:
    """A login as the form posts it; the answer's redirect says where the person lands."""
    with httpx.Client(base_url=base_url) as client:
        csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text)
        assert csrf is not None
        form = {"csrf": csrf.group(1), "username": username, "password": password}
        return client.post("/login", data=form)


def cli(url: str, *args: str, stdin: str | None = None) -> str:
    done = run_cli(*args, "--database-url", url, stdin=stdin)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.parametrize(
    ("units", "lands_on"),
    [(("ICU", "4W"), "/station/ICU"), (("4W",), "/station/4W"), (("GONE", "ICU"), "/station/ICU")],
)
def test_a_person_lands_on_their_home_unit(
    shared: SharedServer, units: tuple[str, ...], lands_on: str
) -> None:
    url = shared.server.database_url
    username = "home-" + "-".join(units).lower()
    args = ["users", "add", username, "--role", "charge_nurse"]
    for unit in units:
        args += ["--unit", unit]
    added = cli(url, *args, stdin="a long password\n")
    assert f"units {', '.join(units)}" in added
    answer = log_in(shared.server.base_url, username, "a long password")
    assert answer.status_code == 303 and answer.headers["location"] == lands_on


def test_no_unit_on_the_layout_lands_on_the_first_unit(shared: SharedServer) -> None:
    url = shared.server.database_url
    cli(
        url,
        "users",
        "add",
        "wanderer",
        "--role",
        "secretary",
        "--unit",
        "9Z",
        stdin="a long password\n",
    )
    answer = log_in(shared.server.base_url, "wanderer", "a long password")
    assert answer.headers["location"] == "/station/4W"


def test_an_admin_lands_on_the_admin_screen(shared: SharedServer) -> None:
    cli(
        shared.server.database_url,
        "users",
        "add",
        "ops",
        "--role",
        "admin",
        stdin="a long password\n",
    )
    answer = log_in(shared.server.base_url, "ops", "a long password")
    assert answer.headers["location"] == "/admin"


def test_users_enable_and_password_are_recorded(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/people.db"
    cli(url, "users", "add", "kim", "--role", "nurse", "--unit", "4W", stdin="first password\n")
    assert "0 open session(s) ended" in cli(url, "users", "disable", "kim")
    assert cli(url, "users", "enable", "kim").strip() == "user kim enabled"
    assert cli(url, "users", "enable", "kim").strip() == "user kim was not disabled"
    said = cli(url, "users", "password", "kim", stdin="second password\n")
    assert said.strip() == "password of kim set; 0 open session(s) ended"
    short = run_cli("users", "password", "kim", "--database-url", url, stdin="short\n")
    assert short.returncode == 2 and "at least 8 characters" in short.stderr
    missing = run_cli("users", "enable", "nobody", "--database-url", url)
    assert missing.returncode == 2 and "no user 'nobody'" in missing.stderr
    cli(url, "tokens", "create", "wall", "--role", "display", "--unit", "4W")
    cli(url, "tokens", "revoke", "wall")

    engine = make_engine(url)
    try:
        store = CredentialStore(engine)
        assert actor_for_password(store, "kim", "first password") is None
        kim = actor_for_password(store, "kim", "second password")
        assert kim is not None and kim.units == ("4W",)
        entries = [(e.actor, e.action, e.target) for e in reversed(store.audit())]
    finally:
        engine.dispose()
    me = f"cli:{getpass.getuser()}"
    assert entries == [
        (me, "user added", "kim"),
        (me, "user disabled", "kim"),
        (me, "user enabled", "kim"),
        (me, "password reset", "kim"),
        (me, "token created", "wall"),
        (me, "token revoked", "wall"),
    ]


def test_the_last_admin_is_not_disabled(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/admins.db"
    cli(url, "users", "add", "ada", "--role", "admin", stdin="a long password\n")
    refused = run_cli("users", "disable", "ada", "--database-url", url)
    assert refused.returncode == 2
    assert "ada is the last active admin" in refused.stderr
