"""Orders and prints as the station's bed panel shows them (web/station_orders.py,
templates/_station_orders.html), on the test ward with a clock in the test's hands: the entry
form offers only the categories the role may enter (checked against the decider), the
active providers, and never prefills the identifiers typed from the requisition; the
read-back shows for a heard order and "Received by" for a verbal one; a refusal brings back
every typed value; the list shows each order's state (co-sign overdue in red) with the
actions the role is offered; the downloads of an admitted patient's armband and labels with
the last print of each; the digest the bed's tile carries changes with every order and print
the panel would show differently; and what each form did, in words."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from builders import admission_requested, admitted, bed_assigned, transfer_requested
from ward import PEOPLE, Ward, as_, with_policy

import unitboard.web.station  # noqa: F401  (the station's template globals: `val`)
from unitboard.domain.context import Context
from unitboard.domain.errors import NotAllowed
from unitboard.domain.orders.commands import (
    AcknowledgeOrder,
    CosignOrder,
    DiscontinueOrder,
    EnterOrder,
)
from unitboard.domain.orders.events import OrderEntered
from unitboard.domain.orders.state import Orders
from unitboard.domain.orders.values import CATEGORIES
from unitboard.domain.prints.commands import PrintIdentification
from unitboard.domain.stays.state import Stays
from unitboard.web.common import macros
from unitboard.web.station_orders import (
    categories_for,
    entered_words,
    order_confirmation,
    panel_records,
    records_look,
)

DOB = "1950-04-02"
"""The test patients' birth date (tests/hospital.py); their MRN is MRN-<encounter id>."""
SAM, NOOR, CASEY, PAT = as_("sam"), as_("noor"), as_("casey"), as_("pat")


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


def new_ward(deadline_hours: float = 48) -> Ward:
    """E1 lies in 4W-401-A; E2 waits for admission with 4W-402-A reserved; E3 lies in
    ICU-3-A, transferring to 4W with 4W-403-A reserved."""
    ward = Ward(with_policy(f"[policy]\ncosign_deadline_hours = {deadline_hours}\n"))
    ward.record(admitted("E1", "4W-401-A"))
    ward.record([admission_requested("E2"), bed_assigned("E2", "4W-402-A")])
    ward.record(admitted("E3", "ICU-3-A", unit_id="ICU"))
    ward.record([transfer_requested("E3", "4W"), bed_assigned("E3", "4W-403-A")])
    return ward


@pytest.fixture
def ward() -> Ward:
    return new_ward()


def entered(ward: Ward, ctx: Context = SAM, **data: Any) -> str:
    [event] = ward.do(order(**data), ctx)
    assert isinstance(event, OrderEntered)
    return event.order_id


def records(
    ward: Ward, ctx: Context = SAM, encounter_id: str = "E1", bed_id: str = "4W-401-A"
) -> dict[str, Any] | None:
    stay = ward.state[Stays].stays[encounter_id]
    return panel_records(ward.state, stay, bed_id, ctx)


def panel(
    ward: Ward,
    ctx: Context = SAM,
    values: dict[str, dict[str, str]] | None = None,
    errors: dict[str, str] | None = None,
    encounter_id: str = "E1",
    bed_id: str = "4W-401-A",
) -> str:
    """The orders section and the prints of the bed's panel, as the station draws them."""
    pc = {
        "unit_id": "4W",
        "bed": {"bed_id": bed_id},
        "records": records(ward, ctx, encounter_id, bed_id),
    }
    m = macros("_station_orders.html")
    return str(m.prints(pc)) + str(m.section(pc, "token", values or {}, errors or {}))


def options(html: str, name: str) -> list[str]:
    select = re.search(rf'<select name="{name}".*?</select>', html, re.S)
    assert select is not None, name
    return [v for v in re.findall(r'<option value="([^"]*)"', select.group(0)) if v]


def selected(html: str, name: str) -> list[str]:
    select = re.search(rf'<select name="{name}".*?</select>', html, re.S)
    assert select is not None, name
    return re.findall(r'<option value="([^"]*)" selected>', select.group(0))


def field(html: str, name: str) -> str:
    """The opening tag of the input named `name`."""
    found = re.search(rf'<input name="{name}"[^>]*>', html) or re.search(
        rf'<input type="checkbox" name="{name}"[^>]*>', html
    )
    assert found is not None, name
    return found.group(0)


def shown(html: str, css_class: str) -> bool:
    """Whether the form part with this class is shown (not `hidden`)."""
    part = re.search(rf'<div class="[^"]*{css_class}[^"]*"[^>]*>', html)
    assert part is not None, css_class
    return " hidden" not in part.group(0)


