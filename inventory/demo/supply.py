"""The demo's supply chain: monthly receipts, issues to the communes, and their confirmations."""

from __future__ import annotations

import heapq
import itertools
import random
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from functools import partial

from inventory.catalog.models import Facility, Product
from inventory.demo.clock import COMMUNE_ACTOR, _Clock, _key
from inventory.demo.plan import (
    DILUENT_OF,
    DOSES_PER_CHILD,
    REMOTE,
    SESSIONS_PER_MONTH,
    WASTAGE_ALLOWANCE,
    _monthly_need,
    _round_up,
)
from inventory.demo.sessions import _vaccination_day
from inventory.errors import InsufficientStock
from inventory.stock import schemas as s
from inventory.stock.context import StockContext
from inventory.stock.domain import pick_lots
from inventory.stock.use_cases import confirmation, issuing, receiving, views

FORGOTTEN = "TYT-03442"
"""A remote station whose confirmation of last month's delivery is missing (an alert on the day the demo loads)."""


async def _month(
    clock: _Clock,
    rng: random.Random,
    month: date,
    today: date,
    products: dict[str, Product],
    district: Facility,
    communes: list[Facility],
    lots: dict[str, tuple[str, date]],
    counts: dict[str, int],
    last_month: date,
) -> None:
    # 1. the district receives its monthly allocation from CDC Lai Châu
    receive_day = month + timedelta(days=2)
    if receive_day > today:
        return
    lines = []
    for code, per_child in DOSES_PER_CHILD.items():
        need = sum(_monthly_need(c, code, receive_day) for c in communes) * WASTAGE_ALLOWANCE.get(code, 1.0)
        if need == 0:
            continue
        product = products[code]
        if code not in lots or (month.month % 4 == 1) or lots[code][1] < receive_day + timedelta(days=200):
            expiry_months = (
                3
                if (code == "JE" and month == (last_month - timedelta(days=40)).replace(day=1))
                else rng.randint(12, 24)
            )
            expiry = (receive_day + timedelta(days=31 * expiry_months)).replace(day=28)
            lots[code] = (f"{code.replace('-', '')}{receive_day:%y%m}{rng.randint(10, 99)}", expiry)
        lot_number, expiry = lots[code]
        factor = 3.0 if not counts["receipts"] else rng.uniform(1.25, 1.45)
        doses = _round_up(need * factor, product.doses_per_vial)
        lines.append(
            s.ReceiptLine(
                product=code,
                lot_number=lot_number,
                expires_on=expiry,
                doses=doses,
                location="TL-01" if per_child != 2 or code == "TT" else "TL-02",
                manufacturer="IVAC / POLYVAC / VABIOTECH (demo)",
            )
        )
        if code in DILUENT_OF:
            dil = products[DILUENT_OF[code]]
            lines.append(
                s.ReceiptLine(
                    product=dil.code,
                    lot_number="D" + lot_number,
                    expires_on=expiry,
                    doses=_round_up(doses, dil.doses_per_vial),
                    location="TL-02",
                )
            )
    await receiving.receive(
        clock.stock(receive_day),
        s.ReceiptCreate(
            facility=district.code,
            supplier="CDC-LC",
            occurred_on=receive_day,
            lines=lines,
            reference=f"PX-CDC-{receive_day:%m%y}",
        ),
        key=_key("receipt", receive_day),
    )
    counts["receipts"] += 1

    # 2. issue to each commune; 3. the commune confirms a few days later (the last ones are still on the road);
    # 4. two vaccination days a month at each commune (SESSIONS_PER_MONTH). Everything is posted in the order
    # of the days it is dated, so no posting draws on stock that arrives on a later day. In the last month the
    # issues go out two days before today, but never before the month's receipt they draw on.
    steps: list[tuple[date, int, int, Callable[[], Awaitable[None]]]] = []
    order = itertools.count()

    def at(day: date, rank: int, step: Callable[[], Awaitable[None]]) -> None:
        heapq.heappush(steps, (day, rank, next(order), step))

    issue_day = (
        month + timedelta(days=4) if month != last_month else max(today - timedelta(days=2), receive_day)
    )
    if issue_day <= today:
        for commune in communes:
            at(
                issue_day,
                1,
                partial(_issue, clock, rng, issue_day, today, products, district, commune, counts, at),
            )
    for session_day in (month + timedelta(days=11), month + timedelta(days=24)):
        if session_day <= today:
            for commune in communes:
                at(
                    session_day,
                    3,
                    partial(_vaccination_day, clock, rng, commune, session_day, products, counts),
                )
    while steps:
        *_, step = heapq.heappop(steps)
        await step()


