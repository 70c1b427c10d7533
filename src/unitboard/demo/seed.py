"""Seed the demo: the layout, a login for every role, a wall-display token, a first census."""

from __future__ import annotations

import random
from dataclasses import dataclass
from importlib import resources

from unitboard.domain.beds.state import Beds
from unitboard.domain.stays.state import Stays
from unitboard.service.auth import Actor, add_user, create_token
from unitboard.service.handler import CommandService
from unitboard.store.credentials import CredentialStore

DEMO_PASSWORD_SUFFIX = "-demo"
DEMO_USERS = [
    ("secretary", "secretary", "Sam Secretary"),
    ("charge", "charge_nurse", "Casey Charge"),
    ("nurse", "nurse", "Noor Nurse"),
    ("nurse2", "nurse", "Nick Nurse"),
    ("transport", "transport", "Theo Transport"),
    ("evs", "evs", "Eva Housekeeping"),
    ("provider", "provider", "Dr. Priya Provider"),
    ("admin", "admin", "Ada Admin"),
]
SEEDER = Actor("demo", "integration", None, "demo seed")
LAYOUT_LOADER = Actor("demo", "admin", None, "demo seed")


@dataclass(frozen=True)
class DemoLogins:
    users: list[tuple[str, str, str]]
    display_token: str | None


def demo_layout() -> str:
    return resources.files("unitboard.demo").joinpath("hospital.toml").read_text("utf-8")


def seed(service: CommandService, credentials: CredentialStore) -> DemoLogins:
    service.catch_up()
    service.load_layout(LAYOUT_LOADER, demo_layout())
    users = []
    for username, role, name in DEMO_USERS:
        if credentials.get_user(username) is None:
            add_user(credentials, username, username + DEMO_PASSWORD_SUFFIX, role, name)
        users.append((username, username + DEMO_PASSWORD_SUFFIX, role))
    token = None
    if credentials.get_setting("demo_display_token") is None:
        token = create_token(credentials, "demo-wall-display", "display", None)
        credentials.set_setting("demo_display_token", token)
    else:
        token = credentials.get_setting("demo_display_token")
    if not service.state[Stays].open_stays:
        first_census(service, random.Random(7))
    return DemoLogins(users, token)


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
