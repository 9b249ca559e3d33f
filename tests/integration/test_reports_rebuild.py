"""Every figure of every report on the demo year, rebuilt here from the raw ledger and register rows (plain
SQL reading rows, sums and rates in plain Python with decimal arithmetic), compared cell by cell."""

from __future__ import annotations

import csv
import decimal
from collections import defaultdict
from collections.abc import Iterator
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from sqlalchemy import text

from inventory.auth import Principal
from inventory.db import create_engine, session_factory
from inventory.reports.service import ReportsService
from inventory.settings import Settings
from tests.conftest import DEMO_DAY, demo_year

pytestmark = pytest.mark.anyio

TODAY = DEMO_DAY
CLOSED = ("expired", "vvm_discard", "frozen", "broken", "lost", "cold_chain_failure")
SHARE = Decimal("0.02")  # the forecast's default share of births and surviving infants in the population
GOAL = Decimal("0.9")  # the forecast's default coverage goal
SCHEDULE = Path(__file__).resolve().parents[2] / "forecasting" / "data" / "epi_schedule.csv"
decimal.getcontext().prec = 50


def pct(part: int | Decimal, whole: int | Decimal, places: str = "0.1") -> float | None:
    if not whole:
        return None
    return float((Decimal(part) * 100 / Decimal(whole)).quantize(Decimal(places), rounding=ROUND_HALF_UP))


