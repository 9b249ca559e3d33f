"""Realistic demo data for Mường Tè: a year of receipts, issues, deliveries, usage and wastage.

Deterministic (seeded) and idempotent: a second load finds the demo already there and adds nothing.
Every posting goes through the same services as the API, each on its own simulated day.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from inventory.auth import Principal
from inventory.catalog.models import Facility, Product
from inventory.errors import InsufficientStock
from inventory.settings import Settings
from inventory.stock import schemas as s
from inventory.stock.domain import pick_lots
from inventory.stock.models import StockDocument
from inventory.stock.repository import StockRepository
from inventory.stock.service import StockService
from inventory.timeutil import VIETNAM, today_vn, utcnow

DEMO_ACTOR = "demo: thủ kho Lò Thị Mai"
COMMUNE_ACTOR = "demo: y tế xã"
CRUDE_BIRTH_RATE = 0.019
"""Births per person per year; UNVERIFIED planning estimate (vietnam-epi.md §3.1)."""

DOSES_PER_CHILD = {
    "BCG": 1,
    "HEPB": 1,
    "PENTA": 3,
    "BOPV": 3,
    "IPV": 2,
    "MEASLES": 1,
    "MR": 1,
    "DTP": 1,
    "JE": 3,
    "TD": 1,
    "TT": 2,
    "ROTA": 2,
}
DILUENT_OF = {"BCG": "BCG-DIL", "MEASLES": "MEASLES-DIL", "MR": "MR-DIL"}
ROTA_FROM = date(2026, 2, 15)
WASTAGE_ALLOWANCE = {
    "BCG": 3.0,
    "MEASLES": 1.7,
    "MR": 1.7,
    "JE": 1.3,
    "BOPV": 1.2,
    "IPV": 1.2,
    "DTP": 1.2,
    "TD": 1.2,
    "TT": 1.2,
}
"""Extra doses sent for opened-vial wastage (a 10-dose BCG vial serves two or three babies at a session)."""
DEMO_USERS = (
    ("admin", "admin", None, "admin-demo-2026"),
    ("thukho", "store_keeper", "TTYT-MT", "thukho-demo-2026"),
    ("tramyte", "commune_worker", "TYT-03451", "tramyte-demo-2026"),
    ("cdc", "viewer", None, "cdc-demo-2026"),
)
"""One user per role, with demo passwords: for the demo only, printed at start-up and in the README."""
DEMO_NAMES = {
    "admin": "Quản trị (demo)",
    "thukho": "Lò Thị Mai (thủ kho, demo)",
    "tramyte": "Pờ Xá Dơ (trạm y tế Mù Cả, demo)",
    "cdc": "CDC Lai Châu (xem, demo)",
}
SESSIONS_PER_MONTH = 2
REMOTE = {"TYT-03451", "TYT-03442", "TYT-03439"}
"""Border communes with the longest roads: deliveries take two days more."""


@dataclass
class _Clock:
    """Builds services that believe `day` is today, so each posting is on time for its day, and is recorded
    during that day's working hours (from 07:30 in Vietnam, a few minutes apart; never after the real now)."""

    session: AsyncSession
    settings: Settings
    recorded: dict[date, int] = field(default_factory=dict)

    def service(self, day: date, actor: str = DEMO_ACTOR) -> StockService:
        return StockService(
            self.session, self.settings, Principal.system(actor), today=day, now=lambda: self._during(day)
        )

    def _during(self, day: date) -> datetime:
        n = self.recorded[day] = self.recorded.get(day, 0) + 1
        opening = datetime.combine(day, time(7, 30), tzinfo=VIETNAM)
        return min(opening + timedelta(minutes=7 * n), utcnow()).astimezone(UTC)


def _key(*parts: object) -> str:
    return "demo:" + ":".join(str(p) for p in parts)


