"""Every aggregate unitboard has, registered: one line each."""

from unitboard.domain.beds import aggregate as beds
from unitboard.domain.calls import aggregate as calls
from unitboard.domain.layout import aggregate as layout
from unitboard.domain.orders import aggregate as orders
from unitboard.domain.pages import aggregate as pages
from unitboard.domain.policy import aggregate as policy
from unitboard.domain.prints import aggregate as prints
from unitboard.domain.registry import Registry
from unitboard.domain.stays import aggregate as stays
from unitboard.domain.transport import aggregate as transport

HOUSE = Registry(
    [
        layout.AGGREGATE,
        policy.AGGREGATE,
        beds.AGGREGATE,
        stays.AGGREGATE,
        calls.AGGREGATE,
        pages.AGGREGATE,
        transport.AGGREGATE,
        orders.AGGREGATE,
        prints.AGGREGATE,
    ]
)
