"""ADT messages as an EHR sends them (HL7 v2.5.1, UTF-8), built field by field so a test
says only what matters to it, and the plan of one applied through the real domain as the
command service would apply it (with the integration role).

    message(msh("A01", "C1"), pid(), pv1("E100", "4W^401^A"))  ->  the bytes of one frame
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from unitboard.domain.aggregates import HOUSE
from unitboard.domain.context import Context
from unitboard.domain.events import Event
from unitboard.domain.hospital import Hospital, decide, evolve
from unitboard.integrations.hl7.adt import Plan

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "hl7"
EHR = Context("token:epic-adt", "integration", actor_name="Epic ADT")
"""The EHR's integration token, as the feed acts."""

ATTENDING = "1234^Adeyemi^Tunde^^^Dr"


def segment(name: str, fields: dict[int, str]) -> str:
    """`name|...` with each numbered field in its place and the ones between empty."""
    last = max(fields, default=0)
    return "|".join([name, *(fields.get(n, "") for n in range(1, last + 1))])


def msh(
    trigger: str,
    control: str,
    version: str = "2.5.1",
    kind: str = "ADT",
    structure: str | None = None,
) -> str:
    structure = structure or f"ADT_{'A01' if trigger in ('A01', 'A04', 'A08') else trigger}"
    return "MSH|^~\\&|" + "|".join(
        [
            "EPIC",
            "RIVERSIDE",
            "UNITBOARD",
            "RIVERSIDE",
            "20250301081500",
            "",
            f"{kind}^{trigger}^{structure}",
            control,
            "P",
            version,
            "",
            "",
            "AL",
            "NE",
            "",
            "UNICODE UTF-8",
        ]
    )


def evn(trigger: str) -> str:
    return segment("EVN", {1: trigger, 2: "20250301081500", 5: "JSMITH^Smith^John"})


def pid(
    mrn: str = "000123456",
    family: str = "Lefèvre",
    given: str = "Zoë",
    birth: str = "19500402",
    sex: str = "F",
    identifiers: str | None = None,
    name: str | None = None,
    middle: str = "",
) -> str:
    return segment(
        "PID",
        {
            1: "1",
            3: (
                identifiers
                if identifiers is not None
                else f"{mrn}^^^RIVERSIDE^MR~900-55-{mrn[-4:]}^^^SSA^SS"
            ),
            5: name or f"{family}^{given}^{middle}^^^^L",
            7: birth,
            8: sex,
            11: "12 Rue de la Paix^^Springfield^IL^62701",
            13: "^PRN^PH^^^217^5550101",
            18: f"ACC-{mrn}",
        },
    )


def pv1(
    visit: str = "E100",
    location: str = "4W^401^A^RIVERSIDE",
    attending: str = ATTENDING,
    admit_source: str = "7",
    patient_class: str = "I",
    vip: str = "",
    discharged: str = "",
    prior: str = "",
) -> str:
    return segment(
        "PV1",
        {
            1: "1",
            2: patient_class,
            3: location,
            4: "E" if admit_source == "7" else "R",
            6: prior,
            7: attending,
            10: "MED",
            14: admit_source,
            16: vip,
            17: attending,
            18: "IN",
            19: f"{visit}^^^RIVERSIDE^VN",
            44: "20250301081500",
            45: discharged,
        },
    )


def pd1(protection: str) -> str:
    """PD1 with PD1-12 (protection indicator): Y, N, or '""' (HL7 null)."""
    return segment("PD1", {12: protection})


def npu(bed: str, status: str) -> str:
    return segment("NPU", {1: bed, 2: status})


def message(*segments: str, ending: str = "\r") -> bytes:
    return (ending.join(segments) + ending).encode("utf-8")


def adt(trigger: str, *body: str, control: str | None = None) -> bytes:
    """One ADT message: MSH, EVN and `body`."""
    return message(msh(trigger, control or f"MSG-{trigger}"), evn(trigger), *body)


def run(state: Hospital, plan: Plan, context: Context = EHR) -> list[Event]:
    """Apply the plan's steps in order through the domain's `decide` and `evolve`, as the
    command service does (each command validated by its model first); the events."""
    recorded: list[Event] = []
    for name, data in plan.steps:
        spec = HOUSE.spec(name)
        assert spec is not None, name
        for event in decide(state, spec.model.model_validate(data), context):
            evolve(state, event, "2025-03-01T09:00:00+00:00")
            recorded.append(event)
    return recorded


def names(plan: Plan) -> list[str]:
    return [name for name, _ in plan.steps]


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def data(plan: Plan, name: str) -> dict[str, Any]:
    """The data of the plan's (first) `name` step."""
    return next(found for step, found in plan.steps if step == name)