def _round_up(doses: float, per: int) -> int:
    whole = max(int(-(-doses // per)), 1)
    return whole * per


async def load_demo(
    session: AsyncSession, settings: Settings, *, today: date | None = None
) -> dict[str, int]:
    """Load a year of demo activity ending today; nothing is added if the demo is already there."""
    today = today or today_vn()
    already = await session.scalar(
        select(func.count()).select_from(StockDocument).where(StockDocument.recorded_by == DEMO_ACTOR)
    )
    await _demo_users(session)
    if already:
        return {"documents": 0, "already_loaded": int(already)}
    counts_register = await _demo_register(session, today)
    rng = random.Random(2026)
    clock = _Clock(session, settings)
    products = {p.code: p for p in (await session.scalars(select(Product))).all()}
    facilities = {f.code: f for f in (await session.scalars(select(Facility))).all()}
    district = facilities["TTYT-MT"]
    communes = [f for f in facilities.values() if f.supplier_id == district.id and f.valid_to is None]
    communes.sort(key=lambda f: f.code)
    counts = {"receipts": 0, "issues": 0, "confirmations": 0, "usage_days": 0, "adjustments": 0, "counts": 0}
    lots: dict[str, tuple[str, date]] = {}
    start = (today - timedelta(days=365)).replace(day=1)
    month = start
    last_month = today.replace(day=1)
    while month <= last_month:
        await _month(clock, rng, month, today, products, district, communes, lots, counts, last_month)
        month = (month + timedelta(days=32)).replace(day=1)
    await _events(clock, today, products, district, counts)
    return {**counts, **counts_register}


def _monthly_need(facility: Facility, code: str, day: date) -> float:
    if code == "ROTA" and day < ROTA_FROM:
        return 0.0
    births = (facility.population or 0) * CRUDE_BIRTH_RATE / 12
    return births * DOSES_PER_CHILD[code]


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
    await clock.service(receive_day).receive(
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

    # 2. issue to each commune; 3. the commune confirms a few days later (the last ones are still on the road)
    issue_day = month + timedelta(days=4) if month != last_month else today - timedelta(days=2)
    if issue_day > today:
        return
    for commune in communes:
        svc = clock.service(issue_day)
        issue_lines = []
        for code in [*DOSES_PER_CHILD, *DILUENT_OF.values()]:
            base = (
                code
                if code not in DILUENT_OF.values()
                else next(k for k, v in DILUENT_OF.items() if v == code)
            )
            need = _monthly_need(commune, base, issue_day) * WASTAGE_ALLOWANCE.get(base, 1.0)
            if need == 0:
                continue
            vaccine = products[base]
            if not vaccine.keep_opened_vial and vaccine.doses_per_vial > 1:
                # a vial opened on each session day, however few babies come
                need = max(need, SESSIONS_PER_MONTH * vaccine.doses_per_vial)
            doses = _round_up(need * 1.05, products[code].doses_per_vial)
            available = await _usable(svc, district, products[code], issue_day)
            doses = min(doses, available - available % products[code].doses_per_vial)
            if doses > 0:
                issue_lines.append(s.IssueLine(product=code, doses=doses))
        if not issue_lines:
            continue
        doc = await svc.issue(
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
            continue
        shipment = await svc.shipment(doc.shipment_id or 0)
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
        await clock.service(arrive, COMMUNE_ACTOR).confirm_shipment(
            shipment.id,
            s.ShipmentConfirm(lines=confirm, occurred_on=arrive),
            key=_key("confirm", shipment.id),
        )
        counts["confirmations"] += 1

    # 4. two vaccination days a month at each commune (SESSIONS_PER_MONTH)
    for session_day in (month + timedelta(days=11), month + timedelta(days=24)):
        if session_day > today:
            continue
        for commune in communes:
            await _vaccination_day(clock, rng, commune, session_day, products, counts)


async def _usable(svc: StockService, facility: Facility, product: Product, day: date) -> int:
    balances = await svc.repo.balances_for_picking(facility.id, product.id)
    try:
        picks = pick_lots(balances, 1, day)
    except InsufficientStock:
        return 0
    del picks
    return sum(b.doses for b in balances if b.doses > 0 and svc_is_usable(b, day))


def svc_is_usable(balance, day: date) -> bool:
    from inventory.stock.domain import is_usable

    return is_usable(balance.lot, day)


async def _vaccination_day(
    clock: _Clock,
    rng: random.Random,
    commune: Facility,
    day: date,
    products: dict[str, Product],
    counts: dict[str, int],
) -> None:
    svc = clock.service(day, COMMUNE_ACTOR)
    repo = StockRepository(svc.session)
    lines: list[s.UsageLine] = []
    for code in DOSES_PER_CHILD:
        product = products[code]
        children = round(_monthly_need(commune, code, day) / 2 * rng.uniform(0.75, 0.97))
        if children <= 0:
            continue
        per = product.doses_per_vial
        # the children come to the station on the session day: as many vials as they need are opened
        vials = -(-children // per)
        balances = await repo.balances_for_picking(commune.id, product.id)
        try:
            picks = pick_lots(balances, vials * per, day, doses_per_vial=per)
        except InsufficientStock as exc:
            vials = int(exc.extra.get("available", 0)) // per
            if vials == 0:
                continue
            children = min(children, vials * per)
            picks = pick_lots(balances, vials * per, day, doses_per_vial=per)
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
            dil_balances = await repo.balances_for_picking(commune.id, dil.id)
            try:
                dil_picks = pick_lots(
                    dil_balances, opened_total * dil.doses_per_vial, day, doses_per_vial=dil.doses_per_vial
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
        await svc.record_usage(
            s.UsageCreate(facility=commune.code, session_on=day, lines=lines),
            key=_key("usage", day, commune.code),
        )
        counts["usage_days"] += 1


async def _events(
    clock: _Clock, today: date, products: dict[str, Product], district: Facility, counts: dict[str, int]
) -> None:
    """What makes the views interesting: a VVM stage 2 lot, a freeze hold, expired stock, a count."""
    svc = clock.service(today)
    # a short-dated lot just arrived, and a lot that expired on the shelf before anyone noticed
    await svc.receive(
        s.ReceiptCreate(
            facility=district.code,
            supplier="CDC-LC",
            reference="PX-CDC-NGAN-HAN",
            lines=[
                s.ReceiptLine(
                    product="BCG",
                    lot_number="BCG-NH-45",
                    expires_on=today + timedelta(days=45),
                    doses=200,
                    location="TL-02",
                ),
                s.ReceiptLine(
                    product="BCG-DIL",
                    lot_number="DBCG-NH-45",
                    expires_on=today + timedelta(days=45),
                    doses=200,
                    location="TL-02",
                ),
            ],
        ),
        key=_key("short-dated", today),
    )
    await clock.service(today - timedelta(days=25)).receive(
        s.ReceiptCreate(
            facility=district.code,
            supplier="CDC-LC",
            reference="PX-CDC-DIEU-PHOI",
            occurred_on=today - timedelta(days=25),
            lines=[
                s.ReceiptLine(
                    product="MEASLES",
                    lot_number="MV-HH-01",
                    expires_on=today - timedelta(days=4),
                    doses=50,
                    location="HL-01",
                )
            ],
        ),
        key=_key("expired-on-shelf", today),
    )
    counts["receipts"] += 2
    soh = await svc.stock_on_hand(district.code)
    by_product: dict[str, list[s.StockRow]] = {}
    for row in soh.rows:
        by_product.setdefault(row.product, []).append(row)
    if "BOPV" in by_product:
        row = by_product["BOPV"][-1]
        await svc.record_vvm(
            "BOPV",
            row.lot_number,
            s.VVMUpdate(vvm_stage=2, facility=district.code, note="weekly VVM check"),
            key=_key("vvm", row.lot_number),
        )
    if "PENTA" in by_product:
        row = by_product["PENTA"][-1]
        await svc.set_hold(
            "PENTA",
            row.lot_number,
            s.HoldUpdate(
                reason="freeze indicator on this lot's carton tripped at the weekly check; shake test pending"
            ),
            hold=True,
            key=_key("hold", row.lot_number),
        )
    if "IPV" in by_product:
        row = by_product["IPV"][0]
        await svc.adjust(
            s.AdjustmentCreate(
                facility=district.code,
                occurred_on=today,
                lines=[
                    s.AdjustmentLine(
                        product="IPV",
                        lot_number=row.lot_number,
                        location=row.location,
                        doses=-products["IPV"].doses_per_vial,
                        reason="broken",
                    )
                ],
                note="one vial dropped while packing the cold box",
            ),
            key=_key("adjust", today, "IPV"),
        )
        counts["adjustments"] += 1
    count_day = today
    count_svc = clock.service(count_day)
    balances = await count_svc.repo.facility_balances_as_of(district.id, count_day)
    if balances:
        from inventory.catalog.models import Location
        from inventory.stock.models import Lot

        lines = []
        for (location_id, lot_id), doses in sorted(balances.items()):
            location = await svc.session.get(Location, location_id)
            lot = await svc.session.get(Lot, lot_id)
            product = await svc.session.get(Product, lot.product_id) if lot else None
            if not (location and lot and product):
                continue
            lines.append(
                s.CountLine(
                    location=location.code,
                    product=product.code,
                    lot_number=lot.lot_number,
                    counted_doses=doses - (product.doses_per_vial if product.code == "BCG" else 0),
                )
            )
        count = await count_svc.create_count(
            s.CountCreate(facility=district.code, counted_on=count_day, lines=lines),
            key=_key("count", count_day),
        )
        await count_svc.submit_count(count.id, key=_key("count-submit", count_day))
        counts["counts"] += 1


async def _demo_users(session: AsyncSession) -> None:
    from inventory.users.models import User
    from inventory.users.service import UserService

    existing = set((await session.scalars(select(User.username))).all())
    for username, role, facility, password in DEMO_USERS:
        if username not in existing:
            await UserService(session).add(
                username=username,
                full_name=DEMO_NAMES[username],
                role=role,
                facility_code=facility,
                password=password,
                by=Principal.system("demo"),
            )


async def _demo_register(session: AsyncSession, today: date) -> dict[str, int]:
    """A synthetic, deterministic register: about 1,000 births a year over five cohorts, with the gaps,
    dropouts and old commune codes that real Mường Tè registers have (forecasting.register_synth)."""
    from forecasting.register_synth import synth_register
    from inventory.register.service import RegisterService

    children_lf, doses_lf = synth_register(births_per_year=1000, cohorts=5, as_of=today, seed=2026)
    service = RegisterService(session, Principal.system("demo"), today=today)
    mapping = dict((await service.commune_map()).iter_rows())
    children = {
        row["child_id"]: {
            "child_code": row["child_id"],
            "name": None,
            "sex": row["sex"],
            "birth_date": row["birth_date"],
            "commune_code_given": row["commune_code"],
            "commune_code": mapping.get(row["commune_code"], row["commune_code"]),
        }
        for row in children_lf.collect().iter_rows(named=True)
    }
    doses = {
        (row["child_id"], row["antigen"], row["dose_number"]): {
            "antigen": row["antigen"],
            "dose_number": row["dose_number"],
            "given_on": row["given_on"],
            "place": None,
        }
        for row in doses_lf.collect().iter_rows(named=True)
    }
    result = await service.store(children, doses, source="demo register (synthetic)")
    return {"children": result.children_added, "child_doses": result.doses}
