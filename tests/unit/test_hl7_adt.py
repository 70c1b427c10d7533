"""The ADT feed's mapping: each message the EHR sends, read against the hospital as it stands,
gives the commands the API would take; applied through the real domain, the board ends where
the message says. Resent or already-true messages give no commands; messages out of order,
or naming places the layout does not have, are refused with a sentence that says what to do."""

from __future__ import annotations

import pytest
from builders import (
    admitted,
    blocked,
    cleaned,
    discharged,
    fold_all,
    given,
    reserved,
    transfer_requested,
)
from builders import marked_dirty as dirty
from hl7_samples import (
    ATTENDING,
    FIXTURES,
    adt,
    data,
    fixture,
    message,
    msh,
    names,
    npu,
    pd1,
    pid,
    pv1,
    run,
    segment,
)

from hospital import LAYOUT
from unitboard.domain.aggregates import HOUSE
from unitboard.domain.beds.state import Beds
from unitboard.domain.errors import RuleViolation
from unitboard.domain.events import Event
from unitboard.domain.hospital import Hospital, decide
from unitboard.domain.layout.commands import LoadLayout
from unitboard.domain.stays.state import Stays
from unitboard.integrations.hl7.adt import COMMANDS, Plan, Refused, Unsupported, plan
from unitboard.integrations.hl7.message import Unparseable, parse, text
from unitboard.integrations.hl7.refusals import APPLICATION_ERROR, REQUIRED_FIELD_MISSING

MRN = "000123456"


def planned(state: Hospital, raw: bytes) -> Plan:
    return plan(parse(raw), state)


def refused(state: Hospital, raw: bytes, code: str, *fragments: str) -> str:
    """The message is refused with `code`, in a sentence naming each fragment."""
    with pytest.raises(Refused) as caught:
        planned(state, raw)
    said = caught.value.text
    for fragment in fragments:
        assert fragment in said, f"{fragment!r} not in {said!r}"
    assert said[:1].isupper() and said.endswith("."), said
    assert caught.value.error_code == code
    return said


def ours(encounter_id: str = "E100", bed_id: str = "4W-401-A", **admission: str) -> list[Event]:
    """A stay of the EHR's patient (MRN 000123456) lying in `bed_id`."""
    return admitted(encounter_id, bed_id, mrn=MRN, **admission)


# -- A01 admit -------------------------------------------------------------------------------


def test_a01_admits_assigns_and_arrives_and_the_board_shows_the_patient_in_the_bed() -> None:
    state = given()
    admit = planned(state, adt("A01", pid(), pv1("E100", "4W^401^A^RIVERSIDE")))

    assert admit.event == "ADT^A01"
    assert names(admit) == ["RequestAdmission", "AssignBed", "MarkArrived"]
    assert data(admit, "RequestAdmission") == {
        "encounter_id": "E100",
        "mrn": MRN,
        "family_name": "Lefèvre",
        "given_name": "Zoë",
        "birth_date": "1950-04-02",
        "sex": "F",
        "unit_id": "4W",
        "source": "ed",
        "attending": "Dr. Adeyemi",
        "confidential": False,
    }
    assert data(admit, "AssignBed") == {"encounter_id": "E100", "bed_id": "4W-401-A"}
    assert "Lefèvre" not in admit.note and MRN not in admit.note

    run(state, admit)
    stay = state[Stays].stay("E100")
    assert (stay.status, stay.bed_id, stay.display_name) == ("admitted", "4W-401-A", "Lefèvre, Zoë")
    bed = state[Beds].bed("4W-401-A")
    assert (bed.occupancy, bed.encounter_id) == ("occupied", "E100")


def test_a01_again_for_a_patient_already_in_that_bed_gives_no_steps() -> None:
    state = given()
    raw = adt("A01", pid(), pv1("E100", "4W^401^A"))
    run(state, planned(state, raw))

    again = planned(state, adt("A01", pid(), pv1("E100", "4W^401^A"), control="RESENT"))
    assert again.steps == []
    assert "already admitted" in again.note


def test_a01_for_a_patient_admitted_in_another_bed_is_refused_asking_for_an_a02() -> None:
    state = given(ours("E100", "4W-401-A"))
    refused(state, adt("A01", pid(), pv1("E100", "4W^403^B")), "207", "4W-401-A", "A02", "4W-403-B")


def test_a01_for_a_pending_admission_assigns_the_bed_and_marks_the_arrival() -> None:
    state = given(
        [
            *reserved("E100", "4W-402-A", mrn=MRN),
            *reserved("E200", "4W-404-A", mrn="M2")[:1],  # pending, no bed yet
        ]
    )
    into_reserved = planned(state, adt("A01", pid(), pv1("E100", "4W^402^A")))
    assert names(into_reserved) == ["MarkArrived"]

    other = adt("A01", pid(mrn="M2", family="Nguyen"), pv1("E200", "4W^404^A"))
    assert names(planned(state, other)) == ["AssignBed", "MarkArrived"]

    run(state, into_reserved)
    run(state, planned(state, other))
    assert state[Stays].stay("E100").bed_id == "4W-402-A"
    assert state[Stays].stay("E200").bed_id == "4W-404-A"


