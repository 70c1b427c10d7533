"""Loading a layout file (the CLI and `serve --layout` send it; so may an admin)."""

from __future__ import annotations

from typing import Annotated

from pydantic import StringConstraints

from unitboard.domain.commands import Command


class LoadLayout(Command):
    toml: Annotated[str, StringConstraints(min_length=1, max_length=4_000_000)]
