"""Backoff on failed logins, per account and per address.

A few failures in a row cost nothing; after that each failure locks the account (or the
address) for twice as long as the one before, up to a cap, and a quiet spell forgets it
all. A person who mistypes waits seconds; a guesser gets about fifteen tries at an account
in its first hour and four an hour after. Tries still being checked count against the
allowance too, so a burst of concurrent guesses gets no more tries than the same guesses
one after another.

Held in memory, per process, and bounded: a login attempt must not cost a write to the
database (a flood of them would queue on the single writer every command needs), a restart
is not something an outsider can cause, and with several processes a guesser gets at most
that many times the allowance, still a few an hour. Each table keeps at most
`max_keys` records, dropping the oldest when full.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Policy:
    free_failures: int
    """Failures in a row allowed before the first lock."""
    first_lock_seconds: float
    max_lock_seconds: float
    forget_after_seconds: float
    """A key with no failure for this long starts clean."""

    def lock_after(self, failures: int) -> float:
        if failures < self.free_failures:
            return 0.0
        doublings = min(failures - self.free_failures, 32)
        return float(min(self.max_lock_seconds, self.first_lock_seconds * 2**doublings))


ACCOUNT = Policy(
    free_failures=5, first_lock_seconds=10, max_lock_seconds=900, forget_after_seconds=900
)
ADDRESS = Policy(
    free_failures=30, first_lock_seconds=10, max_lock_seconds=900, forget_after_seconds=900
)
"""An address is allowed more than an account: a shared desk, or a ward behind one address,
holds many people who mistype."""
ADDRESS_IN_FLIGHT = 4
"""Password checks one address may have running at once: the hashing pool is shared by
everyone, so one client must not fill it."""


@dataclass
class _Record:
    failures: int = 0
    in_flight: int = 0
    last_failure: float = -math.inf
    locked_until: float = -math.inf


class Backoff:
    """The failures of one kind of key (accounts, or addresses) under one policy."""

    def __init__(self, policy: Policy, max_keys: int) -> None:
        self.policy = policy
        self.max_keys = max_keys
        self._records: dict[str, _Record] = {}

    def __len__(self) -> int:
        return len(self._records)

    def wait(self, key: str, now: float) -> float:
        """Seconds before a try on `key` may begin; 0 when it may begin now."""
        record = self._fresh(key, now)
        if record is None:
            return 0.0
        if record.locked_until > now:
            return record.locked_until - now
        allowed = max(1, self.policy.free_failures - record.failures)
        return 1.0 if record.in_flight >= allowed else 0.0

    def in_flight(self, key: str) -> int:
        record = self._records.get(key)
        return 0 if record is None else record.in_flight

    def begin(self, key: str, now: float) -> None:
        record = self._fresh(key, now)
        if record is None:
            record = self._records[key] = _Record()
            self._bound()
        record.in_flight += 1

    def end(self, key: str, now: float, outcome: str) -> None:
        """`outcome`: "failed" (a wrong password), "succeeded", or "abandoned" (never checked)."""
        record = self._records.get(key)
        if record is None:
            return
        record.in_flight = max(0, record.in_flight - 1)
        if outcome == "failed":
            record.failures += 1
            record.last_failure = now
            lock = self.policy.lock_after(record.failures)
            if lock:
                record.locked_until = max(record.locked_until, now + lock)
        elif outcome == "succeeded":
            record.failures = 0
            record.locked_until = -math.inf
        if record.in_flight == 0 and record.failures == 0:
            del self._records[key]

    def _fresh(self, key: str, now: float) -> _Record | None:
        """The key's record, with its failures forgotten after a quiet spell."""
        record = self._records.get(key)
        if record is None:
            return None
        quiet = now - record.last_failure > self.policy.forget_after_seconds
        if quiet and record.locked_until <= now:
            record.failures = 0
            record.locked_until = -math.inf
            if record.in_flight == 0:
                del self._records[key]
                return None
        return record

    def _bound(self) -> None:
        """Drop the oldest records (insertion order) while there are too many."""
        while len(self._records) > self.max_keys:
            del self._records[next(iter(self._records))]


class Throttled(Exception):
    """A login refused before its password was checked: `seconds` to wait, said in words."""

    def __init__(self, seconds: float, message: str) -> None:
        super().__init__(message)
        self.seconds = max(1, math.ceil(seconds))
        self.message = message


def in_words(seconds: float) -> str:
    whole = max(1, math.ceil(seconds))
    if whole < 120:
        return f"{whole} second{'s' if whole != 1 else ''}"
    minutes = math.ceil(whole / 60)
    return f"{minutes} minutes"


class Attempt:
    """One login being checked: say how it ended, exactly once."""

    def __init__(self, throttle: LoginThrottle, account: str, address: str) -> None:
        self.throttle = throttle
        self.account = account
        self.address = address
        self.ended = False

    def failed(self) -> None:
        self._end("failed")

    def succeeded(self) -> None:
        self._end("succeeded")

    def abandoned(self) -> None:
        """The password was never checked (the server was too busy): counts for nothing."""
        self._end("abandoned")

    def _end(self, outcome: str) -> None:
        if self.ended:
            return
        self.ended = True
        now = self.throttle.clock()
        self.throttle.accounts.end(self.account, now, outcome)
        # A success clears its account, never its address: one valid login must not buy an
        # address fresh guesses at every other account.
        self.throttle.addresses.end(
            self.address, now, "abandoned" if outcome == "succeeded" else outcome
        )


class LoginThrottle:
    """Per-account and per-address backoff on failed logins."""

    def __init__(
        self,
        account: Policy = ACCOUNT,
        address: Policy = ADDRESS,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 50_000,
    ) -> None:
        self.accounts = Backoff(account, max_keys)
        self.addresses = Backoff(address, max_keys)
        self.clock = clock

    def begin(self, account: str, address: str) -> Attempt:
        """Start a login try, or raise Throttled saying how long to wait and why. An
        account's failures count per address it is tried from: a guesser elsewhere cannot
        lock a nurse out of her own desk."""
        now = self.clock()
        account = f"{account}\n{address}"
        if self.addresses.in_flight(address) >= ADDRESS_IN_FLIGHT:
            raise Throttled(
                1, "Several sign-ins from this address are being checked; try again in a second."
            )
        account_wait = self.accounts.wait(account, now)
        address_wait = self.addresses.wait(address, now)
        if account_wait or address_wait:
            if account_wait >= address_wait:
                raise Throttled(
                    account_wait,
                    "Too many failed attempts for this account; "
                    f"try again in {in_words(account_wait)}.",
                )
            raise Throttled(
                address_wait,
                "Too many failed sign-ins from this address; "
                f"try again in {in_words(address_wait)}.",
            )
        self.accounts.begin(account, now)
        self.addresses.begin(address, now)
        return Attempt(self, account, address)