def test_a01_for_a_pending_admission_applies_a_confidentiality_set_since() -> None:
    state = given(reserved("E100", "4W-402-A", mrn=MRN))
    arrive = planned(state, adt("A01", pid(), pd1("Y"), pv1("E100", "4W^402^A")))
    assert arrive.steps == [
        ("UpdatePatient", {"encounter_id": "E100", "confidential": True}),
        ("MarkArrived", {"encounter_id": "E100"}),
    ]
    run(state, arrive)
    stay = state[Stays].stay("E100")
    assert (stay.status, stay.confidential) == ("admitted", True)


def test_a01_for_a_pending_admission_clears_confidentiality_only_when_told() -> None:
    def arrival(*body: str) -> list[str]:
        state = given(reserved("E100", "4W-402-A", mrn=MRN, confidential=True))
        return names(planned(state, adt("A01", pid(), *body)))

    assert arrival(pv1("E100", "4W^402^A")) == ["MarkArrived"]
    assert arrival(pd1("N"), pv1("E100", "4W^403^A")) == [
        "UpdatePatient",
        "AssignBed",
        "MarkArrived",
    ]
    assert arrival(pd1("Y"), pv1("E100", "4W^402^A")) == ["MarkArrived"]


def test_a01_without_a_bed_requests_the_admission_to_the_unit() -> None:
    admit = planned(given(), adt("A01", pid(), pv1("E100", "ICU")))
    assert names(admit) == ["RequestAdmission"]
    assert data(admit, "RequestAdmission")["unit_id"] == "ICU"


def test_a01_for_a_discharged_encounter_says_to_cancel_the_discharge_first() -> None:
    state = given(ours("E100", "4W-401-A"), discharged("E100", "4W-401-A"))
    refused(state, adt("A01", pid(), pv1("E100", "4W^402^A")), "207", "discharged", "A13")


# -- A04 / A05 pending admission -------------------------------------------------------------


@pytest.mark.parametrize("trigger", ["A04", "A05"])
def test_a04_and_a05_request_a_pending_admission_and_reserve_a_named_bed(trigger: str) -> None:
    state = given()
    pre = planned(state, adt(trigger, pid(), pv1("E100", "4W^403^C")))
    assert pre.event == f"ADT^{trigger}"
    assert names(pre) == ["RequestAdmission", "AssignBed"]

    run(state, pre)
    stay = state[Stays].stay("E100")
    assert (stay.status, stay.reserved_bed_id, stay.bed_id) == ("pending", "4W-403-C", None)
    assert state[Beds].bed("4W-403-C").occupancy == "reserved"

    assert planned(state, adt(trigger, pid(), pv1("E100", "4W^403^C"))).steps == []
    arrive = planned(state, adt("A01", pid(), pv1("E100", "4W^403^C")))
    assert names(arrive) == ["MarkArrived"]


def test_a05_without_a_bed_is_pending_on_the_unit_and_a_later_a05_reserves_the_bed() -> None:
    state = given()
    run(state, planned(state, adt("A05", pid(), pv1("E100", "ICU"))))
    assert state[Stays].stay("E100").unit_id == "ICU"

    with_bed = planned(state, adt("A05", pid(), pv1("E100", "ICU^1^A")))
    assert names(with_bed) == ["AssignBed"]


# -- A02 transfer ----------------------------------------------------------------------------


def test_a02_within_the_unit_moves_the_patient_and_again_gives_no_steps() -> None:
    state = given(ours("E100", "4W-401-A"))
    move = planned(state, adt("A02", pid(), pv1("E100", "4W^403^A")))
    assert move.steps == [("MovePatient", {"encounter_id": "E100", "bed_id": "4W-403-A"})]

    run(state, move)
    assert state[Stays].stay("E100").bed_id == "4W-403-A"
    assert state[Beds].bed("4W-401-A").cleanliness == "dirty"
    assert planned(state, adt("A02", pid(), pv1("E100", "4W^403^A"))).steps == []


def test_a02_to_another_unit_requests_the_transfer_then_moves() -> None:
    state = given(ours("E100", "4W-401-A"))
    move = planned(state, adt("A02", pid(), pv1("E100", "ICU^3^A")))
    assert names(move) == ["RequestTransfer", "MovePatient"]
    assert data(move, "RequestTransfer") == {
        "encounter_id": "E100",
        "to_unit_id": "ICU",
        "reason": "Transferred in the EHR (A02), to Intensive Care",
    }

    run(state, move)
    stay = state[Stays].stay("E100")
    assert (stay.unit_id, stay.bed_id, stay.transfer_to_unit_id) == ("ICU", "ICU-3-A", None)
    assert state[Beds].bed("4W-401-A").encounter_id is None


