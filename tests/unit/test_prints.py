"""Printing a patient's identification: each print is recorded with who printed which
document for whom (and the MRN printed on it), for an admitted patient only, by the roles
that print; the latest print of each document is kept for the bed panel."""

from __future__ import annotations

import pytest
from builders import admission_requested, discharged
from ward import Ward, as_

from unitboard.domain.errors import NotFound, RuleViolation
from unitboard.domain.prints.commands import PrintIdentification
from unitboard.domain.prints.events import IdentificationPrinted
from unitboard.domain.prints.state import Prints

BED = "4W-401-A"


@pytest.fixture
def ward() -> Ward:
    ward = Ward()
    ward.admit("E1", BED)
    return ward


@pytest.mark.parametrize("document", ["armband_pdf", "armband_zpl", "labels_pdf"])
def test_a_print_records_who_printed_what_for_whom(ward: Ward, document: str) -> None:
    command = PrintIdentification.model_validate({"encounter_id": "E1", "document": document})
    [event] = ward.do(command, as_("sam"))
    assert isinstance(event, IdentificationPrinted)
    assert (event.encounter_id, event.document, event.mrn, event.by) == (
        "E1",
        document,
        "MRN-E1",
        "sam",
    )
    assert event.stream_id == "stay-E1"
    latest = ward.state[Prints].of_stay("E1")[document]
    assert (latest.by, latest.at) == ("sam", ward.at)


def test_labels_count_their_copies_and_a_band_is_one(ward: Ward) -> None:
    [labels] = ward.do(
        PrintIdentification(encounter_id="E1", document="labels_pdf", copies=6), as_("noor")
    )
    [band] = ward.do(
        PrintIdentification(encounter_id="E1", document="armband_pdf", copies=6), as_("noor")
    )
    assert isinstance(labels, IdentificationPrinted) and isinstance(band, IdentificationPrinted)
    assert (labels.copies, band.copies) == (6, 1)
    assert ward.state[Prints].count == 2


def test_only_an_admitted_patient_gets_a_band(ward: Ward) -> None:
    ward.record([admission_requested("E2")])
    ward.refused(
        PrintIdentification(encounter_id="E2", document="armband_pdf"),
        as_("sam"),
        RuleViolation,
        "admitted",
        "pending",
    )
    ward.record(discharged("E1", BED))
    ward.refused(
        PrintIdentification(encounter_id="E1", document="labels_pdf"),
        as_("sam"),
        RuleViolation,
        "discharged",
    )
    ward.refused(
        PrintIdentification(encounter_id="E9", document="labels_pdf"), as_("sam"), NotFound, "E9"
    )


def test_the_roles_that_print(ward: Ward) -> None:
    spec = ward.state.registry.spec("PrintIdentification")
    assert spec is not None
    assert spec.roles == {"secretary", "charge_nurse", "nurse"}
