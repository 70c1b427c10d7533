"""A refused CancelDischarge (the bed holds someone else now) gives advice that works:
following it is accepted, and what it used to advise (admitting the same encounter
again) is refused."""

from __future__ import annotations

from typing import Any

import all_commands as c
from builders import admitted, bed_event, cleaning_started, discharged, given, then_refused, when

from hospital import admission as admission_data
from unitboard.domain.errors import RuleViolation
from unitboard.domain.hospital import Hospital

DISCHARGED_IN_ERROR = "E1"
MRN = "MRN-E1"


def bed_taken_since() -> Hospital:
    """E1 discharged from 4W-401-A, the bed cleaned and given to E2."""
    return given(
        admitted(DISCHARGED_IN_ERROR, "4W-401-A"),
        discharged(DISCHARGED_IN_ERROR, "4W-401-A"),
        cleaning_started("4W-401-A"),
        bed_event("BedCleaned", "4W-401-A"),
        admitted("E2", "4W-401-A"),
    )


def readmission(encounter_id: str, **data: Any) -> c.RequestAdmission:
    return c.RequestAdmission.model_validate(admission_data(encounter_id, **{"mrn": MRN, **data}))


def test_the_refusal_names_the_way_back_a_new_admission_with_a_new_encounter() -> None:
    message = then_refused(
        bed_taken_since(),
        c.CancelDischarge(encounter_id=DISCHARGED_IN_ERROR, reason="discharged in error"),
        RuleViolation,
        "4W-401-A",
        "another patient",
        "new admission",
        "new encounter",
        MRN,
    )
    assert "Admit the patient again" not in message


def test_following_the_advice_is_accepted() -> None:
    state = bed_taken_since()
    events = when(state, readmission("E1-R"))
    assert [e.type for e in events] == ["AdmissionRequested"]


def test_what_it_used_to_advise_admitting_the_same_encounter_again_is_refused() -> None:
    then_refused(
        bed_taken_since(), readmission(DISCHARGED_IN_ERROR), RuleViolation, "already exists"
    )