def test_a02_within_the_unit_or_into_the_pending_transfers_unit_just_moves() -> None:
    state = given(ours("E100", "ICU-3-A", unit_id="ICU"), transfer_requested("E100", "4W"))
    move = planned(state, adt("A02", pid(), pv1("E100", "ICU^1^A")))
    assert names(move) == ["MovePatient"]  # a move within ICU keeps the transfer pending

    to_4w = planned(state, adt("A02", pid(), pv1("E100", "4W^402^A")))
    assert names(to_4w) == ["MovePatient"]  # into the unit the transfer is pending to
    run(state, to_4w)
    assert state[Stays].stay("E100").bed_id == "4W-402-A"


def test_a02_to_a_third_unit_while_a_transfer_is_pending_elsewhere_replaces_it() -> None:
    third_unit = (
        '\n[[unit]]\nid = "3N"\nname = "3 North"\n\n[[unit.room]]\nid = "301"\nbeds = ["A"]\n'
    )
    state = fold_all(
        [
            decide(Hospital(), LoadLayout(toml=LAYOUT + third_unit)),
            ours("E100", "4W-401-A"),
            transfer_requested("E100", "ICU"),
        ]
    )
    move = planned(state, adt("A02", pid(), pv1("E100", "3N^301^A")))
    assert names(move) == ["CancelTransfer", "RequestTransfer", "MovePatient"]
    run(state, move)
    stay = state[Stays].stay("E100")
    assert (stay.unit_id, stay.bed_id, stay.transfer_to_unit_id) == ("3N", "3N-301-A", None)


def test_a02_for_an_unknown_encounter_is_refused_as_out_of_order() -> None:
    refused(
        given(),
        adt("A02", pid(), pv1("E999", "4W^401^A")),
        "204",
        "Encounter E999 is not on the board",
        "A01",
    )


def test_a02_for_a_patient_not_arrived_yet_is_refused() -> None:
    state = given(reserved("E100", "4W-401-A", mrn=MRN))
    refused(state, adt("A02", pid(), pv1("E100", "4W^402^A")), "207", "not arrived", "A01")


def test_a02_without_a_bed_is_refused_naming_the_field() -> None:
    state = given(ours("E100", "4W-401-A"))
    refused(state, adt("A02", pid(), pv1("E100", "4W")), "101", "PV1-3")


def test_the_domain_still_refuses_a_move_into_an_occupied_bed_with_its_own_words() -> None:
    state = given(ours("E100", "4W-401-A"), admitted("E200", "4W-401-B"))
    move = planned(state, adt("A02", pid(), pv1("E100", "4W^401^B")))
    with pytest.raises(RuleViolation, match="occupied by another patient"):
        run(state, move)


# -- A03 discharge, A13 cancel discharge -----------------------------------------------------


def test_a03_discharges_and_notes_pv1_45_and_again_gives_no_steps() -> None:
    state = given(ours("E100", "4W-401-A"))
    leave = planned(state, adt("A03", pid(), pv1("E100", "4W^401^A", discharged="20250301160000")))
    assert leave.steps == [("DischargePatient", {"encounter_id": "E100"})]
    assert "20250301160000" in leave.note

    run(state, leave)
    assert state[Stays].stay("E100").status == "discharged"
    assert state[Beds].bed("4W-401-A").cleanliness == "dirty"
    assert planned(state, adt("A03", pid(), pv1("E100", "4W^401^A"))).steps == []


def test_a03_for_an_unknown_encounter_is_refused() -> None:
    refused(given(), adt("A03", pid(), pv1("E404", "4W^401^A")), "204", "E404")


def test_a13_cancels_the_discharge_and_the_patient_is_back_in_the_bed() -> None:
    state = given(ours("E100", "4W-401-A"), discharged("E100", "4W-401-A"))
    back = planned(state, adt("A13", pid(), pv1("E100", "4W^401^A")))
    assert back.steps == [
        (
            "CancelDischarge",
            {"encounter_id": "E100", "reason": "Discharge cancelled in the EHR (A13)"},
        )
    ]
    run(state, back)
    assert (state[Stays].stay("E100").status, state[Stays].stay("E100").bed_id) == (
        "admitted",
        "4W-401-A",
    )
    assert planned(state, adt("A13", pid(), pv1("E100", "4W^401^A"))).steps == []


def test_a13_for_a_pending_admission_is_refused() -> None:
    state = given(reserved("E100", "4W-401-A", mrn=MRN))
    refused(state, adt("A13", pid(), pv1("E100", "4W^401^A")), "207", "never discharged")


# -- A08 update, A11 cancel admit ------------------------------------------------------------


def test_a08_updates_only_what_changed_and_again_gives_no_steps() -> None:
    state = given(ours("E100", "4W-401-A", family_name="Lefevre", given_name="Zoë"))
    a08 = adt(
        "A08",
        pid(family="Lefèvre", birth="19500403"),
        pv1("E100", "4W^401^A", attending="5678^Lindqvist^Karin^^^Dr"),
    )
    update = planned(state, a08)
    assert update.steps == [
        (
            "UpdatePatient",
            {
                "encounter_id": "E100",
                "family_name": "Lefèvre",
                "birth_date": "1950-04-03",
                "attending": "Dr. Lindqvist",
            },
        )
    ]
    run(state, update)
    stay = state[Stays].stay("E100")
    assert (stay.family_name, stay.birth_date.isoformat(), stay.attending) == (
        "Lefèvre",
        "1950-04-03",
        "Dr. Lindqvist",
    )
    assert planned(state, a08).steps == []


