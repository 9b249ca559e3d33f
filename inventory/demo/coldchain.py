"""The demo's cold chain: equipment at the district and a commune, a month of the district fridge's Fridge-tag
2 report with one heat excursion and one freeze excursion, and the decisions on the lots they held."""

from __future__ import annotations

import random
from datetime import date, timedelta

from inventory.catalog.models import Facility
from inventory.coldchain import reads
from inventory.coldchain import schemas as c
from inventory.coldchain.use_cases import decisions, equipment, imports, readings
from inventory.demo.clock import _Clock, _key

SERIAL = "160400571234"


def fridgetag_report(today: date, *, heat_day: date, freeze_day: date, rng: random.Random) -> str:
    """A Fridge-tag 2 report of the 30 days to `today` (newest first), in the device's layout: a day at
    +3..+6 °C, except an afternoon power cut on `heat_day` (11 hours above +8 °C) and a night near the
    evaporator on `freeze_day` (85 minutes at or below -0.5 °C)."""
    lines = [
        "Device: Q-tag Fridge-tag 2",
        "Vers: 0.5",
        "Fw Vers: 4.0p1o",
        "Sensor: 1",
        "Conf:",
        f" Serial: {SERIAL}",
        " Temp unit: C",
        " Alarm:",
        "  0:",
        "   T AL: -0.5, t AL: 60",
        "  1:",
        "   T AL: +8.0, t AL: 600",
        " Report history length: 60",
        "Hist:",
        f" TS Actv: {today - timedelta(days=40):%Y-%m-%d} 09:15",
        f" TS Report Creation: {today:%Y-%m-%d} 16:40",
    ]
    for n in range(30):
        day = today - timedelta(days=n)
        low, high = round(rng.uniform(2.6, 3.6), 1), round(rng.uniform(5.2, 6.4), 1)
        low_acc, high_acc, low_fired, high_fired = 0, 0, "", ""
        if day == heat_day:
            high, high_acc, high_fired = 11.2, 660, ", TS A: 23:10, C A: 1"
        if day == freeze_day:
            low, low_acc, low_fired = -1.6, 85, ", TS A: 04:05, C A: 1"
        lines += [
            f" {n + 1}:",
            f"  Date: {day:%Y-%m-%d}",
            f"  Min T: {low:+.1f}, TS Min T: 0{rng.randint(1, 6)}:{rng.randint(10, 59)}",
            f"  Max T: {high:+.1f}, TS Max T: 1{rng.randint(3, 6)}:{rng.randint(10, 59)}",
            f"  Avrg T: {(low + high) / 2:+.1f}",
            "  Alarm:",
            "   0:",
            f"    t Acc: {low_acc}{low_fired}",
            "   1:",
            f"    t Acc: {high_acc}{high_fired}",
            "  Int Sensor timeout:",
            "   t AccST: 0",
            f"  Events: {rng.randint(0, 4)}",
            "  Checked:",
            f"   TS AM: 07:{rng.randint(20, 55)}",
            f"   TS PM: 16:{rng.randint(10, 50)}",
        ]
    lines += ["Cert:", " Vers: 1.0", " Issuer: Berlinger & Co. AG", f"Sig: {rng.getrandbits(256):064x}"]
    return "\n".join(lines) + "\n"


async def _cold_chain(
    clock: _Clock, today: date, district: Facility, commune: Facility | None
) -> dict[str, int]:
    rng = random.Random(571234)
    stock = clock.stock(today)
    registered = [
        c.EquipmentCreate(
            facility=district.code,
            location="TL-01",
            equipment_type="ice_lined_refrigerator",
            pqs_code="E003/045",
            model="Vestfrost MK 304",
            net_volume_litres=105.0,
            energy_source="electricity",
            installed_on=date(2019, 6, 1),
        ),
        c.EquipmentCreate(
            facility=district.code,
            location="TL-02",
            equipment_type="refrigerator",
            pqs_code="E003/098",
            model="Haier HBC-260",
            net_volume_litres=145.0,
            energy_source="electricity",
            installed_on=date(2021, 3, 15),
        ),
    ]
    if commune is not None:
        registered.append(
            c.EquipmentCreate(
                facility=commune.code,
                location="TL",
                equipment_type="solar_direct_drive",
                pqs_code="E003/070",
                model="Dometic TCW 40 SDD",
                net_volume_litres=36.0,
                energy_source="solar",
                installed_on=date(2022, 11, 20),
            )
        )
    # registered a month ago, so that the twice-daily log of the last week is expected
    registering = clock.stock(today - timedelta(days=30))
    for item in registered:
        await equipment.register_equipment(
            registering, item, key=_key("equipment", item.facility, item.location)
        )
    await _readings(clock, today, [(i.facility, i.location) for i in registered], rng)
    heat_day, freeze_day = today - timedelta(days=19), today - timedelta(days=8)
    report = fridgetag_report(today, heat_day=heat_day, freeze_day=freeze_day, rng=rng)
    imported = await imports.import_file(
        stock,
        district.code,
        "TL-01",
        f"{SERIAL}_{today:%Y%m%d}.txt",
        report.encode(),
        key=_key("fridgetag", today),
    )
    for excursion in await reads.excursions(stock, facility_code=district.code, status="open"):
        for n, exposed in enumerate(excursion.lots):
            if excursion.kind == "heat":
                decision = c.DecisionCreate(
                    product=exposed.product,
                    lot_number=exposed.lot_number,
                    decision="release",
                    vvm_stage=2,
                    reason="VVM read after the power cut: inner square still lighter than the circle",
                )
            elif n == 0:
                decision = c.DecisionCreate(
                    product=exposed.product,
                    lot_number=exposed.lot_number,
                    decision="write_off",
                    shake_test_passed=False,
                    reason="shake test: settled as fast as the frozen control",
                )
            else:
                continue  # the other frozen lots wait for their shake test: the excursion stays open
            await decisions.decide(
                stock, excursion.id, decision, key=_key("decision", excursion.id, exposed.lot_number)
            )
    return {"excursions": len(imported.excursions)}


async def _readings(clock: _Clock, today: date, places: list[tuple[str, str]], rng: random.Random) -> None:
    """The twice-daily log of the last week and this morning, each day on its own day, in range; the commune
    station's afternoon reading of yesterday was forgotten (an alert on the day the demo loads)."""
    for back in range(7, -1, -1):
        day = today - timedelta(days=back)
        stock = clock.stock(day)
        for n, (facility, location) in enumerate(places):
            for period in ("morning", "afternoon"):
                forgotten = back == 1 and period == "afternoon" and n == len(places) - 1 and len(places) > 2
                if forgotten or (back == 0 and period == "afternoon"):
                    continue
                reading = c.ReadingCreate(
                    facility=facility,
                    location=location,
                    period=period,  # type: ignore[arg-type]
                    celsius=round(rng.uniform(3.5, 6.0), 1),
                    freeze_indicator="ok",
                    day=day,
                )
                await readings.record_reading(
                    stock, reading, key=_key("reading", facility, location, day, period)
                )
