"""The people a decider may ask about, read from the credential store."""

from __future__ import annotations

from unitboard.domain.context import Person
from unitboard.store.credentials import CredentialStore, User


def _person(user: User) -> Person:
    return Person(user.username, user.name, user.role, user.units, not user.disabled)


class StaffDirectory:
    """The domain's `People`, answered by the users table."""

    def __init__(self, credentials: CredentialStore) -> None:
        self.credentials = credentials

    def person(self, username: str) -> Person | None:
        user = self.credentials.get_user(username)
        return None if user is None else _person(user)

    def everyone(self) -> list[Person]:
        return [_person(user) for user in self.credentials.list_users()]