@pytest.mark.parametrize(
    ("before", "body", "after"),
    [
        (False, [pd1("Y")], True),
        (False, [], False),
        (True, [pd1("N")], False),
        (True, [pd1('""')], False),
        (True, [], True),
        (True, [pd1("")], True),
    ],
)
def test_a08_sets_confidentiality_and_clears_it_only_when_told(
    before: bool, body: list[str], after: bool
) -> None:
    state = given(admitted("E100", "4W-401-A", mrn=MRN, confidential=before))
    update = planned(state, adt("A08", pid(), *body, pv1("E100", "4W^401^A", attending="")))
    run(state, update)
    assert state[Stays].stay("E100").confidential is after
    assert planned(state, adt("A08", pid(), *body, pv1("E100", "4W^401^A"))).steps == [
        ("UpdatePatient", {"encounter_id": "E100", "attending": "Dr. Adeyemi"})
    ]


def test_a08_reads_the_vip_indicator_as_confidential_and_n_as_not() -> None:
    state = given(ours("E100", "4W-401-A"))
    vip = planned(state, adt("A08", pid(), pv1("E100", "4W^401^A", vip="VIP")))
    assert data(vip, "UpdatePatient")["confidential"] is True
    run(state, vip)
    no_longer = planned(state, adt("A08", pid(), pv1("E100", "4W^401^A", vip="N")))
    assert data(no_longer, "UpdatePatient")["confidential"] is False


def test_a08_leaving_fields_out_changes_none_of_them() -> None:
    state = given(ours("E100", "4W-401-A", sex="M", family_name="Lefèvre", given_name="Zoë"))
    left_out = pid(name="^", birth="", sex="")
    assert planned(state, adt("A08", left_out, pv1("E100", "4W^401^A", attending=""))).steps == []
    unknown = planned(state, adt("A08", pid(sex='""'), pv1("E100", "4W^401^A", attending="")))
    assert unknown.steps == [("UpdatePatient", {"encounter_id": "E100", "sex": "U"})]
    run(state, unknown)
    stay = state[Stays].stay("E100")
    assert (stay.sex, stay.display_name, stay.birth_date.isoformat()) == (
        "U",
        "Lefèvre, Zoë",
        "1950-04-02",
    )


def test_a08_with_only_one_of_the_names_is_refused_naming_the_other() -> None:
    state = given(ours("E100", "4W-401-A"))
    refused(state, adt("A08", pid(given=""), pv1("E100", "4W^401^A")), "101", "PID-5.2")


def test_a08_with_another_mrn_for_the_encounter_is_refused() -> None:
    state = given(ours("E100", "4W-401-A"))
    refused(state, adt("A08", pid(mrn="999"), pv1("E100", "4W^401^A")), "205", "another patient")


def test_a11_cancels_the_admission_in_words_and_again_gives_no_steps() -> None:
    state = given(ours("E100", "4W-401-A"))
    cancel = planned(state, adt("A11", pid(), pv1("E100", "4W^401^A")))
    assert cancel.steps == [
        ("CancelAdmission", {"encounter_id": "E100", "reason": "Cancelled in the EHR (A11)"})
    ]
    run(state, cancel)
    assert state[Stays].stay("E100").status == "cancelled"
    assert state[Beds].bed("4W-401-A").encounter_id is None
    assert planned(state, adt("A11", pid(), pv1("E100", "4W^401^A"))).steps == []


# -- A12 cancel transfer ---------------------------------------------------------------------


def test_a12_cancels_a_pending_transfer() -> None:
    state = given(ours("E100", "4W-401-A"), transfer_requested("E100", "ICU"))
    cancel = planned(state, adt("A12", pid(), pv1("E100", "4W^401^A")))
    assert cancel.steps == [
        (
            "CancelTransfer",
            {"encounter_id": "E100", "reason": "Transfer cancelled in the EHR (A12)"},
        )
    ]
    run(state, cancel)
    assert state[Stays].stay("E100").transfer_to_unit_id is None


def test_a12_with_a_transfer_pending_and_another_bed_cancels_it_and_moves_back() -> None:
    state = given(ours("E100", "4W-401-A"), transfer_requested("E100", "ICU"))
    back = planned(state, adt("A12", pid(), pv1("E100", "4W^402^A")))
    assert names(back) == ["CancelTransfer", "MovePatient"]
    run(state, back)
    stay = state[Stays].stay("E100")
    assert (stay.bed_id, stay.transfer_to_unit_id) == ("4W-402-A", None)


