"""Printing a patient's identification: the print is recorded before the document is
made, so no band leaves a printer unrecorded."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from unitboard.domain.commands import Command, Id
from unitboard.domain.prints.values import Document


class PrintIdentification(Command):
    """`copies`: for labels, how many (a band is one)."""

    encounter_id: Id
    document: Document
    copies: Annotated[int, Field(ge=1, le=50)] = 1