def words(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html)).strip()


def row(html: str, order_id: str) -> str:
    found = re.search(rf'<li id="order-{order_id}".*?</li>', html, re.S)
    assert found is not None, order_id
    return found.group(0)


# -- the entry form ----------------------------------------------------------------------------


def test_the_secretary_is_not_offered_medication_and_a_nurse_is(ward: Ward) -> None:
    assert "medication" not in options(panel(ward, SAM), "category")
    assert "medication" in options(panel(ward, NOOR), "category")
    assert "medication" in options(panel(ward, CASEY), "category")
    assert options(panel(ward, SAM), "category") == [c for c in CATEGORIES if c != "medication"]


@pytest.mark.parametrize("who", ["sam", "noor", "casey"])
def test_every_category_offered_is_accepted_and_every_other_refused(ward: Ward, who: str) -> None:
    ctx = as_(who)
    offered = {value for value, _ in categories_for(ctx.role)}
    for category in CATEGORIES:
        command = order(category=category)
        if category in offered:
            assert [e.type for e in ward.decide(command, ctx)] == ["OrderEntered"], category
        else:
            ward.refused(command, ctx, NotAllowed, "licensed")


def test_the_identifiers_are_typed_never_prefilled_nor_remembered_by_the_browser(
    ward: Ward,
) -> None:
    html = panel(ward)
    mrn, dob = field(html, "mrn"), field(html, "birth_date")
    assert 'value=""' in mrn and 'value=""' in dob
    assert 'autocomplete="off"' in mrn and 'autocomplete="off"' in dob
    assert "required" in mrn and "required" in dob and 'placeholder="YYYY-MM-DD"' in dob
    form = re.search(r'<form id="f-order"[^>]*>', html)
    assert form is not None and 'autocomplete="off"' in form.group(0)
    assert 'value="MRN-E1"' not in html and f'value="{DOB}"' not in html
    assert '<input type="hidden" name="encounter_id" value="E1">' in html


def test_the_directing_provider_is_chosen_among_the_active_providers(ward: Ward) -> None:
    html = panel(ward)
    assert options(html, "directing_provider") == ["pat"]
    assert ">Pat Provider</option>" in html
    assert selected(html, "directing_provider") == []  # chosen each time, never assumed


def test_the_read_back_shows_for_a_heard_order_and_received_by_for_a_verbal_one(
    ward: Ward,
) -> None:
    plain = panel(ward)
    assert not shown(plain, "st-order-readback") and "disabled" in field(plain, "read_back")
    assert "Read back to the provider and confirmed" in plain
    for mode, relayed in (("telephone", False), ("verbal", True)):
        html = panel(ward, values={"order": {"mode": mode}}, errors={"order": "Refused."})
        box = field(html, "read_back")
        assert shown(html, "st-order-readback") and "required" in box and "disabled" not in box
        received = re.search(r'<select name="received_by"[^>]*>', html)
        assert received is not None and ("disabled" not in received.group(0)) == relayed
    written = panel(ward, values={"order": {"mode": "written"}}, errors={"order": "Refused."})
    assert not shown(written, "st-order-readback")


def test_received_by_offers_the_nurses_and_defaults_to_the_one_entering(ward: Ward) -> None:
    html = panel(ward)
    assert options(html, "received_by") == ["casey", "iris", "ivy", "nick", "noor"]  # by name
    assert '<option value="">Me, Sam Secretary</option>' in html
    assert "noor" not in options(panel(ward, NOOR), "received_by")


def test_a_refusal_comes_back_in_the_form_with_every_typed_value(ward: Ward) -> None:
    typed = {
        "mrn": "MRN-E1",
        "birth_date": "1950-02-04",
        "category": "imaging",
        "detail": "Chest X-ray, portable",
        "priority": "stat",
        "mode": "telephone",
        "directing_provider": "pat",
        "read_back": "true",
    }
    message = "The birth date 1950-02-04 typed from the requisition does not match encounter E1."
    html = panel(ward, values={"order": typed}, errors={"order": message})
    assert 'id="order-entry" class="st-order-entry" open' in html
    assert 'value="MRN-E1"' in field(html, "mrn")
    assert 'value="1950-02-04"' in field(html, "birth_date")
    assert 'value="Chest X-ray, portable"' in field(html, "detail")
    assert selected(html, "category") == ["imaging"] and selected(html, "priority") == ["stat"]
    assert selected(html, "mode") == ["telephone"]
    assert selected(html, "directing_provider") == ["pat"]
    assert "checked" in field(html, "read_back")
    refusal = re.search(r'<form id="f-order".*?</form>', html, re.S)
    assert refusal is not None and message in refusal.group(0)
    assert 'class="refusal" role="alert"' in refusal.group(0)