def test_a12_after_the_move_brings_the_patient_back_to_the_bed_in_pv1_3() -> None:
    state = given(ours("E100", "4W-401-A"))
    run(state, planned(state, adt("A02", pid(), pv1("E100", "ICU^3^A"))))
    run(state, planned(state, adt("A20", npu("4W^401^A", "U"))))  # cleaned meanwhile

    back = planned(state, adt("A12", pid(), pv1("E100", "4W^401^A")))
    assert names(back) == ["RequestTransfer", "MovePatient"]
    assert data(back, "RequestTransfer")["reason"].startswith("Transfer cancelled in the EHR")
    run(state, back)
    stay = state[Stays].stay("E100")
    assert (stay.unit_id, stay.bed_id) == ("4W", "4W-401-A")
    assert planned(state, adt("A12", pid(), pv1("E100", "4W^401^A"))).steps == []


def test_a12_with_pv1_3_the_current_bed_and_pv1_6_another_is_refused_as_the_other_way() -> None:
    state = given(ours("E100", "4W-401-A"))
    run(state, planned(state, adt("A02", pid(), pv1("E100", "4W^403^A"))))

    other_way = adt("A12", pid(), pv1("E100", "4W^403^A", prior="4W^401^A"))
    said = refused(state, other_way, APPLICATION_ERROR, "HL7 2.5", "PV1-3", "4W-401-A")
    assert "returns to" in said

    hl7_way = planned(state, adt("A12", pid(), pv1("E100", "4W^401^A", prior="4W^403^A")))
    assert names(hl7_way) == ["MovePatient"]


def test_a12_naming_the_pending_transfers_bed_in_pv1_6_cancels_the_transfer() -> None:
    state = given(ours("E100", "4W-401-A"), transfer_requested("E100", "ICU"))
    cancel = planned(state, adt("A12", pid(), pv1("E100", "4W^401^A", prior="ICU^3^A")))
    assert names(cancel) == ["CancelTransfer"]


# -- A17 swap --------------------------------------------------------------------------------


def swap_message() -> bytes:
    return adt(
        "A17",
        pid(),
        pv1("E100", "4W^403^B"),
        pid(mrn="M2", family="Nguyen", given="Anh"),
        pv1("E200", "4W^403^A"),
    )


def test_a17_swaps_the_two_patients_and_again_gives_no_steps() -> None:
    state = given(ours("E100", "4W-403-A"), admitted("E200", "4W-403-B", mrn="M2"))
    swap = planned(state, swap_message())
    assert swap.steps == [("SwapBeds", {"encounter_id": "E100", "other_encounter_id": "E200"})]
    run(state, swap)
    assert state[Stays].stay("E100").bed_id == "4W-403-B"
    assert state[Stays].stay("E200").bed_id == "4W-403-A"
    assert planned(state, swap_message()).steps == []


def test_a17_sent_twice_with_a_new_control_id_swaps_once() -> None:
    state = given(ours("E100", "4W-403-A"), admitted("E200", "4W-403-B", mrn="M2"))
    body = (pid(), pv1("E100", "4W^403^B"), pid(mrn="M2"), pv1("E200", "4W^403^A"))
    run(state, planned(state, adt("A17", *body, control="SWAP-1")))
    assert planned(state, adt("A17", *body, control="SWAP-2")).steps == []
    assert state[Stays].stay("E100").bed_id == "4W-403-B"
    assert state[Stays].stay("E200").bed_id == "4W-403-A"


def test_a17_with_only_the_unit_in_pv1_3_is_refused_as_it_could_swap_them_back() -> None:
    state = given(ours("E100", "4W-403-A"), admitted("E200", "4W-403-B", mrn="M2"))
    raw = adt("A17", pid(), pv1("E100", "4W"), pid(mrn="M2"), pv1("E200", "4W"))
    refused(state, raw, REQUIRED_FIELD_MISSING, "A17", "PV1-3")
    run(state, planned(state, swap_message()))
    refused(state, raw, REQUIRED_FIELD_MISSING, "A17", "PV1-3")
    assert state[Stays].stay("E100").bed_id == "4W-403-B"


def test_a17_with_one_group_or_beds_the_board_does_not_show_is_refused() -> None:
    state = given(ours("E100", "4W-403-A"), admitted("E200", "4W-401-B", mrn="M2"))
    refused(state, swap_message(), "207", "4W-401-B", "A02")
    refused(state, adt("A17", pid(), pv1("E100", "4W^403^B")), "101", "two PID/PV1 groups")


# -- A20 bed status (HL7 table 0116) ---------------------------------------------------------


