"""The demo's vaccination days: the doses given and the vials opened at each commune."""

from __future__ import annotations

import random
from datetime import date

from inventory.catalog.models import Facility, Product
from inventory.demo.clock import COMMUNE_ACTOR, _Clock, _key
from inventory.demo.plan import DILUENT_OF, DOSES_PER_CHILD, _monthly_need
from inventory.errors import InsufficientStock
from inventory.stock import schemas as s
from inventory.stock.domain import LotBalance, pick_lots
from inventory.stock.repository import StockRepository
from inventory.stock.use_cases import usage


async def _vaccination_day(
    clock: _Clock,
    rng: random.Random,
    commune: Facility,
    day: date,
    products: dict[str, Product],
    counts: dict[str, int],
) -> None:
    stock = clock.stock(day, COMMUNE_ACTOR)
    repo = StockRepository(stock.session)
    lines: list[s.UsageLine] = []
    wanted = [*DOSES_PER_CHILD, *(DILUENT_OF[c] for c in DOSES_PER_CHILD if c in DILUENT_OF)]
    held = await repo.products_with_balances(wanted, commune.id)  # nothing is posted before the day's end

    def balances(code: str) -> list[LotBalance]:
        return held[code][1] if code in held else []

    for code in DOSES_PER_CHILD:
        product = products[code]
        children = round(_monthly_need(commune, code, day) / 2 * rng.uniform(0.75, 0.97))
        if children <= 0:
            continue
        per = product.doses_per_vial
        # the children come to the station on the session day: as many vials as they need are opened
        vials = -(-children // per)
        try:
            picks = pick_lots(balances(code), vials * per, day, doses_per_vial=per)
        except InsufficientStock as exc:
            vials = int(exc.extra.get("available", 0)) // per
            if vials == 0:
                continue
            children = min(children, vials * per)
            picks = pick_lots(balances(code), vials * per, day, doses_per_vial=per)
        left = children
        opened_total = 0
        for n, p in enumerate(picks):
            opened = p.doses // per
            opened_total += opened
            given = left if n == len(picks) - 1 else min(left, p.doses)
            left -= given
            lines.append(
                s.UsageLine(
                    product=code,
                    lot_number=p.lot_number,
                    location=p.location_code,
                    doses_administered=given,
                    vials_opened=opened,
                )
            )
        if code in DILUENT_OF:
            dil = products[DILUENT_OF[code]]
            try:
                dil_picks = pick_lots(
                    balances(dil.code),
                    opened_total * dil.doses_per_vial,
                    day,
                    doses_per_vial=dil.doses_per_vial,
                )
            except InsufficientStock:
                dil_picks = []
            given_left = children
            for d in dil_picks:
                given = min(given_left, d.doses)
                given_left -= given
                lines.append(
                    s.UsageLine(
                        product=dil.code,
                        lot_number=d.lot_number,
                        location=d.location_code,
                        doses_administered=given,
                        vials_opened=d.doses // dil.doses_per_vial,
                    )
                )
    if lines:
        await usage.record_usage(
            stock,
            s.UsageCreate(facility=commune.code, session_on=day, lines=lines),
            key=_key("usage", day, commune.code),
        )
        counts["usage_days"] += 1
