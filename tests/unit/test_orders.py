"""Orders under a provider's direction, one rule at a time: the two identifiers typed from
the requisition, the read-back of a heard order, medication kept from the secretary, the
directing provider alone co-signing (once), acknowledging and discontinuing with reasons,
no order for a stay that has ended, and an unsigned order turning overdue at its deadline,
paging the directing provider once and never after the co-signature."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from builders import discharged
from pydantic import ValidationError
from ward import PEOPLE, SCHEDULER, Ward, as_, of_type, types, with_policy

from unitboard.domain.context import Context
from unitboard.domain.errors import InvalidInput, NotAllowed, NotFound, RuleViolation
from unitboard.domain.orders.commands import (
    AcknowledgeOrder,
    CosignOrder,
    DiscontinueOrder,
    EnterOrder,
    MarkOrderOverdue,
)
from unitboard.domain.orders.events import OrderEntered, OrderOverdue
from unitboard.domain.orders.offers import order_offers
from unitboard.domain.orders.state import Orders
from unitboard.domain.pages.events import PageSent
from unitboard.domain.pages.state import Pages

BED = "4W-401-A"
DOB = "1950-04-02"
"""The test patients' birth date (tests/hospital.py); their MRN is MRN-<encounter id>."""


def order(encounter_id: str = "E1", **data: Any) -> EnterOrder:
    return EnterOrder.model_validate(
        {
            "encounter_id": encounter_id,
            "mrn": f"MRN-{encounter_id}",
            "birth_date": DOB,
            "category": "lab",
            "detail": "CBC and BMP in the morning",
            "mode": "written",
            "directing_provider": "pat",
            **data,
        }
    )


@pytest.fixture
def ward() -> Ward:
    ward = Ward()
    ward.admit("E1", BED, nurse="noor")
    return ward


def entered(ward: Ward, by: str = "sam", **data: Any) -> str:
    [event] = ward.do(order(**data), as_(by))
    assert isinstance(event, OrderEntered)
    return event.order_id


# -- entering ------------------------------------------------------------------------------


def test_an_order_records_who_directed_received_and_entered_it(ward: Ward) -> None:
    [event] = ward.do(order(mode="telephone", read_back=True, priority="stat"), as_("sam"))
    assert isinstance(event, OrderEntered)
    assert (event.order_id, event.unit_id, event.directing_provider) == ("OR-1", "4W", "pat")
    assert (event.received_by, event.by, event.read_back) == ("sam", "sam", True)
    assert (event.mrn, event.birth_date, event.priority) == ("MRN-E1", DOB, "stat")
    kept = ward.state[Orders].order("OR-1")
    assert kept.entered_at == ward.at and kept.state == "new"
    assert entered(ward) == "OR-2"


def test_a_verbal_order_relayed_by_a_nurse_names_the_nurse_who_heard_it(ward: Ward) -> None:
    [event] = ward.do(order(mode="verbal", read_back=True, received_by="noor"), as_("sam"))
    assert isinstance(event, OrderEntered)
    assert (event.received_by, event.by) == ("noor", "sam")
    ward.refused(
        order(mode="verbal", read_back=True, received_by="nobody"),
        as_("sam"),
        NotFound,
        "nobody",
    )


@pytest.mark.parametrize(
    ("typed", "named", "not_named"),
    [
        ({"mrn": "MRN-E2"}, "the MRN MRN-E2", "birth date"),
        ({"birth_date": "1950-02-04"}, "the birth date 1950-02-04", "MRN "),
        (
            {"mrn": "MRN-E9", "birth_date": "1951-04-02"},
            "the MRN MRN-E9 and the birth date 1951-04-02",
            "",
        ),
    ],
)
def test_identifiers_that_do_not_match_the_stay_are_refused_naming_which(
    ward: Ward, typed: dict[str, str], named: str, not_named: str
) -> None:
    message = ward.refused(order(**typed), as_("sam"), InvalidInput, "E1", "requisition")
    assert named[0].upper() + named[1:] in message
    if not_named:
        assert not_named not in message
    assert ward.state[Orders].orders == {}


def test_identifiers_are_compared_as_typed_with_surrounding_spaces_ignored(ward: Ward) -> None:
    [event] = ward.do(order(mrn="  MRN-E1 "), as_("sam"))
    assert isinstance(event, OrderEntered) and event.mrn == "MRN-E1"