@pytest.mark.parametrize(
    ("before", "code", "steps", "status"),
    [
        ([], "H", ["MarkBedDirty"], "dirty"),
        ([dirty("4W-402-A")], "H", [], "dirty"),
        ([dirty("4W-402-A")], "U", ["StartCleaning", "MarkBedClean"], "clean"),
        ([], "U", [], "clean"),
        ([blocked("4W-402-A", "Closed in the EHR (A20)")], "U", ["UnblockBed"], "clean"),
        (
            [blocked("4W-402-A", "Isolated, per the EHR (A20)", kind="isolation")],
            "U",
            ["UnblockBed"],
            "clean",
        ),
        ([], "C", ["BlockBed"], "blocked"),
        ([blocked("4W-402-A", "staffing")], "C", [], "blocked"),
        ([], "K", ["BlockBed"], "contaminated"),
        ([blocked("4W-402-A", kind="contaminated")], "K", [], "contaminated"),
        ([], "I", ["BlockBed"], "isolated"),
        ([blocked("4W-402-A", "isolation")], "I", [], "isolated"),
        ([blocked("4W-402-A")], "I", ["BlockBed"], "isolated"),
    ],
)
def test_a20_sets_the_bed_status_from_table_0116(
    before: list[Event], code: str, steps: list[str], status: str
) -> None:
    state = given(before)
    status_plan = planned(state, adt("A20", npu("4W^402^A^RIVERSIDE", code)))
    assert names(status_plan) == steps
    run(state, status_plan)
    assert state[Beds].bed("4W-402-A").status == status
    assert planned(state, adt("A20", npu("4W^402^A", code))).steps == []


def test_a20_blocks_say_why_in_words() -> None:
    closed = planned(given(), adt("A20", npu("4W^402^A", "C")))
    assert data(closed, "BlockBed") == {
        "bed_id": "4W-402-A",
        "reason": "Closed in the EHR (A20)",
        "kind": "other",
    }
    assert data(planned(given(), adt("A20", npu("4W^402^A", "K"))), "BlockBed")["kind"] == (
        "contaminated"
    )


def test_a20_for_an_occupied_bed_or_an_unknown_status_is_refused() -> None:
    state = given(ours("E100", "4W-402-A"))
    refused(state, adt("A20", npu("4W^402^A", "U")), "207", "4W-402-A", "A02 or A03")
    refused(state, adt("A20", npu("4W^401^A", "X")), "103", "'X'", "table 0116")
    refused(state, adt("A20", npu("4W^401", "U")), "101", "NPU-1")


def test_a20_o_for_a_bed_the_board_shows_occupied_gives_no_steps_and_else_is_refused() -> None:
    state = given(ours("E100", "4W-402-A"))
    assert planned(state, adt("A20", npu("4W^402^A", "O"))).steps == []
    refused(state, adt("A20", npu("4W^401^A", "O")), APPLICATION_ERROR, "4W-401-A", "no patient")


@pytest.mark.parametrize("code", ["U", "H"])
def test_a20_does_not_reopen_a_bed_closed_at_unitboard(code: str) -> None:
    state = given(blocked("4W-402-A", "staffing"))
    said = refused(
        state, adt("A20", npu("4W^402^A", code)), APPLICATION_ERROR, "4W-402-A", "staffing"
    )
    assert "closed at unitboard" in said and "reopened at unitboard" in said
    assert state[Beds].bed("4W-402-A").blocked is not None


def test_a20_u_for_a_bed_cleaned_since_gives_no_steps() -> None:
    state = given(dirty("4W-402-A"), cleaned("4W-402-A"))
    assert planned(state, adt("A20", npu("4W^402^A", "U"))).steps == []


# -- the patient's fields --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "sex"),
    [("F", "F"), ("M", "M"), ("U", "U"), ("O", "X"), ("A", "X"), ("N", "X"), ("", "U"), ("f", "F")],
)
def test_pid_8_maps_to_the_boards_sex(code: str, sex: str) -> None:
    admit = planned(given(), adt("A01", pid(sex=code), pv1("E100", "4W^401^A")))
    assert data(admit, "RequestAdmission")["sex"] == sex


def test_pid_8_outside_table_0001_is_refused() -> None:
    refused(given(), adt("A01", pid(sex="Z"), pv1("E100", "4W^401^A")), "103", "PID-8", "'Z'")


@pytest.mark.parametrize(
    ("identifiers", "chosen"),
    [
        ("999-99-9999^^^SSA^SS~12345^^^H^PI", "12345"),
        ("P1^^^H^PT~I1^^^H^PI~M1^^^H^MR", "M1"),
        ("N1^^^H^MRN~P1^^^H^PT", "P1"),
        ("D1^^^DMV^DL~N1^^^H^MRN", "N1"),
        ("999-99-9999^^^SSA^SS~U1^^^H", "U1"),
    ],
)
def test_pid_3_prefers_mr_then_pi_pt_mrn_then_no_type_and_never_a_personal_id(
    identifiers: str, chosen: str
) -> None:
    admit = planned(given(), adt("A01", pid(identifiers=identifiers), pv1("E100", "4W^401^A")))
    assert data(admit, "RequestAdmission")["mrn"] == chosen


@pytest.mark.parametrize(
    "identifiers",
    ["999-99-9999^^^SSA^SS", "D1^^^DMV^DL~P9^^^USA^PPN~N1^^^X^NI~H1^^^X^NH~B1^^^X^SB~R1^^^X^PRC"],
)
def test_pid_3_with_only_personal_ids_is_refused_as_having_no_mrn(identifiers: str) -> None:
    raw = adt("A01", pid(identifiers=identifiers), pv1("E100", "4W^401^A"))
    said = refused(given(), raw, REQUIRED_FIELD_MISSING, "PID-3", "no medical record number")
    assert "999-99-9999" not in said


