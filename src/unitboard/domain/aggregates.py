"""Every aggregate unitboard has, registered: one line each."""

from unitboard.domain.beds import aggregate as beds
from unitboard.domain.layout import aggregate as layout
from unitboard.domain.registry import Registry
from unitboard.domain.stays import aggregate as stays

HOUSE = Registry(
    [
        layout.AGGREGATE,
        beds.AGGREGATE,
        stays.AGGREGATE,
    ]
)
