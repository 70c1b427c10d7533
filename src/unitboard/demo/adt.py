"""The demo's ADT feed (`serve --demo --adt`): an EHR, played in the server's own event loop,
that sends HL7 v2 ADT messages over a real MLLP connection to the server's own listener,
so a newcomer sees the feed at work: admissions, transfers, discharges, corrections and
housekeeping's bed status arrive as messages, and the board follows.

Every few seconds it looks at the board as it is (the projection, read only) and composes
one plausible message: A01 a new patient into a free clean bed (names with accents now and
then), A02 a move within the unit or to another, A03 a discharge, A08 a new attending, A20
a bed's status (U when housekeeping has cleaned it, H for a spill on a vacant bed), and now
and then the last message again, as an interface engine resends when an ACK went missing,
which changes nothing. The EHR moves only its own patients: those the demo seed and the
command simulator admitted, and those it admitted itself (read from the log, as
provenance.py does, so this holds across restarts); a patient a newcomer admits at the desk,
and a bed someone is cleaning, wait for them.
Admissions and discharges are weighed by how full the house is, so it stays lively and
never fills up (OCCUPANCY).

It logs one line per message, without patient identity: "ADT^A01 → AA (4W-401-A)"."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import random
from dataclasses import dataclass
from typing import TYPE_CHECKING

from unitboard.demo.provenance import READ_PER_STEP, by_simulator
from unitboard.domain.beds.state import Bed, Beds
from unitboard.domain.hospital import Hospital
from unitboard.domain.layout.state import Layout
from unitboard.domain.stays.events import AdmissionRequested
from unitboard.domain.stays.state import Stay, Stays
from unitboard.integrations.hl7 import client, compose
from unitboard.integrations.hl7.compose import Location, Patient
from unitboard.integrations.hl7.feed import by_feed
from unitboard.store import EventLog, StoredEvent

if TYPE_CHECKING:
    from unitboard.runtime import Runtime

OCCUPANCY = (0.6, 0.8)
"""The share of beds held (occupied or reserved) the feed keeps the house between: below,
admissions outweigh discharges; above, the reverse; past the top, no admissions."""
PAUSE_SECONDS = (2.0, 5.0)
"""How long the EHR waits between two messages."""
RECONNECT_SECONDS = 2.0
RESEND = 0.06
"""The share of steps that resend the last message (the listener answers as the first
time and records nothing)."""
SAME_UNIT = 0.6
"""The share of transfers that stay within the unit (a bed change)."""
ATTENDINGS = ["Dr. Adeyemi", "Dr. Lindqvist", "Dr. Park", "Dr. Romero", "Dr. Weiss", "Dr. Núñez"]
NAMES = [
    ("Ångström", "Zoë"),
    ("Dubois-Lefèvre", "Renée"),
    ("Núñez", "José"),
    ("Åkesson", "Björn"),
    ("Wiśniewska", "Małgorzata"),
    ("Bérubé", "Chloé"),
    ("Øvergaard", "Søren"),
    ("Çelik", "Elif"),
    ("O'Connor", "Siobhán"),
    ("Nguyễn", "Thảo"),
    ("Okafor", "Chidi"),
    ("Schmidt", "Anna"),
    ("Martin", "Paul"),
    ("Kim", "Min-jun"),
    ("Haddad", "Layla"),
    ("Johnson", "Mary"),
    ("Rivera", "Luis"),
    ("Sato", "Haruto"),
    ("Singh", "Priya"),
    ("Walker", "Thomas"),
]
"""(family, given): about half with accents, as an EHR in a diverse city sends them."""
log = logging.getLogger("uvicorn.error")
"""The server's own log: one line per message, beside the server's lines."""


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A message to send: its type for the log, its text, and the bed it is about."""

    kind: str
    text: str
    where: str


def held(bed: Bed) -> bool:
    return bed.occupancy != "vacant"


def balance(share: float) -> tuple[float, float]:
    """How often to admit and to discharge, with `share` of the beds held: admissions
    outweigh discharges below OCCUPANCY, the reverse above, and in between one gives way to
    the other in step, so the house settles near the middle (about 70%)."""
    low, high = OCCUPANCY
    toward_high = min(1.0, max(0.0, (share - low) / (high - low)))
    admit = 0.0 if share >= high else 4.0 * (1.0 - toward_high)
    return admit, 0.5 + 3.5 * toward_high


class EhrPatients:
    """The encounters the EHR may move, as the log tells it: admitted by the demo seed or
    the command simulator, or by the feed. Read a little more at each step, on the reader
    pool."""

    def __init__(self, log: EventLog, per_step: int = READ_PER_STEP) -> None:
        self.log = log
        self.per_step = per_step
        self.position = 0
        self.encounters: set[str] = set()

    def refresh(self) -> bool:
        """Read on from the last position; True once the whole log is read (only then may
        the EHR act: what it has not read yet may be a newcomer's)."""
        batch = self.log.read(self.position, self.per_step)
        for stored in batch:
            self.note(stored)
        return len(batch) < self.per_step

    def note(self, stored: StoredEvent) -> None:
        event = stored.event
        if isinstance(event, AdmissionRequested) and (
            by_simulator(stored) or by_feed(stored.metadata.get("actor"))
        ):
            self.encounters.add(event.encounter_id)
        self.position = stored.position


