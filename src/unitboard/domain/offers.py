"""What a screen may offer a person: the commands a bed or a stay allows now, with the
choices (beds, partners, units) that the domain would accept. Each aggregate lists the
offers of the things it knows; the registry keeps those the person's role may send."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Choice:
    value: str
    label: str


@dataclass(frozen=True, slots=True)
class Offer:
    """A command the domain accepts now: `data` is fixed; each field of `choices` takes one
    of its values (every one of them is accepted); `inputs` are typed in by the person
    (free text or a time); `current` holds values the form starts from."""

    command: str
    data: Mapping[str, Any]
    choices: Mapping[str, tuple[Choice, ...]] = field(default_factory=dict)
    inputs: tuple[str, ...] = ()
    current: Mapping[str, Any] = field(default_factory=dict)

    def choice_values(self, name: str) -> list[str]:
        return [choice.value for choice in self.choices.get(name, ())]
