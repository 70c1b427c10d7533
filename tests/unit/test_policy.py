"""Hospital policy: the layout file's `[policy]` table, every key with its default, fractions
allowed, mistakes reported with their line and key; recorded (PolicySet) only when it
differs from the policy in force, so the rules in force at any past moment replay."""

from __future__ import annotations

from collections.abc import Sequence

import all_commands as c
import msgspec
import pytest
from builders import given, when
from ward import with_policy

from hospital import LAYOUT
from unitboard.domain.aggregates import HOUSE
from unitboard.domain.hospital import Hospital, decide, evolve
from unitboard.domain.layout.file import LayoutError
from unitboard.domain.policy.events import PolicySet
from unitboard.domain.policy.rules import DEFAULT_POLICY, EscalationStep, Policy
from unitboard.domain.policy.state import PolicyInForce
from unitboard.store.codec import EventCodec

CONTRACT = """\
[policy]
transport_target_minutes = { stat = 10, urgent = 20, routine = 45 }  # requested -> picked up
transport_schedule_lead_minutes = 30      # a scheduled job enters the queue this early
transport_dispatch = "auto"               # "auto" offers each job to a transporter; "self": they pick
transport_offer_seconds = 60              # an offer not accepted in time goes to the next transporter
call_answer_target_seconds = { critical = 0, high = 60, medium = 180, low = 300 }  # past it a light shows overdue and counts against the unit
call_clear_minutes = 10                   # answered but nobody at the bedside: re-page the nurse
page_resend_seconds = { critical = 60, urgent = 120, routine = 300 }
cosign_deadline_hours = 48                # state law and hospital policy differ: configurable

[policy.call_escalation]                  # who is paged, how long after the light went unanswered
critical = [{ after_seconds = 0, to = "everyone" }]
high     = [{ after_seconds = 60, to = "assigned_nurse" }, { after_seconds = 120, to = "charge_nurse" }]
medium   = [{ after_seconds = 180, to = "assigned_nurse" }, { after_seconds = 360, to = "charge_nurse" }]
low      = [{ after_seconds = 300, to = "assigned_nurse" }, { after_seconds = 600, to = "charge_nurse" }]
"""  # noqa: E501
"""The table exactly as the contract (PRODUCT.md) shows it."""


def load(text: str) -> c.LoadLayout:
    return c.LoadLayout(toml=text)


def policy_sets(events: Sequence[object]) -> list[PolicySet]:
    return [event for event in events if isinstance(event, PolicySet)]


def loaded_policy(policy_toml: str) -> Policy:
    (policy_set,) = policy_sets(decide(Hospital(), load(with_policy(policy_toml))))
    return policy_set.policy


def test_the_defaults_are_the_contracts_table() -> None:
    assert policy_sets(decide(Hospital(), load(with_policy(CONTRACT)))) == []
    policy = DEFAULT_POLICY
    assert policy.call_answer_target_seconds.of("high") == 60
    assert policy.page_resend_seconds.of("urgent") == 120
    assert policy.call_escalation.of("medium") == (
        EscalationStep(after_seconds=180, to="assigned_nurse"),
        EscalationStep(after_seconds=360, to="charge_nurse"),
    )
    assert (policy.transport_dispatch, policy.cosign_deadline_hours) == ("auto", 48)


def test_a_file_without_a_policy_records_none_and_the_defaults_are_in_force() -> None:
    events = decide(Hospital(), load(LAYOUT))
    assert policy_sets(events) == []
    assert given()[PolicyInForce] == PolicyInForce(DEFAULT_POLICY, None)


def test_a_changed_policy_is_recorded_whole_once_and_a_removed_one_goes_back_to_defaults() -> None:
    text = with_policy("[policy]\ncall_clear_minutes = 5\n")
    (changed,) = policy_sets(when(given(), load(text)))
    assert changed.policy.call_clear_minutes == 5
    assert changed.policy.page_resend_seconds == DEFAULT_POLICY.page_resend_seconds
    state = given(changed)
    assert when(state, load(text)) == []
    (back,) = when(state, load(LAYOUT))
    assert back == PolicySet(policy=DEFAULT_POLICY)


def test_fractions_are_allowed_and_a_table_given_in_part_keeps_the_other_defaults() -> None:
    policy = loaded_policy(
        "[policy]\ncall_clear_minutes = 0.05\npage_resend_seconds = { routine = 2.5 }\n"
        "[policy.call_escalation]\n"
        'low = [{ after_seconds = 0.5, to = "charge_nurse" }]\n'
    )
    assert policy.call_clear_minutes == 0.05
    assert (policy.page_resend_seconds.routine, policy.page_resend_seconds.urgent) == (2.5, 120)
    assert policy.call_escalation.low == (EscalationStep(after_seconds=0.5, to="charge_nurse"),)
    assert policy.call_escalation.high == DEFAULT_POLICY.call_escalation.high