def ratio(part: int, whole: int) -> float | None:
    if not whole:
        return None
    return float((Decimal(part) / Decimal(whole)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


@pytest.fixture
def demo(demo_years, tmp_path: Path) -> Iterator[Settings]:
    with demo_year(demo_years, tmp_path, TODAY) as (settings, _counts):
        yield settings


async def _raw(settings: Settings, sql: str) -> list[tuple]:
    engine = create_engine(settings)
    try:
        async with session_factory(engine)() as session:
            return [tuple(r) for r in (await session.execute(text(sql))).all()]
    finally:
        await engine.dispose()


async def _report(settings: Settings, kind: str, period: str, facility: str):
    engine = create_engine(settings)
    try:
        async with session_factory(engine)() as session:
            return await ReportsService(session, Principal.system("test"), today=TODAY).report(
                kind, period, facility
            )
    finally:
        await engine.dispose()


def _day(value: object) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


async def _facilities(settings: Settings) -> dict[int, dict]:
    rows = await _raw(
        settings,
        "SELECT f.id, f.code, f.name, f.level, f.supplier_id, f.population, f.valid_to, a.code "
        "FROM facility f LEFT JOIN admin_unit a ON a.id = f.admin_unit_id",
    )
    return {
        r[0]: {
            "code": r[1],
            "name": r[2],
            "level": r[3],
            "supplier": r[4],
            "population": r[5],
            "valid_to": r[6],
            "unit": r[7],
        }
        for r in rows
    }


def _district(facilities: dict[int, dict], fid: int) -> str | None:
    f = facilities[fid]
    if f["level"] == "district":
        return f["code"]
    s = facilities.get(f["supplier"])
    return s["code"] if s and s["level"] == "district" else None


async def _expected_usage(settings: Settings, start: date, end: date, root_level: str) -> dict[tuple, dict]:
    facilities = await _facilities(settings)
    moves = await _raw(
        settings,
        "SELECT m.doses, m.kind, m.reason_code, m.occurred_on, loc.facility_id, loc.kind, p.code, o.kind, o.reason_code "
        "FROM movement m JOIN location loc ON loc.id = m.location_id JOIN lot ON lot.id = m.lot_id "
        "JOIN product p ON p.id = lot.product_id LEFT JOIN movement o ON o.id = m.reverses_movement_id",
    )
    reversed_docs = {
        r[0]
        for r in await _raw(
            settings, "SELECT reverses_document_id FROM stock_document WHERE reverses_document_id IS NOT NULL"
        )
    }
    given = await _raw(
        settings,
        "SELECT u.facility_id, p.code, u.session_on, u.doses_administered, u.document_id "
        "FROM usage_record u JOIN product p ON p.id = u.product_id",
    )
    year_start = date(start.year, 1, 1)
    cells: dict[tuple[int, str], dict] = defaultdict(lambda: defaultdict(int))
    for doses, kind, reason, day, fid, location_kind, product, okind, oreason in moves:
        day = _day(day)
        if location_kind == "transit" or day > end:
            continue
        kind, reason = okind or kind, oreason or reason
        c = cells[(fid, product)]
        c["closing"] += doses
        if kind == "usage" and day >= year_start:
            c["ytd_used"] -= doses
        if day < start:
            c["opening"] += doses
        elif kind in ("receipt", "direct_receipt", "shipment_receipt"):
            c["received"] += doses
        elif kind in ("issue", "peer_transfer", "return"):
            c["issued"] -= doses
        elif kind == "usage":
            c["doses_used"] -= doses
        elif kind == "adjustment" and reason in CLOSED:
            c[f"wasted_{reason}"] -= doses
        else:
            c["adjustments"] += doses
    for fid, product, day, doses, document in given:
        day = _day(day)
        if document in reversed_docs or not (year_start <= day <= end):
            continue
        c = cells[(fid, product)]
        c["ytd_given"] += doses
        if day >= start:
            c["administered"] += doses
    out: dict[tuple, dict] = {}

    def add(scope: str, code: str, product: str, c: dict) -> None:
        row = {
            k: c.get(k, 0)
            for k in ("opening", "received", "issued", "doses_used", "administered", "adjustments", "closing")
        }
        for r in CLOSED:
            row[f"wasted_{r}"] = c.get(f"wasted_{r}", 0)
        row["closed_vial_wastage"] = sum(row[f"wasted_{r}"] for r in CLOSED)
        row["open_vial_wastage"] = row["doses_used"] - row["administered"]
        row["open_vial_wastage_ytd"] = c.get("ytd_used", 0) - c.get("ytd_given", 0)
        used = row["doses_used"] + row["closed_vial_wastage"]
        row["usage_rate"] = pct(row["administered"], used)
        row["wastage_rate"] = pct(used - row["administered"], used)
        row["wastage_factor"] = ratio(used, row["administered"])
        row["open_vial_wastage_rate"] = pct(row["open_vial_wastage"], row["doses_used"])
        row["closed_vial_wastage_rate"] = pct(row["closed_vial_wastage"], used)
        out[(scope, code, product)] = row

    districts: dict[tuple[str, str], dict] = defaultdict(lambda: defaultdict(int))
    totals: dict[str, dict] = defaultdict(lambda: defaultdict(int))
    for (fid, product), c in cells.items():
        add("facility", facilities[fid]["code"], product, c)
        d = _district(facilities, fid)
        for key, value in c.items():
            if d is not None:
                districts[(d, product)][key] += value
            totals[product][key] += value
    if root_level == "province":
        for (d, product), c in districts.items():
            add("district", d, product, c)
        for product, c in totals.items():
            add("total", "CDC-LC", product, c)
    return out


def _compare(report_rows: list[dict], expected: dict[tuple, dict], key) -> None:
    got = {key(r): r for r in report_rows}
    assert set(got) == set(expected), set(got) ^ set(expected)
    for k, row in expected.items():
        for column, value in row.items():
            assert got[k][column] == value, (k, column, got[k][column], value)


async def test_every_report_cell_equals_its_rebuild_from_raw_rows(demo: Settings) -> None:
    # usage and wastage: the province over the year to November, and one month
    for period, start, end in (
        ("2026", date(2026, 1, 1), date(2026, 12, 31)),
        ("2026-11", date(2026, 11, 1), date(2026, 11, 30)),
    ):
        report = await _report(demo, "usage", period, "CDC-LC")
        expected = await _expected_usage(demo, start, min(end, date(2026, 12, 31)), "province")
        _compare(
            report.tables["usage"].to_dicts(),
            expected,
            lambda r: (r["scope"], r["facility_code"], r["product_code"]),
        )
        # the balance identity holds on every row, and closing is what the ledger holds on the last day
        for r in report.tables["usage"].to_dicts():
            assert r["closing"] == (
                r["opening"]
                + r["received"]
                - r["issued"]
                - r["doses_used"]
                - r["closed_vial_wastage"]
                + r["adjustments"]
            )
    await _check_stock(demo)
    await _check_results(demo)


async def _check_stock(settings: Settings) -> None:
    facilities = await _facilities(settings)
    moves = await _raw(
        settings,
        "SELECT m.doses, m.kind, m.reason_code, m.occurred_on, loc.facility_id, loc.kind, p.code, lot.lot_number, o.kind, o.reason_code "
        "FROM movement m JOIN location loc ON loc.id = m.location_id JOIN lot ON lot.id = m.lot_id "
        "JOIN product p ON p.id = lot.product_id LEFT JOIN movement o ON o.id = m.reverses_movement_id",
    )
    start, end = date(2026, 11, 1), date(2026, 11, 30)
    for code in ("TTYT-MT", "TYT-03451"):
        fid = next(i for i, f in facilities.items() if f["code"] == code)
        cells: dict[tuple, dict] = defaultdict(lambda: defaultdict(int))
        for doses, kind, reason, day, f, location_kind, product, lot, okind, oreason in moves:
            day = _day(day)
            if f != fid or location_kind == "transit" or day > end:
                continue
            kind, reason = okind or kind, oreason or reason
            c = cells[(product, lot)]
            c["closing"] += doses
            if day < start:
                c["opening"] += doses
            elif kind in ("receipt", "direct_receipt", "shipment_receipt"):
                c["received"] += doses
            elif kind in ("issue", "peer_transfer", "return"):
                c["issued"] -= doses
            elif kind == "usage":
                c["doses_used"] -= doses
            elif kind == "adjustment" and reason in CLOSED:
                c["closed_vial_wastage"] -= doses
            else:
                c["adjustments"] += doses
        expected = {k: dict(v) for k, v in cells.items() if any(v.values())}
        report = await _report(settings, "stock", "2026-11", code)
        got = {(r["product_code"], r["lot_number"]): r for r in report.tables["stock"].to_dicts()}
        assert set(got) == set(expected), code
        for k, c in expected.items():
            for column in (
                "opening",
                "received",
                "issued",
                "doses_used",
                "closed_vial_wastage",
                "adjustments",
                "closing",
            ):
                assert got[k][column] == c.get(column, 0), (code, k, column)


async def _check_results(settings: Settings) -> None:
    facilities = await _facilities(settings)
    end, start, year_start = date(2026, 11, 30), date(2026, 11, 1), date(2026, 1, 1)
    with SCHEDULE.open(encoding="utf-8") as f:
        schedule = [
            r
            for r in csv.DictReader(f)
            if r["effective_from"] <= end.isoformat()
            and (not r["effective_to"] or r["effective_to"] >= end.isoformat())
        ]
    antigens = sorted({(r["antigen"], int(r["dose_number"])) for r in schedule})
    fic = {(r["antigen"], int(r["dose_number"])) for r in schedule if r["fully_immunized"] == "true"}
    communes = {
        f["unit"]: f["code"]
        for f in facilities.values()
        if f["level"] == "commune" and f["valid_to"] is None and f["population"] is not None
    }
    population = {f["code"]: f["population"] for f in facilities.values()}
    children = {
        r[0]: (r[1], _day(r[2]))
        for r in await _raw(settings, "SELECT id, commune_code, birth_date FROM child")
    }
    doses = [
        (r[0], r[1], int(r[2]), _day(r[3]))
        for r in await _raw(settings, "SELECT child_id, antigen, dose_number, given_on FROM child_dose")
    ]
    given, given_ytd = defaultdict(int), defaultdict(int)
    per_child: dict[int, dict] = defaultdict(dict)
    for child, antigen, dose, day in doses:
        per_child[child][(antigen, dose)] = day
        unit = children[child][0]
        if unit not in communes or not (year_start <= day <= end):
            continue
        given_ytd[(communes[unit], antigen, dose)] += 1
        if day >= start:
            given[(communes[unit], antigen, dose)] += 1
    complete, complete_ytd, zero = defaultdict(int), defaultdict(int), defaultdict(int)
    for child, (unit, born) in children.items():
        if unit not in communes:
            continue
        code = communes[unit]
        had = per_child.get(child, {})
        if fic <= set(had):
            done = max(had[d] for d in fic)
            if year_start <= done <= end:
                complete_ytd[code] += 1
                if done >= start:
                    complete[code] += 1
        if date(2024, 11, 28) < born <= date(2026, 8, 28) and not (
            ("DTP", 1) in had and had[("DTP", 1)] <= end
        ):
            zero[code] += 1
    report = await _report(settings, "results", "2026-11", "CDC-LC")
    groups = [("facility", c, [c]) for c in communes.values()]
    groups.append(
        (
            "district",
            "TTYT-MT",
            [
                c
                for c in communes.values()
                if _district(facilities, next(i for i, f in facilities.items() if f["code"] == c))
                == "TTYT-MT"
            ],
        )
    )
    groups.append(("total", "CDC-LC", list(communes.values())))
    summary = {(r["scope"], r["facility_code"]): r for r in report.tables["results"].to_dicts()}
    dose_rows = {
        (r["scope"], r["facility_code"], r["antigen"], r["dose_number"]): r
        for r in report.tables["results_doses"].to_dicts()
    }
    assert set(summary) == {(s, c) for s, c, _ in groups}
    for scope, code, members in groups:
        annual = sum(Decimal(population[m]) * SHARE for m in members)
        month = annual / 12

        def n(table, antigen, dose):
            return sum(table[(m, antigen, dose)] for m in members)  # noqa: B023

        for antigen, dose in antigens:
            r = dose_rows[(scope, code, antigen, dose)]
            assert r["doses"] == n(given, antigen, dose)
            assert r["doses_ytd"] == n(given_ytd, antigen, dose)
            assert r["coverage"] == pct(n(given, antigen, dose), month)
            assert r["coverage_ytd"] == pct(n(given_ytd, antigen, dose), annual)
            assert r["plan_ytd"] == float(
                (annual * GOAL * 11 / 12).quantize(Decimal("1"), rounding=ROUND_HALF_UP)
            )
        s = summary[(scope, code)]
        dtp1, dtp3, mcv1 = n(given, "DTP", 1), n(given, "DTP", 3), n(given, "MEASLES", 1)
        assert (s["dtp1"], s["dtp3"], s["mcv1"]) == (dtp1, dtp3, mcv1)
        assert s["dropout_dtp1_dtp3"] == pct(dtp1 - dtp3, dtp1)
        assert s["dropout_dtp1_mcv1"] == pct(dtp1 - mcv1, dtp1)
        assert s["coverage_dtp3"] == pct(dtp3, month)
        assert s["coverage_mcv1"] == pct(mcv1, month)
        assert s["fully_immunized"] == sum(complete[m] for m in members)
        assert s["fully_immunized_ytd"] == sum(complete_ytd[m] for m in members)
        assert s["zero_dose"] == sum(zero[m] for m in members)
        y1, y3, ym = n(given_ytd, "DTP", 1), n(given_ytd, "DTP", 3), n(given_ytd, "MEASLES", 1)
        assert (s["dtp1_ytd"], s["dtp3_ytd"], s["mcv1_ytd"]) == (y1, y3, ym)
        assert s["dropout_dtp1_dtp3_ytd"] == pct(y1 - y3, y1)
        assert s["dropout_dtp1_mcv1_ytd"] == pct(y1 - ym, y1)
        assert s["coverage_dtp3_ytd"] == pct(y3, month * 11)
        high = (dtp1 and Decimal(dtp1 - dtp3) * 100 / dtp1 > 10) or (
            dtp1 and Decimal(dtp1 - mcv1) * 100 / dtp1 > 10
        )
        assert s["high_dropout"] == bool(high)
        assert s["low_coverage"] == bool(month and Decimal(dtp3) * 100 / month < 80)
