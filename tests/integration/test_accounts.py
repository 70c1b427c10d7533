"""People and tokens as the admin screen and the CLI manage them, on SQLite and PostgreSQL
alike: a person works on several units, in order (the first is where they land); every
change to a person or a token is recorded with who made it; disabling a person, resetting
their password or revoking a token ends their sessions; and the rules that keep a hospital
able to log in (no admin disables themselves, nobody disables the last admin)."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from unitboard.service.accounts import Accounts, new_password_hash
from unitboard.service.auth import CredentialError, actor_for_password, token_hash
from unitboard.service.people import StaffDirectory
from unitboard.service.sessions import SessionPolicy, Sessions
from unitboard.store import CredentialStore
from unitboard.store.sessions import SessionStore

PASSWORD = "a long password"


@pytest.fixture
def credentials(engine: Engine) -> CredentialStore:
    return CredentialStore(engine)


@pytest.fixture
def sessions(engine: Engine, credentials: CredentialStore) -> Sessions:
    return Sessions(SessionStore(engine), credentials, SessionPolicy())


@pytest.fixture
def accounts(credentials: CredentialStore, sessions: Sessions) -> Accounts:
    accounts = Accounts(credentials, sessions)
    accounts.add_user("ada", new_password_hash(PASSWORD), "admin", "Ada Admin", [], by="setup")
    return accounts


def add(accounts: Accounts, username: str, role: str = "nurse", *units: str) -> None:
    hashed = new_password_hash(PASSWORD)
    accounts.add_user(username, hashed, role, username.title(), list(units), by="ada")


class TestUnits:
    def test_a_person_keeps_their_units_in_order(self, accounts: Accounts) -> None:
        add(accounts, "kim", "charge_nurse", "ICU", "4W", "ICU", " ")
        add(accounts, "sam", "secretary")
        kim = accounts.store.get_user("kim")
        assert kim is not None and (kim.units, kim.unit_id) == (("ICU", "4W"), "ICU")
        listed = {user.username: user.units for user in accounts.store.list_users()}
        assert listed == {"ada": (), "kim": ("ICU", "4W"), "sam": ()}

    def test_the_actor_and_the_staff_directory_carry_them(self, accounts: Accounts) -> None:
        add(accounts, "kim", "nurse", "3N", "4W")
        actor = actor_for_password(accounts.store, "kim", PASSWORD)
        assert actor is not None
        assert (actor.unit_id, actor.units) == ("3N", ("3N", "4W"))
        assert actor.scope is None  # a person's units say where they land, not what they see
        person = StaffDirectory(accounts.store).person("kim")
        assert person is not None and person.units == ("3N", "4W")

    def test_units_are_set_again_in_a_new_order(self, accounts: Accounts) -> None:
        add(accounts, "kim", "nurse", "ICU")
        assert accounts.set_units("kim", ["4W", "ICU"], by="ada") is True
        assert accounts.set_units("kim", ["4W", "ICU"], by="ada") is False  # nothing to record
        kim = accounts.store.get_user("kim")
        assert kim is not None and kim.units == ("4W", "ICU")
        assert accounts.set_units("kim", [], by="ada") is True
        kim = accounts.store.get_user("kim")
        assert kim is not None and kim.units == ()
        with pytest.raises(LookupError, match="no user 'nobody'"):
            accounts.set_units("nobody", ["4W"], by="ada")

    def test_a_unit_id_must_look_like_one(self, accounts: Accounts) -> None:
        with pytest.raises(CredentialError, match="is not a unit id"):
            add(accounts, "kim", "nurse", "4W; DROP TABLE users")
        assert accounts.store.get_user("kim") is None


class TestEveryChangeIsRecorded:
    def test_with_who_made_it_newest_first(self, accounts: Accounts) -> None:
        add(accounts, "kim", "nurse", "4W")
        accounts.disable("kim", by="ada")
        assert accounts.enable("kim", by="ada") is True
        accounts.reset_password("kim", new_password_hash("another long one"), by="cli:root")
        accounts.set_units("kim", ["ICU"], by="ada")
        token = accounts.create_token("hallway-ICU", "display", "ICU", by="ada")
        found = accounts.store.find_token(token_hash(token))
        assert found is not None
        accounts.revoke_token(found.id, by="ada")
        entries = accounts.store.audit()
        assert [(e.actor, e.action, e.target) for e in entries] == [
            ("ada", "token revoked", "hallway-ICU"),
            ("ada", "token created", "hallway-ICU"),
            ("ada", "units set", "kim"),
            ("cli:root", "password reset", "kim"),
            ("ada", "user enabled", "kim"),
            ("ada", "user disabled", "kim"),
            ("ada", "user added", "kim"),
            ("setup", "user added", "ada"),
        ]
        assert entries[6].detail == "Kim; nurse; units: 4W"
        assert entries[1].detail.startswith("display; unit: ICU; id ")
        assert all(e.at.startswith("20") for e in entries)
        assert token not in repr(entries)  # the token itself is never written down

    def test_a_change_that_changes_nothing_records_nothing(self, accounts: Accounts) -> None:
        add(accounts, "kim")
        accounts.disable("kim", by="ada")
        accounts.disable("kim", by="ada")
        assert accounts.enable("kim", by="ada") is True
        assert accounts.enable("kim", by="ada") is False
        actions = [e.action for e in accounts.store.audit()]
        assert actions.count("user disabled") == 1 and actions.count("user enabled") == 1

    def test_a_refused_change_records_nothing(self, accounts: Accounts) -> None:
        add(accounts, "kim")
        before = len(accounts.store.audit())
        with pytest.raises(CredentialError, match="already a user 'kim'"):
            add(accounts, "kim")
        with pytest.raises(LookupError, match="no user 'nobody'"):
            accounts.reset_password("nobody", new_password_hash(PASSWORD), by="ada")
        with pytest.raises(LookupError, match="no valid token 999"):
            accounts.revoke_token(999, by="ada")
        assert len(accounts.store.audit()) == before

    def test_the_token_list_shows_revoked_ones_too(self, accounts: Accounts) -> None:
        accounts.create_token("ehr-feed", "integration", None, by="ada")
        accounts.create_token("hallway-4W", "display", "4W", by="ada")
        revoked, _ = accounts.revoke_tokens_named("hallway-4W", by="ada")
        assert len(revoked) == 1
        listed = [(t.name, t.role, t.unit_id, t.revoked) for t in accounts.store.list_tokens()]
        assert listed == [
            ("ehr-feed", "integration", None, False),
            ("hallway-4W", "display", "4W", True),
        ]


class TestSessionsEndWithTheCredential:
    def test_disabling_ends_their_sessions(self, accounts: Accounts, sessions: Sessions) -> None:
        add(accounts, "kim")
        desk, phone = sessions.open_for_user("kim"), sessions.open_for_user("kim")
        assert accounts.disable("kim", by="ada") == 2
        assert sessions.actor(desk) is None and sessions.actor(phone) is None
        assert actor_for_password(accounts.store, "kim", PASSWORD) is None
        accounts.enable("kim", by="ada")
        assert actor_for_password(accounts.store, "kim", PASSWORD) is not None

    def test_a_new_password_ends_their_sessions_and_the_old_password(
        self, accounts: Accounts, sessions: Sessions
    ) -> None:
        add(accounts, "kim")
        desk = sessions.open_for_user("kim")
        assert accounts.reset_password("kim", new_password_hash("the new one!"), by="ada") == 1
        assert sessions.actor(desk) is None
        assert actor_for_password(accounts.store, "kim", PASSWORD) is None
        assert actor_for_password(accounts.store, "kim", "the new one!") is not None

    def test_revoking_a_display_token_ends_its_device_session(
        self, accounts: Accounts, sessions: Sessions
    ) -> None:
        accounts.create_token("hallway-4W", "display", "4W", by="ada")
        token = accounts.store.list_tokens()[0]
        device = sessions.open_for_device(token.id)
        assert sessions.actor(device) is not None
        revoked, ended = accounts.revoke_token(token.id, by="ada")
        assert (revoked.name, ended) == ("hallway-4W", 1)
        assert sessions.actor(device) is None


class TestTheHospitalKeepsAnAdmin:
    def test_an_admin_cannot_disable_themselves(self, accounts: Accounts) -> None:
        add(accounts, "bob", "admin")
        with pytest.raises(CredentialError, match="cannot disable your own account"):
            accounts.disable("ada", by="ada")
        accounts.disable("bob", by="ada")  # another admin: fine

    def test_nobody_disables_the_last_active_admin(self, accounts: Accounts) -> None:
        with pytest.raises(CredentialError, match="last active admin"):
            accounts.disable("ada", by="cli:root")
        add(accounts, "bob", "admin")
        accounts.disable("bob", by="ada")
        with pytest.raises(CredentialError, match="last active admin"):
            accounts.disable("ada", by="cli:root")
        user = accounts.store.get_user("ada")
        assert user is not None and not user.disabled


class TestWhatIsRefused:
    @pytest.mark.parametrize("username", ["", "has space", "a/b", "x" * 101, "-lead"])
    def test_a_username_that_cannot_be_one(self, accounts: Accounts, username: str) -> None:
        with pytest.raises(CredentialError, match="cannot be a username"):
            accounts.add_user(username, "hash", "nurse", None, [], by="ada")

    def test_an_unknown_role(self, accounts: Accounts) -> None:
        with pytest.raises(CredentialError, match="unknown role 'janitor'"):
            accounts.add_user("kim", "hash", "janitor", None, [], by="ada")
        with pytest.raises(CredentialError, match="unknown role 'janitor'"):
            accounts.create_token("x", "janitor", None, by="ada")

    def test_a_short_password(self) -> None:
        with pytest.raises(CredentialError, match="at least 8 characters"):
            new_password_hash("short")

    def test_a_token_name_that_cannot_be_one(self, accounts: Accounts) -> None:
        with pytest.raises(CredentialError, match="cannot name a token"):
            accounts.create_token("<script>", "display", None, by="ada")
