"""The registry: every command, event and aggregate declared once and whole, and the house
refuses a declaration with a part missing or declared twice."""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any

import pytest

from unitboard.domain.aggregates import HOUSE
from unitboard.domain.commands import Command
from unitboard.domain.events import BedEvent, Event
from unitboard.domain.registry import SYSTEM, Aggregate, CommandSpec, Registry, command
from unitboard.domain.roles import ROLES

STREAM_KINDS = {
    "hospital",
    "unit",
    "room",
    "bed",
    "stay",
    "call",
    "page",
    "transport",
    "transporter",
    "order",
}
PAGE_RECIPIENTS = {"nurse", "charge_nurse", "secretary", "provider", "evs", "transport"}
CONTRACT_ROLES = {
    # the command table of the contract (PRODUCT.md), for the aggregates unitboard has
    "RequestAdmission": {"secretary", "charge_nurse", "integration"},
    "AssignBed": {"secretary", "charge_nurse", "integration"},
    "MarkArrived": {"secretary", "charge_nurse", "nurse", "integration"},
    "MovePatient": {"secretary", "charge_nurse", "integration"},
    "SwapBeds": {"secretary", "charge_nurse", "integration"},
    "RequestTransfer": {"secretary", "charge_nurse", "integration"},
    "OrderDischarge": {"secretary", "charge_nurse", "nurse", "integration"},
    "DischargePatient": {"secretary", "charge_nurse", "integration"},
    "CancelAdmission": {"secretary", "charge_nurse", "integration"},
    "CancelTransfer": {"secretary", "charge_nurse", "integration"},
    "CancelDischarge": {"secretary", "charge_nurse", "integration"},
    "UpdatePatient": {"secretary", "charge_nurse", "integration"},
    "AssignNurse": {"charge_nurse"},
    # beyond the contract's table: the EHR's bed status (A20) marks beds dirty or clean, and
    # closes or reopens them (PRODUCT.md, Integrations)
    "MarkBedDirty": {"evs", "secretary", "charge_nurse", "integration"},
    "StartCleaning": {"evs", "secretary", "charge_nurse", "integration"},
    "MarkBedClean": {"evs", "secretary", "charge_nurse", "integration"},
    # beyond the contract's table: a mistaken clean undone, by whoever may mark a bed clean
    "UndoBedClean": {"evs", "secretary", "charge_nurse"},
    "BlockBed": {"secretary", "charge_nurse", "integration"},
    "UnblockBed": {"secretary", "charge_nurse", "integration"},
    "LoadLayout": {"admin"},
    "RaiseCallLight": {"integration", "secretary"},
    "AnswerCallLight": {"secretary", "charge_nurse", "nurse"},
    "ClearCallLight": {"nurse", "charge_nurse", "integration"},
    "SendPage": {"secretary", "charge_nurse", "nurse"},
    # "the page's recipient": anyone a page can reach sends it; the decider lets the recipient
    "AcknowledgePage": PAGE_RECIPIENTS,
    # sent by the scheduler alone, when a time-based rule falls due
    "EscalateCallLight": {SYSTEM},
    "RepageCallLight": {SYSTEM},
    "ResendPage": {SYSTEM},
    "RequestTransport": {"secretary", "charge_nurse", "nurse"},
    "AssignTransport": {"secretary", "charge_nurse"},
    "AcceptTransport": {"transport"},
    "DeclineTransport": {"transport"},
    "PickUpTransport": {"transport"},
    "CompleteTransport": {"transport"},
    "SetTransporterStatus": {"transport"},
    "CancelTransport": {"secretary", "charge_nurse"},
    "OfferTransport": {SYSTEM},
    "ExpireTransportOffer": {SYSTEM},
    "QueueTransport": {SYSTEM},
    "MarkTransportLate": {SYSTEM},
    "EnterOrder": {"secretary", "charge_nurse", "nurse"},
    "AcknowledgeOrder": {"nurse", "charge_nurse"},
    # "the directing provider": providers send it; the decider lets the directing one
    "CosignOrder": {"provider"},
    "DiscontinueOrder": {"provider", "charge_nurse"},
    "MarkOrderOverdue": {SYSTEM},
    "PrintIdentification": {"secretary", "charge_nurse", "nurse"},
}


def test_the_roles_are_those_of_the_contract() -> None:
    assert {name: set(spec.roles) for name, spec in HOUSE.commands.items()} == CONTRACT_ROLES


@pytest.mark.parametrize("spec", HOUSE.commands.values(), ids=lambda spec: spec.name)
def test_every_command_is_declared_whole(spec: CommandSpec[Any]) -> None:
    assert issubclass(spec.model, Command)
    assert list(inspect.signature(spec.decide).parameters) == ["state", "cmd", "ctx"]
    assert spec.roles and (spec.roles <= set(ROLES) or spec.roles == {SYSTEM})
    assert spec.writes and spec.writes <= STREAM_KINDS


@pytest.mark.parametrize("event_type", HOUSE.events.values(), ids=lambda cls: cls.__name__)
def test_every_event_type_is_declared_whole(event_type: type[Event]) -> None:
    fields = set(event_type.__struct_fields__)
    assert event_type.VERSION >= 1
    assert set(event_type.UPCASTERS) == set(range(1, event_type.VERSION))
    for kind, named in event_type.TOUCHES.items():
        assert kind and set(named) <= fields, (kind, named)
    assert "stream_id" not in fields and "type" not in fields
    folded_by = [a.name for a in HOUSE.aggregates if event_type in a.evolvers]
    assert folded_by, f"{event_type.__name__} changes no part of the hospital"


# -- the registry refuses what is not whole -----------------------------------------------------


class Toggled(BedEvent, frozen=True, kw_only=True):
    VERSION = 2  # a second version, and no upcaster from the first


@dataclass
class Part:
    pass


class Toggle(Command):
    bed_id: str


def toggle(state: Any, cmd: Toggle, ctx: Any) -> list[Event]:
    return []


def test_a_command_declared_twice_is_refused() -> None:
    twice = [command(Toggle, toggle, {"admin"}, {"bed"})] * 2
    with pytest.raises(ValueError, match="command Toggle is declared twice"):
        Registry([Aggregate("toggles", part=Part, commands=twice)])


def test_an_event_type_without_its_upcasters_is_refused() -> None:
    with pytest.raises(ValueError, match=r"Toggled is version 2: no upcaster from \[1\]"):
        Registry([Aggregate("toggles", part=Part, events=[Toggled])])


def test_an_event_folded_but_declared_by_no_aggregate_is_refused() -> None:
    with pytest.raises(ValueError, match="Toggled is read but no aggregate declares it"):
        Registry([Aggregate("toggles", part=Part, evolvers={Toggled: lambda p, e, at: None})])


def test_two_aggregates_with_one_state_class_are_refused() -> None:
    with pytest.raises(ValueError, match="share a state class"):
        Registry([Aggregate("a", part=Part), Aggregate("b", part=Part)])