async def _issue(
    clock: _Clock,
    rng: random.Random,
    issue_day: date,
    today: date,
    products: dict[str, Product],
    district: Facility,
    commune: Facility,
    counts: dict[str, int],
    at: Callable[[date, int, Callable[[], Awaitable[None]]], None],
) -> None:
    """Issue a month's need to one commune on `issue_day`; its confirmation is posted on the day it arrives."""
    stock = clock.stock(issue_day)
    issue_lines = []
    for code in [*DOSES_PER_CHILD, *DILUENT_OF.values()]:
        base = (
            code if code not in DILUENT_OF.values() else next(k for k, v in DILUENT_OF.items() if v == code)
        )
        need = _monthly_need(commune, base, issue_day) * WASTAGE_ALLOWANCE.get(base, 1.0)
        if need == 0:
            continue
        vaccine = products[base]
        if not vaccine.keep_opened_vial and vaccine.doses_per_vial > 1:
            # a vial opened on each session day, however few babies come
            need = max(need, SESSIONS_PER_MONTH * vaccine.doses_per_vial)
        doses = _round_up(need * 1.05, products[code].doses_per_vial)
        available = await _usable(stock, district, products[code], issue_day)
        doses = min(doses, available - available % products[code].doses_per_vial)
        if doses > 0:
            issue_lines.append(s.IssueLine(product=code, doses=doses))
    if not issue_lines:
        return
    doc = await issuing.issue(
        stock,
        s.IssueCreate(
            facility=district.code,
            to_facility=commune.code,
            occurred_on=issue_day,
            lines=issue_lines,
            reference=f"PXK-{issue_day:%y%m}-{commune.code[-5:]}",
        ),
        key=_key("issue", issue_day, commune.code),
    )
    counts["issues"] += 1
    arrive = issue_day + timedelta(days=rng.randint(1, 3) + (2 if commune.code in REMOTE else 0))
    if arrive > today - timedelta(days=1):
        return
    previous_month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    if commune.code == FORGOTTEN and issue_day.replace(day=1) == previous_month:
        return  # last month's delivery to a remote station was never confirmed: an overdue confirmation
    at(arrive, 2, partial(_confirm, clock, rng, stock, doc.shipment_id or 0, arrive, products, counts))


async def _confirm(
    clock: _Clock,
    rng: random.Random,
    stock: StockContext,
    shipment_id: int,
    arrive: date,
    products: dict[str, Product],
    counts: dict[str, int],
) -> None:
    """The commune confirms a delivery on the day it arrives (now and then a vial broken on the road)."""
    shipment = await views.get_shipment(stock, shipment_id)
    confirm = []
    for line in shipment.lines:
        broken = products[line.product].doses_per_vial if rng.random() < 0.03 else 0
        confirm.append(
            s.ShipmentLineConfirm(
                product=line.product,
                lot_number=line.lot_number,
                doses_received=line.doses_sent - broken,
                vvm_stage=1,
                difference_reason="broken" if broken else None,
            )
        )
    await confirmation.confirm_shipment(
        clock.stock(arrive, COMMUNE_ACTOR),
        shipment.id,
        s.ShipmentConfirm(lines=confirm, occurred_on=arrive),
        key=_key("confirm", shipment.id),
    )
    counts["confirmations"] += 1


async def _usable(stock: StockContext, facility: Facility, product: Product, day: date) -> int:
    balances = await stock.repo.balances_for_picking(facility.id, product.id)
    try:
        picks = pick_lots(balances, 1, day)
    except InsufficientStock:
        return 0
    del picks
    return sum(b.doses for b in balances if b.doses > 0 and svc_is_usable(b, day))


def svc_is_usable(balance, day: date) -> bool:
    from inventory.stock.domain import is_usable

    return is_usable(balance.lot, day)
