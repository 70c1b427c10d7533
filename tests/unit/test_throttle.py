"""Failed logins back off per account and per address: a few failures are free, each one
after locks for twice as long (to a cap), a quiet spell forgets them, tries still being
checked count, a success clears its account but not its address, and the tables stay
bounded. The clock is a number the test moves."""

from __future__ import annotations

import pytest

from unitboard.service.throttle import (
    ACCOUNT,
    Attempt,
    LoginThrottle,
    Policy,
    Throttled,
    in_words,
)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def throttle(clock: Clock) -> LoginThrottle:
    return LoginThrottle(clock=clock)


def fail(throttle: LoginThrottle, account: str, address: str, times: int) -> None:
    for _ in range(times):
        throttle.begin(account, address).failed()


def refusal(throttle: LoginThrottle, account: str, address: str) -> Throttled:
    with pytest.raises(Throttled) as refused:
        throttle.begin(account, address)
    return refused.value


def test_four_failures_cost_nothing(throttle: LoginThrottle) -> None:
    fail(throttle, "ana", "10.0.0.1", 4)
    throttle.begin("ana", "10.0.0.1").succeeded()


def test_the_fifth_failure_locks_the_account_for_ten_seconds(
    throttle: LoginThrottle, clock: Clock
) -> None:
    fail(throttle, "ana", "10.0.0.1", 5)
    refused = refusal(throttle, "ana", "10.0.0.1")
    assert refused.seconds == 10
    assert refused.message == (
        "Too many failed attempts for this account; try again in 10 seconds."
    )
    clock.now += 10.5
    throttle.begin("ana", "10.0.0.1").succeeded()


def test_a_guesser_elsewhere_cannot_lock_a_nurse_out_of_her_desk(throttle: LoginThrottle) -> None:
    fail(throttle, "ana", "10.0.0.1", 5)
    assert refusal(throttle, "ana", "10.0.0.1").seconds == 10
    throttle.begin("ana", "10.0.0.2").succeeded()  # her own desk: the account is hers


def test_each_failure_after_doubles_the_lock_up_to_fifteen_minutes(
    throttle: LoginThrottle, clock: Clock
) -> None:
    fail(throttle, "ana", "10.0.0.1", 5)
    locks = []
    for _ in range(9):
        locks.append(refusal(throttle, "ana", "10.0.0.1").seconds)
        clock.now += locks[-1]
        throttle.begin("ana", "10.0.0.1").failed()
    assert locks == [10, 20, 40, 80, 160, 320, 640, 900, 900]
    assert "15 minutes" in refusal(throttle, "ana", "10.0.0.1").message


def test_a_quiet_spell_forgets_the_failures(throttle: LoginThrottle, clock: Clock) -> None:
    fail(throttle, "ana", "10.0.0.1", 4)
    clock.now += ACCOUNT.forget_after_seconds + 1
    fail(throttle, "ana", "10.0.0.1", 4)
    throttle.begin("ana", "10.0.0.1").succeeded()
    assert len(throttle.accounts) == 0


def test_a_success_clears_the_account(throttle: LoginThrottle) -> None:
    fail(throttle, "ana", "10.0.0.1", 4)
    throttle.begin("ana", "10.0.0.1").succeeded()
    fail(throttle, "ana", "10.0.0.1", 4)
    throttle.begin("ana", "10.0.0.1").succeeded()


def test_one_address_has_at_most_four_checks_running(throttle: LoginThrottle) -> None:
    """Sixty-four guesses at once: four are checked, the others wait (the hashing pool is
    everyone's, and one client must not fill it)."""
    started: list[Attempt] = []
    refused = 0
    for n in range(64):
        try:
            started.append(throttle.begin(f"user{n % 2}", "10.0.0.1"))
        except Throttled as throttled:
            refused += 1
            assert throttled.seconds == 1 and "being checked" in throttled.message
    assert (len(started), refused) == (4, 60)
    throttle.begin("ana", "10.0.0.2").succeeded()  # another address is not held up


def test_tries_being_checked_count_against_the_allowance(throttle: LoginThrottle) -> None:
    """Guesses at one account in flight count: with four free tries left, no fifth starts."""
    fail(throttle, "ana", "10.0.0.1", 3)
    started = [throttle.begin("ana", "10.0.0.1") for _ in range(2)]
    assert refusal(throttle, "ana", "10.0.0.1").seconds == 1
    for attempt in started:
        attempt.failed()
    assert refusal(throttle, "ana", "10.0.0.1").seconds == 10


def test_an_abandoned_try_counts_for_nothing(throttle: LoginThrottle) -> None:
    for _ in range(10):
        throttle.begin("ana", "10.0.0.1").abandoned()
    assert len(throttle.accounts) == 0
    assert len(throttle.addresses) == 0


def test_an_address_guessing_many_accounts_is_locked(throttle: LoginThrottle) -> None:
    for n in range(30):
        throttle.begin(f"user-{n}", "10.0.0.9").failed()
    refused = refusal(throttle, "someone-else", "10.0.0.9")
    assert refused.message == (
        "Too many failed sign-ins from this address; try again in 10 seconds."
    )
    throttle.begin("someone-else", "10.0.0.10").succeeded()


def test_a_success_does_not_clear_its_address(throttle: LoginThrottle) -> None:
    """One valid login must not buy an address fresh guesses at every other account."""
    for n in range(29):
        throttle.begin(f"user-{n}", "10.0.0.9").failed()
    throttle.begin("mine", "10.0.0.9").succeeded()
    throttle.begin("user-29", "10.0.0.9").failed()
    refusal(throttle, "user-30", "10.0.0.9")


def test_the_longer_wait_is_the_one_reported(throttle: LoginThrottle, clock: Clock) -> None:
    fail(throttle, "ana", "10.0.0.1", 5)
    clock.now += 10
    throttle.begin("ana", "10.0.0.1").failed()  # the account: 20 s
    for n in range(24):
        throttle.begin(f"user-{n}", "10.0.0.1").failed()  # the address: 10 s
    refused = refusal(throttle, "ana", "10.0.0.1")
    assert (refused.seconds, "this account" in refused.message) == (20, True)


def test_the_tables_stay_bounded(clock: Clock) -> None:
    throttle = LoginThrottle(clock=clock, max_keys=100)
    for n in range(1000):
        throttle.begin(f"user-{n}", f"10.0.{n // 250}.{n % 250}").failed()
    assert len(throttle.accounts) == 100
    assert len(throttle.addresses) == 100


def test_an_attempt_ends_once() -> None:
    throttle = LoginThrottle(account=Policy(1, 10, 900, 900))
    attempt = throttle.begin("ana", "10.0.0.1")
    attempt.succeeded()
    attempt.failed()
    throttle.begin("ana", "10.0.0.1").succeeded()


@pytest.mark.parametrize(
    ("seconds", "words"),
    [(0.2, "1 second"), (1, "1 second"), (9.1, "10 seconds"), (119, "119 seconds"),
     (120, "2 minutes"), (900, "15 minutes")],
)  # fmt: skip
def test_waits_read_as_words(seconds: float, words: str) -> None:
    assert in_words(seconds) == words
