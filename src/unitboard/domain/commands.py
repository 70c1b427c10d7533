"""Commands: what a person or a system asks unitboard to do, as pydantic models. They are
validated before they reach a decider: unknown fields, wrong types and impossible dates
never get that far. Each aggregate declares its own; these are the shared field types."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, StringConstraints

Id = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


class Command(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=False)