@pytest.mark.parametrize("mode", ["verbal", "telephone"])
def test_a_heard_order_needs_its_read_back_confirmed(ward: Ward, mode: str) -> None:
    ward.refused(order(mode=mode), as_("sam"), InvalidInput, "read back", "Pat Provider")
    assert types(ward.decide(order(mode=mode, read_back=True), as_("sam"))) == ["OrderEntered"]


@pytest.mark.parametrize("mode", ["written", "protocol"])
def test_a_written_or_protocol_order_needs_no_read_back(ward: Ward, mode: str) -> None:
    assert types(ward.decide(order(mode=mode), as_("sam"))) == ["OrderEntered"]


def test_medication_is_refused_for_the_secretary_and_taken_from_a_nurse(ward: Ward) -> None:
    medication = order(category="medication", detail="Acetaminophen 650 mg PO q6h PRN")
    ward.refused(medication, as_("sam"), NotAllowed, "Medication", "licensed", "secretary")
    assert types(ward.decide(medication, as_("noor"))) == ["OrderEntered"]
    assert types(ward.decide(medication, as_("casey"))) == ["OrderEntered"]


@pytest.mark.parametrize("provider", ["noor", "nobody", "gil"])
def test_the_directing_provider_must_be_an_active_provider(ward: Ward, provider: str) -> None:
    ward.refused(order(directing_provider=provider), as_("sam"), NotFound, provider, "provider")


def test_no_order_for_a_stay_that_has_ended_or_never_was(ward: Ward) -> None:
    ward.refused(order("E404"), as_("sam"), NotFound, "E404")
    ward.record(discharged("E1", BED))
    ward.refused(order(), as_("sam"), RuleViolation, "discharged", "admitted")


def test_a_pending_admission_takes_orders(ward: Ward) -> None:
    from builders import admission_requested

    ward.record([admission_requested("E2")])
    assert types(ward.decide(order("E2"), as_("sam"))) == ["OrderEntered"]


def test_detail_and_category_are_checked_before_the_rules(ward: Ward) -> None:
    with pytest.raises(ValidationError):
        order(detail="   ")
    with pytest.raises(ValidationError):
        order(category="surgery")
    with pytest.raises(ValidationError):
        order(detail="x" * 501)
    with pytest.raises(ValidationError):
        order(birth_date="1950-02-30")


def test_a_callers_own_id_is_kept_and_a_retry_records_nothing(ward: Ward) -> None:
    assert entered(ward, order_id="LAB-77") == "LAB-77"
    assert ward.decide(order(order_id="LAB-77"), as_("sam")) == []
    ward.refused(order(order_id="LAB-77", detail="Other"), as_("sam"), RuleViolation, "LAB-77")
    ward.refused(order(order_id="OR-9"), as_("sam"), InvalidInput, "leave order_id out")


# -- acknowledging, co-signing, discontinuing ----------------------------------------------


def test_a_nurse_acknowledges_once_and_a_second_tap_records_nothing(ward: Ward) -> None:
    order_id = entered(ward)
    assert types(ward.do(AcknowledgeOrder(order_id=order_id), as_("noor"))) == ["OrderAcknowledged"]
    assert ward.state[Orders].order(order_id).state == "acknowledged"
    assert ward.decide(AcknowledgeOrder(order_id=order_id), as_("noor")) == []
    ward.refused(AcknowledgeOrder(order_id=order_id), as_("nick"), RuleViolation, "Noor Nurse")


def test_only_the_directing_provider_cosigns_and_only_once(ward: Ward) -> None:
    order_id = entered(ward)
    other = Context("drlee", "provider", PEOPLE)
    ward.refused(CosignOrder(order_id=order_id), other, NotAllowed, "Pat Provider")
    assert types(ward.do(CosignOrder(order_id=order_id), as_("pat"))) == ["OrderCosigned"]
    kept = ward.state[Orders].order(order_id)
    assert (kept.cosigned_by, kept.cosigned_at, kept.state) == ("pat", ward.at, "cosigned")
    ward.refused(CosignOrder(order_id=order_id), as_("pat"), RuleViolation, "co-signed already")
    ward.refused(CosignOrder(order_id="OR-404"), as_("pat"), NotFound, "OR-404")