def test_pid_3_takes_the_mr_identifier_else_the_first() -> None:
    mr_second = pid(identifiers="900-55-1234^^^SSA^SS~MR777^^^RIVERSIDE^MR")
    admit = planned(given(), adt("A01", mr_second, pv1("E100", "4W^401^A")))
    assert data(admit, "RequestAdmission")["mrn"] == "MR777"

    no_type = pid(identifiers="PI555^^^RIVERSIDE~PI556")
    admit = planned(given(), adt("A01", no_type, pv1("E100", "4W^401^A")))
    assert data(admit, "RequestAdmission")["mrn"] == "PI555"


def test_pid_5_takes_the_legal_name_when_several_are_given() -> None:
    names_given = pid(name="Zee^Z^^^^^N~Lefèvre^Zoë^^^^^L")
    admit = planned(given(), adt("A01", names_given, pv1("E100", "4W^401^A")))
    found = data(admit, "RequestAdmission")
    assert (found["family_name"], found["given_name"]) == ("Lefèvre", "Zoë")


@pytest.mark.parametrize(
    ("escaped", "plain"),
    [
        ("O\\F\\Brien", "O|Brien"),
        ("Smith\\S\\Jones", "Smith^Jones"),
        ("Ross\\T\\Co", "Ross&Co"),
        ("Ann\\R\\Marie", "Ann~Marie"),
        ("Back\\E\\slash", "Back\\slash"),
    ],
)
def test_escape_sequences_in_names_are_decoded(escaped: str, plain: str) -> None:
    raw = adt("A01", pid(family=escaped, given=escaped), pv1("E100", "4W^401^A"))
    found = data(planned(given(), raw), "RequestAdmission")
    assert (found["family_name"], found["given_name"]) == (plain, plain)
    assert text(parse(raw), "PID.5.1") == plain


def test_names_keep_their_accents_from_utf8_bytes() -> None:
    raw = adt("A01", pid(family="Ñúñez-Ørsted", given="Chloé Ángel"), pv1("E100", "4W^401^A"))
    assert "Ñ".encode() in raw
    state = given()
    run(state, planned(state, raw))
    assert state[Stays].stay("E100").display_name == "Ñúñez-Ørsted, Chloé Ángel"


def test_bytes_that_are_not_utf8_are_unparseable() -> None:
    latin1 = adt("A01", pid(), pv1("E100", "4W^401^A")).decode().encode("latin-1")
    with pytest.raises(Unparseable, match="not UTF-8"):
        parse(latin1)


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"hello",
        b"PID|1||123",
        b"MSH|",
        b"MSH|^^\\&|EPIC",
        b"MSHA^~\\&A",
        b"MSH|^~\\&|A\rMSH|^~\\&|B",
    ],
)
def test_what_is_not_one_hl7_message_is_unparseable(raw: bytes) -> None:
    with pytest.raises(Unparseable) as caught:
        parse(raw)
    assert caught.value.text.endswith(".")


@pytest.mark.parametrize("ending", ["\r", "\n", "\r\n"])
def test_segments_may_end_with_cr_lf_or_both(ending: str) -> None:
    raw = message(msh("A01", "C1"), pid(), pv1("E100", "4W^401^A"), ending=ending)
    assert names(planned(given(), raw)) == ["RequestAdmission", "AssignBed", "MarkArrived"]


def test_birth_date_takes_the_date_of_a_dtm_and_refuses_what_is_not_one() -> None:
    admit = planned(given(), adt("A01", pid(birth="195004021230"), pv1("E100", "4W^401^A")))
    assert data(admit, "RequestAdmission")["birth_date"] == "1950-04-02"
    refused(given(), adt("A01", pid(birth="19501302"), pv1("E100", "4W^401^A")), "102", "PID-7")
    refused(given(), adt("A01", pid(birth=""), pv1("E100", "4W^401^A")), "101", "PID-7")


def test_required_fields_missing_are_named() -> None:
    refused(given(), adt("A01", pid(), pv1("", "4W^401^A")), "101", "PV1-19")
    refused(given(), adt("A01", pid(family=""), pv1("E100", "4W^401^A")), "101", "PID-5.1")
    refused(given(), adt("A01", pid(), pv1("E100", "4W^401^A", attending="")), "101", "PV1-7")
    refused(given(), adt("A01", pid(identifiers=""), pv1("E100", "4W^401^A")), "101", "PID-3")


def test_a_value_the_command_refuses_is_refused_with_the_field_named() -> None:
    raw = adt("A01", pid(family="X" * 101), pv1("E100", "4W^401^A"))
    refused(given(), raw, "102", "family_name")


@pytest.mark.parametrize(
    ("admit_source", "patient_class", "source"),
    [
        ("7", "I", "ed"),
        ("1", "E", "ed"),
        ("4", "I", "transfer"),
        ("6", "I", "transfer"),
        ("OR", "I", "or"),
        ("1", "I", "direct"),
        ("", "I", "direct"),
    ],
)
def test_source_from_admit_source_and_patient_class(
    admit_source: str, patient_class: str, source: str
) -> None:
    visit = pv1("E100", "4W^401^A", admit_source=admit_source, patient_class=patient_class)
    admit = planned(given(), adt("A01", pid(), visit))
    assert data(admit, "RequestAdmission")["source"] == source


