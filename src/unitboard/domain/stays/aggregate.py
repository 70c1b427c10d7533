"""The declaration of this aggregate: registered once, in domain/aggregates.py."""

from unitboard.domain.beds.state import Beds
from unitboard.domain.hospital import Hospital
from unitboard.domain.registry import Aggregate, command
from unitboard.domain.stays import commands as c
from unitboard.domain.stays import decide, events
from unitboard.domain.stays.evolve import EVOLVERS
from unitboard.domain.stays.offers import stay_offers
from unitboard.domain.stays.state import Stays

PLACEMENT = {"secretary", "charge_nurse", "integration"}
NURSES_TOO = PLACEMENT | {"nurse"}


def units_of_stay(state: Hospital, encounter_id: str) -> list[str]:
    """The unit a stay is on, those of every bed it holds, held or left last, and the unit
    it is being transferred to (whose desk finds it a bed)."""
    stay = state[Stays].stays.get(encounter_id)
    if stay is None:
        return []
    beds = state[Beds].beds
    units = [stay.unit_id]
    if stay.transfer_to_unit_id is not None:
        units.append(stay.transfer_to_unit_id)
    for bed_id in (stay.bed_id, stay.reserved_bed_id, stay.last_bed_id):
        if bed_id is not None and bed_id in beds:
            units.append(beds[bed_id].unit_id)
    return units


AGGREGATE = Aggregate(
    name="stays",
    part=Stays,
    commands=[
        command(c.RequestAdmission, decide.request_admission, PLACEMENT, {"stay"}),
        command(c.AssignBed, decide.assign_bed, PLACEMENT, {"stay"}),
        command(c.MarkArrived, decide.mark_arrived, NURSES_TOO, {"stay", "bed"}),
        command(c.MovePatient, decide.move_patient, PLACEMENT, {"stay", "bed"}),
        command(c.SwapBeds, decide.swap_beds, PLACEMENT, {"stay"}),
        command(c.RequestTransfer, decide.request_transfer, PLACEMENT, {"stay"}),
        command(c.OrderDischarge, decide.order_discharge, NURSES_TOO, {"stay"}),
        command(c.DischargePatient, decide.discharge_patient, PLACEMENT, {"stay", "bed"}),
        command(c.CancelAdmission, decide.cancel_admission, PLACEMENT, {"stay", "bed"}),
        command(c.CancelTransfer, decide.cancel_transfer, PLACEMENT, {"stay"}),
        command(c.CancelDischarge, decide.cancel_discharge, PLACEMENT, {"stay"}),
        command(c.UpdatePatient, decide.update_patient, PLACEMENT, {"stay"}),
        command(c.AssignNurse, decide.assign_nurse, {"charge_nurse"}, {"stay"}),
    ],
    events=events.EVENTS,
    evolvers=EVOLVERS,
    locate={"stay": units_of_stay},
    offers={"stay": stay_offers},
)
