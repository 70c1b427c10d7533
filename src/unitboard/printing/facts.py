"""What a wristband or a specimen label says about one admitted stay."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True, slots=True)
class BandFacts:
    """The identity printed on a band and its labels, as the stay records it.

    `birth_date` is ISO `YYYY-MM-DD`; `location` (unit and bed, e.g. "4 West 401-A")
    is printed when given. A band without its identifiers would be worse than none, so
    the MRN, the encounter and the family name must not be blank.
    """

    family_name: str
    given_name: str
    birth_date: str
    sex: str
    mrn: str
    encounter_id: str
    attending: str
    location: str | None = None

    def __post_init__(self) -> None:
        for field, called in (
            ("family_name", "family name"),
            ("mrn", "MRN"),
            ("encounter_id", "encounter id"),
        ):
            if not getattr(self, field).strip():
                raise ValueError(f"A band needs its {called}; it is blank.")
        if not _ISO_DATE.fullmatch(self.birth_date):
            raise ValueError(f"Birth date {self.birth_date!r} is not YYYY-MM-DD.")
        dt.date.fromisoformat(self.birth_date)  # refuses 1958-02-30

    @property
    def birth_date_text(self) -> str:
        """`14 Mar 1958`: day, month name and year cannot be read in the wrong order."""
        born = dt.date.fromisoformat(self.birth_date)
        return f"{born.day:02d} {_MONTHS[born.month - 1]} {born.year:04d}"
