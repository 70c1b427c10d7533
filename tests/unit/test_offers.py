"""What a screen offers comes from the domain: under any sequence of commands (the bed
invariants' state machine), every action offered to a role, with every choice it offers,
is accepted by `decide` for that role; and no one-tap action the domain would accept for a
role is hidden from it."""

from __future__ import annotations

from typing import Any

from builders import STAFF
from hypothesis import HealthCheck, settings
from hypothesis.stateful import invariant
from test_bed_invariants import BedBoard

from unitboard.domain.aggregates import HOUSE
from unitboard.domain.beds.state import Beds
from unitboard.domain.context import Context, KnownPeople
from unitboard.domain.errors import DomainError
from unitboard.domain.hospital import Hospital, decide
from unitboard.domain.offers import Offer
from unitboard.domain.roles import ROLES
from unitboard.domain.stays.state import Stays

ONE_TAP = {
    "bed": ("StartCleaning", "MarkBedClean", "UndoBedClean", "UnblockBed"),
    "stay": ("MarkArrived", "DischargePatient"),
}
"""Actions that need nothing but the bed or stay: offered whenever the domain would act."""
PEOPLE = KnownPeople(STAFF)


def commands_of(offer: Offer) -> list[dict[str, Any]]:
    """The data of every command the offer stands for: each of its choices, the inputs a
    person types filled in (free text, or the value the form starts from)."""
    typed = {name: offer.current.get(name, "checked") for name in offer.inputs}
    typed = {
        name: value
        for name, value in typed.items()
        if name not in ("until", "expected_at", "scheduled_for")
    }
    base = {**offer.data, **typed}
    if not offer.choices:
        return [base]
    return [
        {**base, field: choice.value}
        for field, choices in offer.choices.items()
        for choice in choices
    ]


def offers_for_anyone(state: Hospital, kind: str, key: str) -> list[Offer]:
    """Every offer on the thing, before the registry keeps those a role may send (the
    offerings do not depend on the role; the registry's filter is the role's part)."""
    anyone = Context("anyone", "admin", PEOPLE)
    return [offer for offering in HOUSE.offerings[kind] for offer in offering(state, key, anyone)]


def refusals(state: Hospital, kind: str, key: str) -> list[str]:
    found = []
    offers = offers_for_anyone(state, kind, key)
    for role in ROLES:
        context = Context(role, role, PEOPLE)
        offered = [offer for offer in offers if HOUSE.may(role, offer.command)]
        for offer in offered:
            model = HOUSE.commands[offer.command].model
            for data in commands_of(offer):
                try:
                    decide(state, model.model_validate(data), context)
                except DomainError as refused:
                    found.append(f"{role} offered {offer.command} {data}: {refused.message}")
        found += hidden(state, kind, key, context, {offer.command for offer in offered})
    return found


def hidden(state: Hospital, kind: str, key: str, context: Context, offered: set[str]) -> list[str]:
    found = []
    for name in ONE_TAP[kind]:
        if name in offered or not HOUSE.may(context.role, name):
            continue
        data = {"bed_id" if kind == "bed" else "encounter_id": key}
        try:
            events = decide(state, HOUSE.commands[name].model.model_validate(data), context)
        except DomainError:
            continue
        if events:
            found.append(f"{context.role} is not offered {name} on {key}, which would act")
    return found


class OfferedBoard(BedBoard):
    @invariant()
    def every_offer_is_accepted_for_the_role_that_sees_it(self) -> None:
        state = self.state
        subjects = [("bed", bed_id) for bed_id in state[Beds].beds]
        subjects += [("stay", encounter_id) for encounter_id in state[Stays].open_stays]
        problems = [problem for kind, key in subjects for problem in refusals(state, kind, key)]
        assert not problems, "\n".join(problems)


TestOfferedBoard = OfferedBoard.TestCase
TestOfferedBoard.settings = settings(
    max_examples=100,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