class Ehr:
    """Composes the next message from the hospital as it stands (pure but for the random
    draws): what the feed sends, separate from how it is sent."""

    def __init__(self, rng: random.Random, facility: str = "RIVERSIDE") -> None:
        self.rng = rng
        self.facility = facility
        self.last: Outgoing | None = None
        self.own: set[str] | None = None

    def next(self, hospital: Hospital, own: set[str] | None = None) -> Outgoing | None:
        """The next message (None: nothing fits the board just now); `own`: the encounters
        it may move (None: every one)."""
        self.own = own
        if self.last is not None and self.rng.random() < RESEND:
            return Outgoing(self.last.kind + " (resent)", self.last.text, self.last.where)
        beds = hospital[Beds].beds
        if not beds:
            return None
        admit, discharge = balance(sum(1 for bed in beds.values() if held(bed)) / len(beds))
        dirty = sum(1 for b in beds.values() if not held(b) and b.cleanliness == "dirty")
        steps = [
            (admit, self.admit),
            (discharge, self.discharge),
            (1.2, self.transfer),
            (1.0, self.update),
            (min(3.0, 0.8 * dirty), self.cleaned),
            (0.3, self.spill),
        ]
        for _ in range(3):  # a draw that fits nothing (no free bed) tries again
            step = self.rng.choices([s for _, s in steps], [w for w, _ in steps])[0]
            outgoing = step(hospital)
            if outgoing is not None:
                self.last = outgoing
                return outgoing
        return None

    # -- the messages ----------------------------------------------------------------------

    def header(self) -> compose.Header:
        return compose.Header(facility=self.facility)

    def admit(self, hospital: Hospital) -> Outgoing | None:
        sex = self.rng.choice("FM") if self.rng.random() > 0.02 else "X"
        beds = self.free_beds(hospital, sex, private=sex == "X")
        if not beds:
            return None
        bed = self.rng.choice(beds)
        family, given = self.rng.choice(NAMES)
        patient = Patient(
            mrn=self.new_number(hospital, 7, mrn=True),
            family_name=family,
            given_name=given,
            birth_date=dt.date(
                self.rng.randrange(1932, 2006), self.rng.randrange(1, 13), self.rng.randrange(1, 29)
            ),
            sex=sex,
        )
        encounter_id = self.new_number(hospital, 9, mrn=False)
        text = compose.a01(
            patient, encounter_id, self.location(hospital, bed), self.rng.choice(ATTENDINGS),
            self.header(),
        )  # fmt: skip
        return Outgoing("ADT^A01", text, bed.bed_id)

    def discharge(self, hospital: Hospital) -> Outgoing | None:
        stay = self.admitted(hospital)
        if stay is None or stay.bed_id is None:
            return None
        bed = hospital[Beds].beds[stay.bed_id]
        text = compose.a03(
            patient(stay), stay.encounter_id, self.location(hospital, bed), stay.attending,
            header=self.header(),
        )  # fmt: skip
        return Outgoing("ADT^A03", text, stay.bed_id)

    def transfer(self, hospital: Hospital) -> Outgoing | None:
        stay = self.admitted(hospital)
        if stay is None or stay.bed_id is None:
            return None
        within = self.rng.random() < SAME_UNIT
        units = [u for u in hospital[Layout].units if (u == stay.unit_id) == within]
        beds = [
            b
            for b in self.free_beds(hospital, stay.sex, isolation=stay.isolation)
            if b.unit_id in units
        ]
        if not beds:
            return None
        bed = self.rng.choice(beds)
        prior = self.location(hospital, hospital[Beds].beds[stay.bed_id])
        text = compose.a02(
            patient(stay), stay.encounter_id, self.location(hospital, bed), prior,
            stay.attending, self.header(),
        )  # fmt: skip
        return Outgoing("ADT^A02", text, bed.bed_id)

    def update(self, hospital: Hospital) -> Outgoing | None:
        stay = self.admitted(hospital)
        if stay is None or stay.bed_id is None:
            return None
        attending = self.rng.choice([a for a in ATTENDINGS if a != stay.attending])
        bed = hospital[Beds].beds[stay.bed_id]
        text = compose.a08(
            patient(stay), stay.encounter_id, self.location(hospital, bed), attending,
            self.header(),
        )  # fmt: skip
        return Outgoing("ADT^A08", text, stay.bed_id)

    def cleaned(self, hospital: Hospital) -> Outgoing | None:
        """Housekeeping reports a vacated bed clean (U); a bed someone is cleaning on the
        board is left to them."""
        beds = [
            b
            for b in hospital[Beds].beds.values()
            if not held(b) and b.cleanliness == "dirty" and b.blocked is None
        ]
        if not beds:
            return None
        bed = self.rng.choice(beds)
        text = compose.a20(self.location(hospital, bed), "U", self.header())
        return Outgoing("ADT^A20 U", text, bed.bed_id)

    def spill(self, hospital: Hospital) -> Outgoing | None:
        """A vacant clean bed needs housekeeping (H)."""
        beds = [b for b in hospital[Beds].beds.values() if b.takes_a_patient]
        if not beds:
            return None
        bed = self.rng.choice(beds)
        text = compose.a20(self.location(hospital, bed), "H", self.header())
        return Outgoing("ADT^A20 H", text, bed.bed_id)

    # -- what the board allows -------------------------------------------------------------

    def admitted(self, hospital: Hospital) -> Stay | None:
        """An admitted patient of the EHR's in a bed, with no transfer under way."""
        own = self.own
        stays = [
            s
            for s in hospital[Stays].open_stays.values()
            if (own is None or s.encounter_id in own)
            and s.status == "admitted"
            and s.bed_id is not None
            and s.reserved_bed_id is None
            and s.transfer_to_unit_id is None
        ]
        return self.rng.choice(stays) if stays else None

    def free_beds(
        self, hospital: Hospital, sex: str, isolation: str = "none", private: bool = False
    ) -> list[Bed]:
        """Vacant clean beds the rules let this patient into: no mixed sexes in a shared
        room (where the unit does not allow it), nobody beside a patient on precautions,
        airborne precautions only in a negative-pressure room."""
        layout, beds, stays = hospital[Layout], hospital[Beds].beds, hospital[Stays].stays
        fitting = []
        for bed in beds.values():
            if not bed.takes_a_patient or bed.occupancy != "vacant":
                continue
            room = layout.rooms.get(bed.room_id)
            if room is None:
                continue
            if private and len(room.bed_ids) > 1:
                continue
            if isolation == "airborne" and "negative_pressure" not in room.features:
                continue
            others = [
                stays[beds[b].encounter_id or ""]
                for b in room.bed_ids
                if b != bed.bed_id and beds[b].encounter_id in stays
            ]
            if others and isolation != "none":
                continue
            if any(o.isolation != "none" for o in others):
                continue
            unit = layout.units.get(bed.unit_id)
            mixed = unit is not None and unit.mixed_sex_rooms
            if not mixed and any(o.sex != sex for o in others):
                continue
            fitting.append(bed)
        return fitting

    def location(self, hospital: Hospital, bed: Bed) -> Location:
        """PV1-3 of a bed: the unit, the room's label and the bed's."""
        room = hospital[Layout].rooms.get(bed.room_id)
        return Location(bed.unit_id, room.label if room else bed.room_id, bed.label)

    def new_number(self, hospital: Hospital, digits: int, mrn: bool) -> str:
        """A number no stay has: an MRN of `digits` digits, or an encounter (visit) number
        (the demo seed's are lettered, MRN... and V..., so these never meet them)."""
        stays = hospital[Stays].stays
        taken = {s.mrn for s in stays.values()} if mrn else set(stays)
        while True:
            number = str(self.rng.randrange(10 ** (digits - 1), 10**digits))
            if number not in taken:
                return number