def test_the_transport_and_cosign_keys_are_read_too() -> None:
    policy = loaded_policy(
        '[policy]\ntransport_target_minutes = { stat = 5 }\ntransport_dispatch = "self"\n'
        "transport_offer_seconds = 30\ntransport_schedule_lead_minutes = 15\n"
        "cosign_deadline_hours = 24\n"
    )
    assert (policy.transport_target_minutes.stat, policy.transport_target_minutes.routine) == (
        5, 45,
    )  # fmt: skip
    assert (policy.transport_dispatch, policy.transport_offer_seconds) == ("self", 30)
    assert (policy.transport_schedule_lead_minutes, policy.cosign_deadline_hours) == (15, 24)


POLICY_LINE = LAYOUT.count("\n") + 2
"""The line of `[policy]` in `with_policy(...)`'s file."""


@pytest.mark.parametrize(
    ("policy_toml", "line", "where", "words"),
    [
        ("[policy]\ncolour = 3\n", 1, "policy.colour", "unknown key"),
        ("[policy]\ncall_clear_minutes = 0\n", 1, "policy.call_clear_minutes", "greater than 0"),
        ("[policy]\ncall_clear_minutes = -1\n", 1, "policy.call_clear_minutes", "greater than"),
        ('[policy]\ncall_clear_minutes = "ten"\n', 1, "policy.call_clear_minutes", "number"),
        ("[policy]\ncall_clear_minutes = true\n", 1, "policy.call_clear_minutes", "number"),
        ("[policy]\ncall_clear_minutes = inf\n", 1, "policy.call_clear_minutes", "finite"),
        (
            "[policy]\nx = 1\npage_resend_seconds = { urgent = 0 }\n",
            2,
            "policy.page_resend_seconds.urgent",
            "greater than 0",
        ),
        ('[policy]\ntransport_dispatch = "manual"\n', 1, "policy.transport_dispatch", "'auto'"),
        ("[policy]\ncosign_deadline_hours = 100000\n", 1, "policy.cosign_deadline_hours", "8760"),
        (
            '[policy.call_escalation]\nhigh = [{ after_seconds = 60, to = "the_doctor" }]\n',
            1,
            "policy.call_escalation.high[0].to",
            "'assigned_nurse'",
        ),
        (
            "[policy.call_escalation]\n"
            'low = [{ after_seconds = 60, to = "charge_nurse" },\n'
            '       { after_seconds = 30, to = "everyone" }]\n',
            1,
            "policy.call_escalation.low",
            "in order of after_seconds",
        ),
        (
            '[policy.call_escalation]\nmedium = [{ after_seconds = 5, who = "everyone" }]\n',
            1,
            "policy.call_escalation.medium[0].who",
            "unknown key",
        ),
    ],
)
def test_a_bad_value_is_reported_with_its_line_and_key(
    policy_toml: str, line: int, where: str, words: str
) -> None:
    with pytest.raises(LayoutError) as refused:
        decide(Hospital(), load(with_policy(policy_toml)))
    message = refused.value.message
    assert f"line {POLICY_LINE + line}: {where}" in message, message
    assert words in message, message


def test_the_rules_in_force_at_any_past_moment_replay() -> None:
    state = given()
    timeline: list[tuple[str, Policy]] = []
    for at, minutes in [("2025-03-01T08:00:00+00:00", 5), ("2025-03-02T08:00:00+00:00", 7)]:
        (changed,) = policy_sets(
            decide(state, load(with_policy(f"[policy]\ncall_clear_minutes = {minutes}\n")))
        )
        evolve(state, changed, at)
        timeline.append((at, changed.policy))
    assert state[PolicyInForce] == PolicyInForce(timeline[-1][1], timeline[-1][0])
    replayed = given()
    evolve(replayed, PolicySet(policy=timeline[0][1]), timeline[0][0])
    assert replayed[PolicyInForce].policy.call_clear_minutes == 5


def test_a_recorded_policy_reads_back_from_the_log_as_it_was_written() -> None:
    codec = EventCodec(HOUSE)
    event = PolicySet(policy=loaded_policy("[policy]\ncall_clear_minutes = 2.5\n"))
    assert codec.decode("PolicySet", 1, codec.encode(event)) == event
    written = msgspec.json.decode(codec.encode(event))
    assert written["policy"]["call_escalation"]["critical"] == [
        {"after_seconds": 0.0, "to": "everyone"}
    ]
