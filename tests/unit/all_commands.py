"""Every command of the beds and stays aggregates under one name, for the tests: `c.AssignBed`."""

from unitboard.domain.beds.commands import (
    BlockBed,
    MarkBedClean,
    MarkBedDirty,
    StartCleaning,
    UnblockBed,
    UndoBedClean,
)
from unitboard.domain.commands import Command
from unitboard.domain.layout.commands import LoadLayout
from unitboard.domain.stays.commands import (
    AssignBed,
    AssignNurse,
    CancelAdmission,
    CancelDischarge,
    CancelTransfer,
    DischargePatient,
    MarkArrived,
    MovePatient,
    OrderDischarge,
    RequestAdmission,
    RequestTransfer,
    SwapBeds,
    UpdatePatient,
)

__all__ = [
    "AssignBed",
    "AssignNurse",
    "BlockBed",
    "CancelAdmission",
    "CancelDischarge",
    "CancelTransfer",
    "Command",
    "DischargePatient",
    "LoadLayout",
    "MarkArrived",
    "MarkBedClean",
    "MarkBedDirty",
    "MovePatient",
    "OrderDischarge",
    "RequestAdmission",
    "RequestTransfer",
    "StartCleaning",
    "SwapBeds",
    "UnblockBed",
    "UndoBedClean",
    "UpdatePatient",
]
