"""Seed the demo into an empty database: the layout, a first census; and a login for every
role and a wall-display token where they are missing, in a database that has no people yet
or that the demo made (never in one where real people log in). The transport crew the
simulator drives comes on duty (available) the first time.

A database that already has a layout is served as it is: the hospital may have changed it
(`unitboard layout load`), and loading the built-in layout again would try to take away
the rooms it added, with patients in them.

The demo hospital is loaded with a demo-scale policy (DEMO_POLICY): an order unsigned for
half an hour turns overdue, so a newcomer sees it happen while they watch."""

from __future__ import annotations

import random
from dataclasses import dataclass
from importlib import resources

from unitboard.domain.beds.state import Beds
from unitboard.domain.layout.state import Layout
from unitboard.domain.stays.state import Stays
from unitboard.domain.transport.state import Transport
from unitboard.service.auth import Actor, add_user, create_token
from unitboard.service.handler import CommandService
from unitboard.store.credentials import CredentialStore

DEMO_PASSWORD_SUFFIX = "-demo"
DEMO_USERS: list[tuple[str, str, str, tuple[str, ...]]] = [
    ("secretary", "secretary", "Sam Secretary", ("4W", "3N")),
    ("charge", "charge_nurse", "Casey Charge", ("4W",)),
    ("nurse", "nurse", "Noor Nurse", ("4W",)),
    ("nurse2", "nurse", "Nick Nurse", ("4W",)),
    ("transport", "transport", "Theo Transport", ()),
    ("tara", "transport", "Tara Lindgren", ()),
    ("tomas", "transport", "Tomás Herrera", ()),
    ("tess", "transport", "Tess Okonkwo", ()),
    ("tobi", "transport", "Tobi Adewale", ()),
    ("dispatch", "secretary", "Dana Dispatch", ()),
    ("evs", "evs", "Eva Housekeeping", ()),
    ("provider", "provider", "Dr. Priya Provider", ("4W", "ICU")),
    ("adeyemi", "provider", "Dr. Tunde Adeyemi", ("4W", "3N", "ICU")),
    ("admin", "admin", "Ada Admin", ()),
]
"""(username, role, name, units): the 4W staff get its pages and its call lights' ladder.
"transport" is the newcomer's transport tablet; tara, tomas, tess and tobi are the crew the
simulator drives; "dispatch" is the transport desk (a secretary may assign and cancel
jobs). "provider" is the newcomer's: the simulated desk enters orders on their direction,
which wait in their co-sign queue; "adeyemi" is the provider the simulator plays (one of
the attendings on the patients' records), who co-signs their own orders while nobody is
logged in as them."""
NEWCOMER_TRANSPORTER = "transport"
SIMULATED_TRANSPORTERS = tuple(
    username
    for username, role, _, _ in DEMO_USERS
    if role == "transport" and username != NEWCOMER_TRANSPORTER
)
"""The transporters the simulator acts as, while nobody is logged in as them."""
NEWCOMER_PROVIDER = "provider"
"""The provider login a newcomer uses: orders directed by them are never co-signed but by
a person."""
SIMULATED_PROVIDER = "adeyemi"
"""The provider the simulator acts as, while nobody is logged in as them."""
DEMO_POLICY = "\n[policy]\ncosign_deadline_hours = 0.5\n"
"""Demo-scale co-sign deadline (a hospital sets 24 to 48 hours): added to the built-in
layout when the demo hospital is first loaded, not written into it, so a layout file made
from hospital.toml carries only the policy its own `[policy]` table sets."""
DEMO_MARK = "demo_display_token"
"""The setting a database the demo made has (its wall display's token)."""
SEEDER = Actor("demo", "integration", None, "demo seed")
LAYOUT_LOADER = Actor("demo", "admin", None, "demo seed")
DISPLAY_UNIT = "4W"
"""The unit the demo's wall display shows, when the layout has it."""


@dataclass(frozen=True)
class DemoLogins:
    users: list[tuple[str, str, str]]
    display_token: str | None
    display_unit: str | None
    """The unit whose wall display the banner points to (None: the layout has no unit)."""
    seeded: bool
    """True when this start loaded the demo hospital into an empty database; False when
    the database had a layout already and is served as it is."""
    hospital: str
    """The hospital's name and size, as the log has it ("Riverside General, 4 units")."""


def demo_layout() -> str:
    return resources.files("unitboard.demo").joinpath("hospital.toml").read_text("utf-8")


def seed(service: CommandService, credentials: CredentialStore, crew: bool = True) -> DemoLogins:
    """`crew`: the simulated transporters come on duty (only when the simulator runs, or
    auto dispatch would offer every job to people nobody plays)."""
    service.catch_up()
    seeded = not service.state[Layout].units
    if seeded:
        service.load_layout(LAYOUT_LOADER, demo_layout() + DEMO_POLICY)
    # Logins with printed passwords (admin among them) go only into a database that has
    # nobody yet or that the demo made: never into one where real people log in.
    marked = credentials.get_setting(DEMO_MARK) is not None
    users: list[tuple[str, str, str]] = []
    token = None
    if marked or not credentials.list_users():
        for username, role, name, home_units in DEMO_USERS:
            if credentials.get_user(username) is None:
                password = username + DEMO_PASSWORD_SUFFIX
                known = tuple(u for u in home_units if u in service.state[Layout].units)
                add_user(credentials, username, password, role, name, known)
            users.append((username, username + DEMO_PASSWORD_SUFFIX, role))
        token = credentials.get_setting(DEMO_MARK)
        if token is None:
            token = create_token(credentials, "demo-wall-display", "display", None)
            credentials.set_setting(DEMO_MARK, token)
        if crew:
            crew_on_duty(service)
    if seeded and not service.state[Stays].open_stays:
        first_census(service, random.Random(7))
    layout = service.state[Layout]
    units = list(layout.units)
    display_unit = DISPLAY_UNIT if DISPLAY_UNIT in units else next(iter(units), None)
    hospital = f"{layout.name}, {len(units)} unit{'' if len(units) == 1 else 's'}"
    return DemoLogins(users, token, display_unit, seeded, hospital)


def crew_on_duty(service: CommandService) -> None:
    """The simulated transporters who never set a status make themselves available, each
    as themselves (a status is the sender's own); one on break or off stays so."""
    for username in SIMULATED_TRANSPORTERS:
        person = service.people.person(username)
        if service.state[Transport].transporter(username) is not None or person is None:
            continue
        if person.role == "transport" and person.active:
            actor = Actor(username, "transport", None, person.name)
            service.execute(actor, "SetTransporterStatus", {"status": "available"})


def first_census(service: CommandService, rng: random.Random) -> None:
    """Fill about two thirds of the beds, leave some dirty and a few admissions waiting."""
    from unitboard.demo.simulator import Simulator

    simulator = Simulator(service, rng)
    beds = service.state[Beds].beds
    for bed in list(beds.values()):
        if rng.random() < 0.68:
            simulator.admit_into(bed.bed_id)
    for _ in range(4):
        simulator.request_admission()
    for bed in list(beds.values())[::9]:
        if bed.occupancy == "vacant":
            simulator.run("MarkBedDirty", {"bed_id": bed.bed_id}, actor=simulator.evs)