# -- the list ----------------------------------------------------------------------------------


def test_each_order_shows_its_state_what_it_is_and_who_directed_and_entered_it() -> None:
    ward = new_ward(deadline_hours=1)
    new = entered(ward, detail="CBC", priority="stat", mode="telephone", read_back=True)
    acked = entered(ward, detail="Diet: clear liquids", category="diet")
    ward.do(AcknowledgeOrder(order_id=acked), NOOR)
    signed = entered(ward, detail="Up with assistance", category="activity")
    ward.do(CosignOrder(order_id=signed), PAT)
    stopped = entered(ward, detail="Chest X-ray", category="imaging")
    ward.do(DiscontinueOrder(order_id=stopped, reason="Done in ED"), CASEY)
    ward.advance(3601)
    ward.fire_due()  # the two unsigned ones in force are past their deadline
    html = panel(ward)
    assert re.findall(r'<li id="order-([^"]+)"', html) == [acked, new, signed, stopped]
    states = dict(re.findall(r'<li id="order-([^"]+)" class="st-order state-([a-z]+)', html))
    assert states == {new: "overdue", acked: "overdue", signed: "cosigned", stopped: "discontinued"}
    first = words(row(html, new))
    assert first.startswith("Co-sign overdue Lab STAT " + new)
    assert "CBC" in first and "Telephone, read back · directed by Pat Provider" in first
    assert "Entered by Sam Secretary 09:00" in first and "co-sign overdue since 10:00" in first
    assert '<span class="st-order-state state-overdue">Co-sign overdue</span>' in html
    assert "acknowledged by Noor Nurse 09:00" in words(row(html, acked))
    assert "Co-signed" in words(row(html, signed)) and "co-signed 09:00" in words(row(html, signed))
    assert "not acknowledged yet" in words(row(html, signed))  # the nurses still have it to do
    assert "not acknowledged" not in words(row(html, acked)) + words(row(html, stopped))
    assert "Discontinued by Casey Charge 09:00: “Done in ED”" in words(row(html, stopped))
    counts = re.search(r'<p class="st-order-counts".*?</p>', html, re.S)
    assert counts is not None and words(counts.group(0)) == "3 in force · 2 co-sign overdue"


def test_a_verbal_order_names_the_nurse_who_received_it(ward: Ward) -> None:
    relayed = entered(ward, mode="verbal", read_back=True, received_by="noor")
    assert "received by Noor Nurse" in words(row(panel(ward), relayed))
    own = entered(ward, detail="Own")
    assert "received by" not in words(row(panel(ward), own))


def test_each_role_is_offered_only_what_it_may_do_to_an_order(ward: Ward) -> None:
    fresh = entered(ward)
    seen = entered(ward, detail="Seen")
    ward.do(AcknowledgeOrder(order_id=seen), NOOR)
    secretary = panel(ward, SAM)
    assert "f-orack-" not in secretary and "f-ordc-" not in secretary
    nurse = panel(ward, NOOR)
    assert f'id="f-orack-{fresh}"' in nurse and f'id="f-orack-{seen}"' not in nurse
    assert "f-ordc-" not in nurse
    charge = panel(ward, CASEY)
    assert f'id="f-orack-{fresh}"' in charge
    assert f'id="f-ordc-{fresh}"' in charge and f'id="f-ordc-{seen}"' in charge
    discontinue = re.search(rf'<form id="f-ordc-{fresh}".*?</form>', charge, re.S)
    assert discontinue is not None
    assert 'name="reason" required' in discontinue.group(0)
    assert 'hx-target="#panel-orders"' in discontinue.group(0)
    assert '<input type="hidden" name="panel_bed" value="4W-401-A">' in discontinue.group(0)


def test_a_reason_typed_to_discontinue_comes_back_with_its_refusal(ward: Ward) -> None:
    order_id = entered(ward)
    form = f"ordc-{order_id}"
    html = panel(ward, CASEY, values={form: {"reason": "Duplicate"}}, errors={form: "Refused."})
    assert 'value="Duplicate"' in html
    assert re.search(rf'<form id="f-{form}".*Refused\..*?</form>', html, re.S)


# -- which panel, the prints -------------------------------------------------------------------


