"""Cold-chain capacity: the volume in use at a storage location (doses × packed volume per dose, from the
product catalogue) against the net storage volume of its equipment, and the warning given before a receipt,
a confirmation or a transfer that will not fit is saved.

The warning is a refusal until the user confirms (`confirm_over_capacity`): nothing is written, and the
answer (409 `over_capacity`) names each location with its net volume, the volume in use, the volume the
posting adds and the total after it. It is a warning, not a lock: two postings at once may each fit alone
and overfill together (the equipment list then shows the location over capacity).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from inventory.coldchain.repository import ColdChainRepository
from inventory.errors import InventoryError

CM3_PER_LITRE = Decimal(1000)


class OverCapacity(InventoryError):
    """The posting would fill a piece of equipment beyond its net storage volume; confirm to save anyway."""

    status_code = 409
    title = "Over capacity"
    code = "over_capacity"


@dataclass(frozen=True)
class Fill:
    """A location's volumes in litres: net (its equipment's), in use now, added by the posting, after it."""

    location: str
    net_litres: Decimal
    used_litres: Decimal
    adding_litres: Decimal
    after_litres: Decimal

    @property
    def over(self) -> bool:
        """Beyond the net volume (filling it exactly still fits)."""
        return self.after_litres > self.net_litres

    def as_dict(self) -> dict[str, object]:
        return {
            "location": self.location,
            "net_volume_litres": float(self.net_litres),
            "used_litres": float(self.used_litres),
            "adding_litres": float(self.adding_litres),
            "after_litres": float(self.after_litres),
        }


def litres(cm3: Decimal) -> Decimal:
    """cm³ to litres, to the hundredth (half up)."""
    return (cm3 / CM3_PER_LITRE).quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")


async def volume_in_use(session: AsyncSession, location_ids: Iterable[int]) -> dict[int, Decimal]:
    """Cubic centimetres in use per location: Σ doses × packed volume per dose (every location asked)."""
    ids = list(location_ids)
    used = dict.fromkeys(ids, Decimal(0))
    for location_id, per_dose, doses in await ColdChainRepository(session).volume_rows(ids):
        used[location_id] += Decimal(per_dose) * int(doses)
    return used


async def fills(session: AsyncSession, additions: Iterable[tuple[int, str, Decimal, int]]) -> list[Fill]:
    """What a posting adds (location id, location code, packed cm³ per dose, doses) to each location that is
    equipment with a net volume, in the order the locations first appear."""
    adding: dict[int, Decimal] = {}
    codes: dict[int, str] = {}
    for location_id, code, per_dose, doses in additions:
        if doses > 0:
            adding[location_id] = adding.get(location_id, Decimal(0)) + Decimal(per_dose) * doses
            codes[location_id] = code
    equipment = await ColdChainRepository(session).equipment_by_location(list(adding))
    measured = {i: e.net_volume_litres for i, e in equipment.items() if e.net_volume_litres is not None}
    used = await volume_in_use(session, measured)
    return [
        Fill(
            codes[i],
            Decimal(measured[i]),
            litres(used[i]),
            litres(cm3),
            litres(used[i] + cm3),
        )
        for i, cm3 in adding.items()
        if i in measured
    ]


async def check_fit(
    session: AsyncSession,
    additions: Iterable[tuple[int, str, Decimal, int]],
    *,
    confirmed: bool,
) -> list[Fill]:
    """Refuse a posting that overfills a piece of equipment unless the user confirmed it; the fills beyond
    the net volume are returned (empty when everything fits)."""
    over = [f for f in await fills(session, additions) if f.over]
    if over and not confirmed:
        first = over[0]
        raise OverCapacity(
            message="error.coldchain.over_capacity",
            params={
                "location": first.location,
                "net": first.net_litres,
                "used": first.used_litres,
                "adding": first.adding_litres,
                "after": first.after_litres,
            },
            field="confirm_over_capacity",
            over_capacity=[f.as_dict() for f in over],
        )
    return over