def patient(stay: Stay) -> Patient:
    return Patient(stay.mrn, stay.family_name, stay.given_name, stay.birth_date, stay.sex)


class AdtSimulator:
    """Sends the Ehr's messages to the server's own MLLP port, one at a time, reading each
    ACK; reconnects when the connection drops (or before the listener is up)."""

    def __init__(
        self,
        runtime: Runtime,
        host: str,
        port: int,
        rng: random.Random | None = None,
        pause: tuple[float, float] = PAUSE_SECONDS,
    ) -> None:
        self.runtime = runtime
        self.host = "127.0.0.1" if host in ("", "0.0.0.0", "::") else host
        self.port = port
        self.rng = rng or random.Random()
        self.pause = pause
        self.ehr = Ehr(self.rng)
        self.patients = EhrPatients(runtime.log)

    async def run(self) -> None:
        """Forever: connect, then a message every few seconds; on a dropped connection,
        wait a moment and connect again."""
        while True:
            try:
                reader, writer = await client.connect(self.host, self.port)
            except (OSError, TimeoutError):
                await asyncio.sleep(RECONNECT_SECONDS)
                continue
            try:
                await self.converse(reader, writer)
            except (OSError, TimeoutError, asyncio.IncompleteReadError) as error:
                log.warning("The demo ADT feed lost its connection (%s); reconnecting.", error)
            except Exception:  # the log away a moment, say: the demo goes on
                log.exception("The demo ADT feed failed a step; it goes on.")
            finally:
                await client.close(writer)
            await asyncio.sleep(RECONNECT_SECONDS)

    async def converse(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            await asyncio.sleep(self.rng.uniform(*self.pause))
            while not await self.runtime.read(self.patients.refresh):
                pass  # a long log is read in batches, each on the reader pool
            outgoing = self.ehr.next(self.runtime.projection.hospital, self.patients.encounters)
            if outgoing is None:
                continue
            ack = await client.send(reader, writer, outgoing.text)
            log.info("%s → %s (%s)", outgoing.kind, client.ack_code(ack) or "?", outgoing.where)