def test_orders_are_in_the_panel_of_the_bed_the_patient_lies_in_or_waits_for(ward: Ward) -> None:
    assert records(ward, SAM, "E1", "4W-401-A") is not None
    pending = records(ward, SAM, "E2", "4W-402-A")
    assert pending is not None and pending["entry"] is not None
    assert pending["prints"] is None  # an armband is for an admitted patient
    assert "armband.pdf" not in panel(ward, SAM, encounter_id="E2", bed_id="4W-402-A")
    # a transfer coming in: the unit the patient lies on follows their orders
    assert records(ward, SAM, "E3", "4W-403-A") is None
    assert records(ward, SAM, "E3", "ICU-3-A") is not None
    assert records(ward, Context("wall", "display", PEOPLE), "E1", "4W-401-A") is None


def test_an_admitted_patient_has_the_downloads_and_the_last_print_of_each(ward: Ward) -> None:
    html = panel(ward)
    links = re.findall(r'<a class="st-print" href="([^"]+)" download>([^<]+)</a>', html)
    assert links == [
        ("/api/stays/E1/armband.pdf", "Armband (PDF)"),
        ("/api/stays/E1/armband.zpl", "Armband (Zebra)"),
        ("/api/stays/E1/labels.pdf", "Labels (PDF)"),
    ]
    last = re.search(r'<p class="st-print-last">.*?</p>', html, re.S)
    assert last is not None
    assert words(last.group(0)) == "Armband not printed yet · Labels not printed yet"
    ward.advance(42 * 60)
    ward.do(PrintIdentification(encounter_id="E1", document="armband_pdf"), SAM)
    ward.do(PrintIdentification(encounter_id="E1", document="labels_pdf", copies=10), NOOR)
    last = re.search(r'<p class="st-print-last">.*?</p>', panel(ward), re.S)
    assert last is not None and words(last.group(0)) == (
        "Armband printed 09:42 by Sam Secretary · Labels printed 09:42 by Noor Nurse (10 labels)"
    )
    ward.advance(60)
    ward.do(PrintIdentification(encounter_id="E1", document="armband_zpl"), SAM)
    assert "Armband printed 09:43 by Sam Secretary (Zebra)" in words(panel(ward))


def test_the_tiles_digest_changes_with_each_order_and_print_the_panel_shows() -> None:
    ward = new_ward(deadline_hours=1)
    seen = [records_look(ward.state, "E1")]
    assert seen == [""]  # nothing to show yet
    order_id = entered(ward)
    ward.do(AcknowledgeOrder(order_id=order_id), NOOR)
    other = entered(ward, detail="Other")
    ward.advance(3601)
    ward.fire_due()
    steps: list[Callable[[], object]] = [
        lambda: None,
        lambda: ward.do(CosignOrder(order_id=order_id), PAT),
        lambda: ward.do(DiscontinueOrder(order_id=other, reason="Not needed"), CASEY),
        lambda: ward.do(PrintIdentification(encounter_id="E1", document="armband_pdf"), SAM),
    ]
    for step in steps:
        step()
        seen.append(records_look(ward.state, "E1"))
    assert len(set(seen)) == len(seen), seen
    ward.do(AcknowledgeOrder(order_id=order_id), NOOR)  # a second tap records nothing
    assert records_look(ward.state, "E1") == seen[-1]
    assert records_look(ward.state, "E2") == ""  # another patient's: not touched


# -- in words -----------------------------------------------------------------------------------


def test_each_order_form_says_what_it_did(ward: Ward) -> None:
    from unitboard.store import StoredEvent

    events = ward.do(order(priority="stat", mode="telephone", read_back=True), SAM)
    stored = [StoredEvent(1, e.stream_id, 1, e, {}, ward.at) for e in events]
    assert entered_words(ward.state, stored, SAM) == (
        "Order OR-1 entered for Smith, Jane (Lab, STAT, telephone, read back): it awaits "
        "Pat Provider's co-signature."
    )
    ward.do(AcknowledgeOrder(order_id="OR-1"), NOOR)
    said = order_confirmation(ward.state, "AcknowledgeOrder", {"order_id": "OR-1"})
    assert said == "Order OR-1 (Lab: CBC and BMP in the morning) acknowledged."
    ward.do(DiscontinueOrder(order_id="OR-1", reason="Drawn in ED"), CASEY)
    said = order_confirmation(ward.state, "DiscontinueOrder", {"order_id": "OR-1"})
    assert said == "Order OR-1 (Lab: CBC and BMP in the morning) discontinued (Drawn in ED)."
    assert ward.state[Orders].order("OR-1").state == "discontinued"
