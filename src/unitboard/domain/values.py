"""The value lists of the domain and what a person reads for each, kept once: commands,
events, the layout file and every template take them from here."""

from __future__ import annotations

from typing import Literal, get_args

Sex = Literal["F", "M", "X", "U"]
Source = Literal["ed", "direct", "or", "transfer"]
Isolation = Literal["none", "contact", "droplet", "airborne"]
RoomFeature = Literal["private", "negative_pressure", "telemetry", "bariatric"]
BlockKind = Literal["maintenance", "isolation", "contaminated", "staffing", "other"]
EvsPriority = Literal["stat", "clean_next"]
Occupancy = Literal["vacant", "reserved", "occupied"]
Cleanliness = Literal["clean", "dirty", "cleaning"]
BedStatus = Literal[
    "occupied", "reserved", "clean", "dirty", "cleaning", "blocked", "contaminated", "isolated"
]

SEXES: tuple[Sex, ...] = get_args(Sex)
SOURCES: tuple[Source, ...] = get_args(Source)
ISOLATIONS: tuple[Isolation, ...] = get_args(Isolation)
ROOM_FEATURES: tuple[RoomFeature, ...] = get_args(RoomFeature)
BLOCK_KINDS: tuple[BlockKind, ...] = get_args(BlockKind)
BED_STATUSES: tuple[BedStatus, ...] = get_args(BedStatus)

ISOLATING: frozenset[Isolation] = frozenset({"contact", "droplet", "airborne"})
"""Precautions that need a room with no other patient."""

SEX_LABELS: dict[Sex, str] = {"F": "Female", "M": "Male", "X": "Non-binary", "U": "Unknown"}
SOURCE_LABELS: dict[Source, str] = {
    "ed": "Emergency department",
    "direct": "Direct admission",
    "or": "Operating room",
    "transfer": "Transfer",
}
ISOLATION_LABELS: dict[Isolation, str] = {
    "none": "None",
    "contact": "Contact",
    "droplet": "Droplet",
    "airborne": "Airborne",
}
FEATURE_LABELS: dict[RoomFeature, tuple[str, str]] = {
    # the short label on a tile, and the words behind it
    "private": ("PRIV", "Private room"),
    "negative_pressure": ("NP", "Negative pressure"),
    "telemetry": ("TELE", "Telemetry"),
    "bariatric": ("BARI", "Bariatric"),
}
BLOCK_LABELS: dict[BlockKind, str] = {
    "maintenance": "Maintenance",
    "isolation": "Isolation",
    "contaminated": "Contaminated",
    "staffing": "Staffing",
    "other": "Other",
}
EVS_PRIORITY_LABELS: dict[EvsPriority, str] = {"stat": "STAT clean", "clean_next": "Clean next"}
TERMINAL_LABEL = "Terminal clean — isolation"
"""A bed that needs a terminal clean (a patient on isolation precautions left it, or its
isolation or contaminated block was lifted), as every screen names it."""
STATUS_LABELS: dict[BedStatus, str] = {
    "occupied": "Occupied",
    "reserved": "Reserved",
    "clean": "Ready",
    "dirty": "Dirty",
    "cleaning": "Cleaning",
    "blocked": "Blocked",
    "contaminated": "Contaminated",
    "isolated": "Isolation",
}
STATUS_CODES: dict[BedStatus, str] = {
    # HL7 table 0116, with `reserved` as a state of its own (0116 has none)
    "occupied": "O",
    "reserved": "R",
    "clean": "U",
    "dirty": "H",
    "cleaning": "H",
    "blocked": "C",
    "contaminated": "K",
    "isolated": "I",
}
BLOCK_STATUS: dict[BlockKind, BedStatus] = {
    "maintenance": "blocked",
    "staffing": "blocked",
    "other": "blocked",
    "contaminated": "contaminated",
    "isolation": "isolated",
}
