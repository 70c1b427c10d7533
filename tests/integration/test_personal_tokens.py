"""Personal tokens (`tokens create NAME --user USERNAME`), on SQLite and PostgreSQL alike: a
token that acts as its person, with their role and units as they are at each request, so
the pages a phone reads are theirs; disabling the person disables the token at once, and
enabling them brings it back; a token for nobody, or for a disabled person, is refused."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from unitboard.service.accounts import Accounts, new_password_hash
from unitboard.service.auth import CredentialError, actor_for_token
from unitboard.service.sessions import SessionPolicy, Sessions
from unitboard.store import CredentialStore
from unitboard.store.sessions import SessionStore


@pytest.fixture
def accounts(engine: Engine) -> Accounts:
    store = CredentialStore(engine)
    accounts = Accounts(store, Sessions(SessionStore(engine), store, SessionPolicy()))
    hashed = new_password_hash("a long password")
    accounts.add_user("noor", hashed, "nurse", "Noor Nurse", ["4W", "ICU"], by="setup")
    return accounts


def test_a_personal_token_acts_as_its_person(accounts: Accounts) -> None:
    token = accounts.create_personal_token("noor-phone", "noor", by="ada")
    actor = actor_for_token(accounts.store, token)
    assert actor is not None
    assert (actor.name, actor.role, actor.units) == ("noor", "nurse", ("4W", "ICU"))
    assert actor.display_name == "Noor Nurse"
    assert actor.scope is None  # their units say where they work, not what they may open
    (listed,) = [t for t in accounts.store.list_tokens() if t.name == "noor-phone"]
    assert (listed.username, listed.role, listed.unit_id) == ("noor", "nurse", None)
    audit = accounts.store.audit(limit=1)[0]
    assert (audit.action, audit.target, audit.actor) == ("token created", "noor-phone", "ada")
    assert "acts as noor" in audit.detail


def test_it_follows_the_person_as_they_are_now(accounts: Accounts) -> None:
    token = accounts.create_personal_token("noor-phone", "noor", by="ada")
    accounts.set_units("noor", ["3N"], by="ada")
    actor = actor_for_token(accounts.store, token)
    assert actor is not None and actor.units == ("3N",)


def test_disabling_the_person_disables_the_token(accounts: Accounts) -> None:
    token = accounts.create_personal_token("noor-phone", "noor", by="ada")
    accounts.disable("noor", by="ada")
    assert actor_for_token(accounts.store, token) is None
    accounts.enable("noor", by="ada")
    assert actor_for_token(accounts.store, token) is not None


def test_revoking_it_ends_it(accounts: Accounts) -> None:
    token = accounts.create_personal_token("noor-phone", "noor", by="ada")
    accounts.revoke_tokens_named("noor-phone", by="ada")
    assert actor_for_token(accounts.store, token) is None


def test_a_token_for_nobody_or_for_a_disabled_person_is_refused(accounts: Accounts) -> None:
    with pytest.raises(LookupError, match="no user 'nobody'"):
        accounts.create_personal_token("ghost", "nobody", by="ada")
    accounts.disable("noor", by="ada")
    with pytest.raises(CredentialError, match="noor is disabled"):
        accounts.create_personal_token("noor-phone", "noor", by="ada")
    assert [t.name for t in accounts.store.list_tokens()] == []
