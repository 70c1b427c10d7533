"""Name alerts: two patients on one unit whose family names are the same or sound alike
("Smith" and "Smyth", "Müller" and "Mueller", "Catherine" and "Kathryn") are the classic
set-up for a wrong-patient error, so both of their beds carry a visible "name alert".

Pure functions of the hospital's state. A wall display (privacy mode) learns only that a bed
has an alert, never which other bed, nor anything of the names. A screen that may not see a
confidential patient's name gets no alert that involves that patient: the pair would tell
the confidential patient's name."""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import jellyfish

from unitboard.domain.beds.state import Beds
from unitboard.domain.hospital import Hospital
from unitboard.domain.layout.state import Layout
from unitboard.domain.stays.state import Stay, Stays

PARTICLES = frozenset(
    {"al", "bin", "da", "de", "del", "della", "der", "di", "dos", "du", "el", "la", "le"}
    | {"st", "van", "von", "y"}
)
"""Words of a compound family name that say nothing alone ("van Dijk", "de la Cruz")."""

LOOKS_ALIKE = 0.8
"""Two names of one Soundex code sound alike when their Jaro-Winkler similarity is at least
this ("Cohen" and "Cohn", "Garcia" and "Garza"; not "Nguyen" and "Nixon", nor "Jones" and
"James")."""

SPELT_CLOSE = 0.7
"""Two words of one Metaphone code sound alike when they begin with one letter or their
Jaro-Winkler similarity is at least this ("Catherine" and "Kathryn", "Knight" and "Night",
"Lee" and "Leigh"; not "Garcia" and "Quarshie", whose codes agree but that nobody would
confuse at a bedside)."""


@dataclass(frozen=True, slots=True)
class NameKey:
    """A family name as it is compared: its words in plain lower-case letters, and the
    Metaphone and Soundex codes of each."""

    parts: tuple[str, ...]
    metaphone: tuple[tuple[str, str], ...]  # (Metaphone code, part)
    soundex: tuple[tuple[str, str], ...]  # (Soundex code, part)


def plain_words(name: str) -> tuple[str, ...]:
    """ "Müller-O'Neill" -> ("muller", "oneill"): accents off, apostrophes and other
    marks dropped, split on spaces and hyphens, particles left out unless nothing else."""
    ascii_text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    words = ascii_text.casefold().replace("-", " ").split()
    letters = tuple(w for w in ("".join(c for c in word if c.isalpha()) for word in words) if w)
    return tuple(w for w in letters if w not in PARTICLES) or letters


@functools.lru_cache(maxsize=4096)
def name_key(family_name: str) -> NameKey:
    parts = plain_words(family_name)
    metaphone = tuple((code, part) for part in parts if (code := jellyfish.metaphone(part)))
    soundex = tuple((jellyfish.soundex(part), part) for part in parts)
    return NameKey(parts, metaphone, soundex)


def _alike_by(
    codes: tuple[tuple[str, str], ...],
    other_codes: tuple[tuple[str, str], ...],
    spelt_alike: Callable[[str, str], bool],
) -> bool:
    return any(
        code == other_code and spelt_alike(word, other_word)
        for code, word in codes
        for other_code, other_word in other_codes
    )


def _similar(one: str, other: str) -> float:
    return jellyfish.jaro_winkler_similarity(one, other)


@functools.lru_cache(maxsize=65536)
def sound_alike(one: str, other: str) -> bool:
    """Whether two family names are the same or sound alike: a word in common, or two words
    of one Metaphone code that begin alike or are spelt close, or of one Soundex code and
    spelt much alike."""
    a, b = name_key(one), name_key(other)
    if not a.parts or not b.parts:
        return False
    if not set(a.parts).isdisjoint(b.parts):
        return True
    return _alike_by(
        a.metaphone, b.metaphone, lambda x, y: x[0] == y[0] or _similar(x, y) >= SPELT_CLOSE
    ) or _alike_by(a.soundex, b.soundex, lambda x, y: _similar(x, y) >= LOOKS_ALIKE)


def unit_patients(state: Hospital, unit_id: str) -> dict[str, Stay]:
    """Each bed of the unit that holds a patient (in it, or reserved for one), with them."""
    beds, stays = state[Beds].beds, state[Stays].stays
    held: dict[str, Stay] = {}
    for bed_id in state[Layout].bed_ids(unit_id):
        encounter_id = beds[bed_id].encounter_id
        if encounter_id is not None and (stay := stays.get(encounter_id)) is not None:
            held[bed_id] = stay
    return held


def unit_name_alerts(
    state: Hospital, unit_id: str, *, see_confidential: bool = True
) -> dict[str, list[str]]:
    """Each bed of the unit whose patient's family name is the same as or sounds like that of
    another patient of the unit, with those patients' beds (a patient who holds two beds is
    not their own namesake). Without `see_confidential`, confidential patients count for
    nothing."""
    patients = [
        (bed_id, stay)
        for bed_id, stay in unit_patients(state, unit_id).items()
        if see_confidential or not stay.confidential
    ]
    alerts: dict[str, list[str]] = {}
    for i, (bed_id, stay) in enumerate(patients):
        for other_bed_id, other in patients[i + 1 :]:
            if other.encounter_id != stay.encounter_id and sound_alike(
                stay.family_name, other.family_name
            ):
                alerts.setdefault(bed_id, []).append(other_bed_id)
                alerts.setdefault(other_bed_id, []).append(bed_id)
    return alerts


def name_alert_view(alike_beds: list[str], *, privacy: bool) -> dict[str, Any]:
    """The bed view's keys: `name_alert` (a yes or no, all a wall display gets) and, for a
    screen that shows identity, `name_alert_beds` (the other beds)."""
    if privacy:
        return {"name_alert": bool(alike_beds)}
    return {"name_alert": bool(alike_beds), "name_alert_beds": sorted(alike_beds)}