def test_a_discontinued_order_is_not_acknowledged_and_is_discontinued_once(ward: Ward) -> None:
    order_id = entered(ward)
    stop = DiscontinueOrder(order_id=order_id, reason="Drawn in ED already")
    assert types(ward.do(stop, as_("pat"))) == ["OrderDiscontinued"]
    kept = ward.state[Orders].order(order_id)
    assert (kept.state, kept.discontinued_by, kept.discontinue_reason) == (
        "discontinued",
        "pat",
        "Drawn in ED already",
    )
    ward.refused(
        AcknowledgeOrder(order_id=order_id), as_("noor"), RuleViolation, "discontinued", "ED"
    )
    ward.refused(stop, as_("casey"), RuleViolation, "discontinued already", "Pat Provider")


def test_a_discontinued_order_still_awaits_its_cosignature(ward: Ward) -> None:
    """A heard order was carried out until it was stopped: the provider still signs it."""
    order_id = entered(ward, mode="telephone", read_back=True)
    ward.do(DiscontinueOrder(order_id=order_id, reason="Changed plan"), as_("casey"))
    assert order_id in ward.state[Orders].unsigned
    assert types(ward.do(CosignOrder(order_id=order_id), as_("pat"))) == ["OrderCosigned"]


def test_what_an_order_offers_each_role(ward: Ward) -> None:
    order_id = entered(ward)

    def offered(username: str) -> list[str]:
        ctx = as_(username)
        return [o.command for o in ward.state.registry.offered(ward.state, "order", order_id, ctx)]

    assert offered("noor") == ["AcknowledgeOrder"]
    assert offered("pat") == ["CosignOrder", "DiscontinueOrder"]
    assert offered("casey") == ["AcknowledgeOrder", "DiscontinueOrder"]
    assert offered("sam") == []
    assert [o.command for o in order_offers(ward.state, "OR-404", as_("pat"))] == []


# -- the co-sign deadline -------------------------------------------------------------------


def deadline_ward(hours: str = "0.01") -> Ward:
    ward = Ward(with_policy(f"[policy]\ncosign_deadline_hours = {hours}\n"))
    ward.admit("E1", BED, nurse="noor")
    return ward


def test_an_unsigned_order_turns_overdue_at_its_deadline_and_pages_the_provider_once() -> None:
    ward = deadline_ward()
    order_id = entered(ward)
    [due] = ward.due()
    assert due.at == ward.now + dt.timedelta(seconds=36)
    assert due.command == MarkOrderOverdue(order_id=order_id)
    ward.advance(35)
    assert ward.fire_due() == []
    ward.advance(1)
    fired = ward.fire_due()
    assert types(fired) == ["OrderOverdue", "PageSent"]
    overdue, page = of_type(fired, "OrderOverdue")[0], of_type(fired, "PageSent")[0]
    assert isinstance(overdue, OrderOverdue) and isinstance(page, PageSent)
    assert (page.to, page.recipient, page.regarding, page.regarding_kind) == (
        "pat",
        "person",
        order_id,
        "order",
    )
    assert order_id in page.message and len(page.message) <= 160
    assert ward.state[Orders].order(order_id).state == "overdue"
    assert ward.decide(MarkOrderOverdue(order_id=order_id), SCHEDULER) == []
    assert [d.command.__class__.__name__ for d in ward.due()] == ["ResendPage"]
    ward.do(CosignOrder(order_id=order_id), as_("pat"))
    ward.advance(3600)
    assert ward.fire_due() == [] and ward.due() == [], "a signed order's page is not re-sent"
    assert len(ward.state[Pages].open) == 1


def test_a_cosigned_order_never_turns_overdue_and_an_overdue_one_clears_on_signing() -> None:
    ward = deadline_ward()
    signed, late = entered(ward), entered(ward)
    ward.do(CosignOrder(order_id=signed), as_("pat"))
    assert [d.command for d in ward.due()] == [MarkOrderOverdue(order_id=late)]
    ward.advance(60)
    assert types(ward.fire_due()) == ["OrderOverdue", "PageSent"]
    assert ward.decide(MarkOrderOverdue(order_id=signed), SCHEDULER) == []
    ward.do(CosignOrder(order_id=late), as_("pat"))
    kept = ward.state[Orders].order(late)
    assert (kept.state, kept.overdue) == ("cosigned", False)
    assert kept.overdue_at is not None, "the record keeps that it was signed late"


def test_the_deadline_follows_the_policy_in_the_layout_file() -> None:
    ward = deadline_ward("48")
    entered(ward)
    [due] = ward.due()
    assert due.at == ward.now + dt.timedelta(hours=48)