def test_confidential_from_pd1_12_or_the_vip_indicator() -> None:
    def confidential(*body: str) -> bool:
        found: bool = data(planned(given(), adt("A01", *body)), "RequestAdmission")["confidential"]
        return found

    visit = pv1("E100", "4W^401^A")
    assert confidential(pid(), segment("PD1", {12: "Y"}), visit)
    assert not confidential(pid(), segment("PD1", {12: "N"}), visit)
    assert confidential(pid(), pv1("E100", "4W^401^A", vip="VIP"))
    assert not confidential(pid(), pv1("E100", "4W^401^A", vip="N"))


def test_the_attending_reads_as_the_board_names_attendings() -> None:
    def attending(xcn: str) -> str:
        admit = planned(given(), adt("A01", pid(), pv1("E100", "4W^401^A", attending=xcn)))
        found: str = data(admit, "RequestAdmission")["attending"]
        return found

    assert attending(ATTENDING) == "Dr. Adeyemi"
    assert attending("77^Weiss^Ruth") == "Dr. Weiss"
    assert attending("77^Park^Min^^^Prof.") == "Prof. Park"
    assert attending("DR77") == "DR77"


# -- PV1-3 to the layout ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pl", "bed_id"),
    [
        ("4W^401^A", "4W-401-A"),
        ("4W^401^B^RIVERSIDE^^N", "4W-401-B"),
        ("ICU^3^B", "ICU-3-B"),
        ("ICU^1^A", "ICU-1-A"),
        ("4W^4W-403^4W-403-C", "4W-403-C"),
    ],
)
def test_pv1_3_names_the_layouts_bed(pl: str, bed_id: str) -> None:
    admit = planned(given(), adt("A01", pid(), pv1("E100", pl)))
    assert data(admit, "AssignBed")["bed_id"] == bed_id


@pytest.mark.parametrize(
    ("pl", "named"),
    [
        ("5E^501^A", "Unit '5E'"),
        ("4W^409^A", "Room '409' of unit 4W"),
        ("4W^402^B", "Bed 'B' of room 4W-402"),
        ("ICU^401^A", "Room '401' of unit ICU"),
    ],
)
def test_a_place_not_in_the_layout_is_refused_naming_it(pl: str, named: str) -> None:
    said = refused(given(), adt("A01", pid(), pv1("E100", pl)), "103", named, "PV1-3")
    assert "layout" in said


# -- what is not taken -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "code", "fragment"),
    [
        (message(msh("R01", "C1", kind="ORU"), pid()), "200", "ORU"),
        (message(msh("A31", "C1"), pid()), "201", "ADT^A31"),
        (message(msh("A01", "C1", version="2.2"), pid()), "203", "2.2"),
        (message(msh("A01", "C1", version="2.9"), pid()), "203", "2.9"),
        (message(msh("A01", "C1", version=""), pid()), "203", "MSH-12"),
    ],
)
def test_messages_not_taken_are_unsupported(raw: bytes, code: str, fragment: str) -> None:
    with pytest.raises(Unsupported) as caught:
        planned(given(), raw)
    assert fragment in caught.value.text and caught.value.error_code == code


@pytest.mark.parametrize("version", ["2.3", "2.3.1", "2.4", "2.5", "2.5.1", "2.6", "2.7.1", "2.8"])
def test_versions_2_3_to_2_8_are_taken(version: str) -> None:
    raw = message(msh("A01", "C1", version=version), pid(), pv1("E100", "4W^401^A"))
    assert len(planned(given(), raw).steps) == 3


def test_the_integration_role_may_send_every_command_a_plan_holds() -> None:
    """The feed acts with the integration role; a command it may not send would turn a
    valid message into a refusal."""
    assert COMMANDS.issubset(HOUSE.commands)
    assert [name for name in sorted(COMMANDS) if not HOUSE.may("integration", name)] == []


# -- the sample feed -------------------------------------------------------------------------


def test_the_sample_feed_moves_the_board_from_admission_to_a_clean_bed() -> None:
    """tests/fixtures/hl7: A01, A01, A08, A02 (to ICU), A03, A13, A17, A20 as an EHR sends
    them; each applies, and the board ends where the last says."""
    state = given()
    files = sorted(path.name for path in FIXTURES.iterdir() if path.suffix == ".hl7")
    assert len(files) == 8
    for name in files:
        step = planned(state, fixture(name))
        assert step.steps, name
        run(state, step)
        assert planned(state, fixture(name)).steps == [], f"{name} again"
    e100, e200 = state[Stays].stay("E100"), state[Stays].stay("E200")
    assert (e100.bed_id, e100.given_name, e100.attending) == ("4W-402-A", "Zoé", "Dr. Lindqvist")
    assert (e200.bed_id, e200.display_name) == ("ICU-3-A", "Núñez, José")
    assert state[Beds].bed("4W-401-A").status == "clean"
