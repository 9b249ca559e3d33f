"""The cold chain through the API: Fridge-tag and CSV imports (each day and reading once, bad files refused
with nothing written), excursions holding the exposed lots where they were, held stock refused at issue and
usage per location, and the decisions that release or write off each lot and close the excursion."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.integration.ledger_samples import COMMUNE, DISTRICT, TODAY, direct_receipt, lot, receipt

pytestmark = pytest.mark.anyio

DATA = Path(__file__).parents[1] / "data" / "coldchain"


def recent(text: str) -> str:
    """A sample report moved to this week: its 05/02/2026 becomes today, so its freeze day (03/02) is the day
    before yesterday, when the stock below was there already."""
    for n in range(1, 6):
        text = text.replace(f"2026-02-0{n}", (TODAY + timedelta(days=n - 5)).isoformat())
    return text


SAMPLE = recent((DATA / "fridgetag-160400000001.txt").read_text())


@pytest.fixture
async def stocked(api):
    """The conftest's district stock, received the day before yesterday (an excursion exposes the lots that
    were at its location while it lasted)."""
    await api.ok(
        "/receipts",
        receipt(
            lot("PENTA", "P-EARLY", 100, expires_in_days=200),
            lot("PENTA", "P-LATE", 100, expires_in_days=500, location="TL-02"),
            lot("BOPV", "B-STAGE2", 200, expires_in_days=600, vvm_stage=2),
            lot("BOPV", "B-EARLY", 200, expires_in_days=100),
            lot("IPV", "I-1", 50),
            lot("BCG", "BCG-1", 100),
            occurred_on=(TODAY - timedelta(days=2)).isoformat(),
        ),
    )
    return api


async def upload(
    api, location: str, text: str, *, facility: str = DISTRICT, name: str = "report.txt", **query: Any
):
    return await api.client.post(
        f"/api/v1/facilities/{facility}/locations/{location}/temperature-files",
        files={"file": (name, text.encode())},
        params=query or None,
        headers={"Idempotency-Key": f"test-{uuid.uuid4()}", **api.auth},
    )


def newer_report() -> str:
    """The device's next report: 05/02 on top, 04/02 and 03/02 repeated (01/02 and 02/02 rolled off)."""
    return recent((DATA / "fridgetag-160400000001-next.txt").read_text())


async def test_a_report_imports_each_day_once_and_its_freeze_excursion_holds_the_freeze_sensitive_lots(
    stocked,
) -> None:
    api = stocked
    first = await upload(api, "TL-01", SAMPLE)
    assert first.status_code == 201, first.text
    imported = first.json()
    assert (imported["kind"], imported["device_serial"], imported["days_added"]) == (
        "fridgetag",
        "160400000001",
        4,
    )
    [excursion_id] = imported["excursions"]
    excursion = await api.read(f"/excursions/{excursion_id}")
    assert (excursion["kind"], excursion["location"], excursion["status"], excursion["extreme_c"]) == (
        "freeze",
        "TL-01",
        "open",
        -1.2,
    )
    # freeze: the freeze-sensitive products at TL-01 (PENTA, IPV) are held; OPV and BCG are not exposed
    assert sorted((x["product"], x["lot_number"]) for x in excursion["lots"]) == [
        ("IPV", "I-1"),
        ("PENTA", "P-EARLY"),
    ]
    again = (await upload(api, "TL-01", SAMPLE)).json()
    assert again["already_imported"] and again["days_added"] == 0 and again["excursions"] == []
    overlap = (await upload(api, "TL-01", newer_report(), name="next.txt")).json()
    assert (overlap["days_added"], overlap["days_already_known"], overlap["excursions"]) == (1, 2, [])
    [equipment] = await api.read("/equipment", facility=DISTRICT)
    assert (equipment["location"], equipment["logger_serial"], equipment["equipment_type"]) == (
        "TL-01",
        "160400000001",
        "refrigerator",
    )


async def test_held_stock_is_refused_at_issue_at_that_location_only(stocked) -> None:
    api = stocked
    assert (await upload(api, "TL-01", SAMPLE)).status_code == 201
    chosen = {"product": "PENTA", "lot_number": "P-EARLY", "location": "TL-01", "doses": 10}
    refused = await api.post("/issues", {"facility": DISTRICT, "to_facility": COMMUNE, "lines": [chosen]})
    assert refused.status_code == 422 and refused.json()["code"] == "rule_violated"
    over = await api.post(
        "/issues",
        {"facility": DISTRICT, "to_facility": COMMUNE, "lines": [{"product": "PENTA", "doses": 110}]},
    )
    assert over.status_code == 409 and over.json()["available"] == 100  # only P-LATE at TL-02
    await api.ok(
        "/issues", {"facility": DISTRICT, "to_facility": COMMUNE, "lines": [{"product": "BOPV", "doses": 20}]}
    )


async def test_release_after_a_shake_test_and_write_off_close_the_excursion(stocked) -> None:
    api = stocked
    [excursion_id] = (await upload(api, "TL-01", SAMPLE)).json()["excursions"]
    path = f"/excursions/{excursion_id}/decisions"
    release = {
        "product": "PENTA",
        "lot_number": "P-EARLY",
        "decision": "release",
        "reason": "shake test: settles slower",
    }
    needs_test = await api.post(path, release)
    assert needs_test.status_code == 422 and needs_test.json()["field"] == "shake_test_passed"
    failed = await api.post(path, {**release, "shake_test_passed": False})
    assert failed.status_code == 422 and failed.json()["code"] == "rule_violated"
    decided = await api.ok(path, {**release, "shake_test_passed": True})
    assert decided["status"] == "open"
    penta = next(x for x in decided["lots"] if x["product"] == "PENTA")
    assert (penta["decision"], penta["shake_test_passed"], penta["decided_by"]) == ("release", True, "admin")
    await api.ok(
        "/issues",
        {
            "facility": DISTRICT,
            "to_facility": COMMUNE,
            "lines": [{"product": "PENTA", "lot_number": "P-EARLY", "location": "TL-01", "doses": 10}],
        },
    )
    again = await api.post(path, {**release, "shake_test_passed": True})
    assert again.status_code == 409
    closed = await api.ok(
        path, {"product": "IPV", "lot_number": "I-1", "decision": "write_off", "reason": "frozen solid"}
    )
    assert closed["status"] == "closed"
    ipv = next(x for x in closed["lots"] if x["product"] == "IPV")
    document = await api.read(f"/documents/{ipv['document_id']}")
    assert [(m["doses"], m["reason"]) for m in document["movements"]] == [(-50, "frozen")]
    stock = await api.read(f"/facilities/{DISTRICT}/stock")
    assert not any(r["lot_number"] == "I-1" for r in stock["rows"])


async def test_a_report_from_a_device_attached_elsewhere_is_refused_and_nothing_is_written(stocked) -> None:
    api = stocked
    assert (await upload(api, "TL-01", SAMPLE)).status_code == 201
    refused = await upload(api, "TL-02", newer_report())
    assert refused.status_code == 409 and refused.json()["message"] == "error.coldchain.device_elsewhere"
    assert [e["location"] for e in await api.read("/excursions", facility=DISTRICT)] == ["TL-01"]
    assert len(await api.read("/equipment", facility=DISTRICT)) == 1


async def test_a_truncated_report_is_refused_with_its_line_and_nothing_is_written(stocked) -> None:
    api = stocked
    refused = await upload(api, "TL-01", SAMPLE.split("\n 3:\n")[0])
    assert refused.status_code == 422
    assert (refused.json()["message"], refused.json()["params"]["line"]) == (
        "error.coldchain.report.truncated",
        61,
    )
    assert await api.read("/equipment", facility=DISTRICT) == []
    assert await api.read("/excursions", facility=DISTRICT) == []


async def test_a_manual_reading_above_eight_holds_every_lot_at_that_location_at_once(stocked) -> None:
    api = stocked
    fine = await api.ok(
        "/readings", {"facility": DISTRICT, "location": "TL-02", "period": "morning", "celsius": 8.0}
    )
    assert fine["excursion_id"] is None
    hot = await api.ok(
        "/readings", {"facility": DISTRICT, "location": "TL-02", "period": "afternoon", "celsius": 9.5}
    )
    excursion = await api.read(f"/excursions/{hot['excursion_id']}")
    assert (excursion["kind"], excursion["source"]) == ("heat", "manual")
    assert [(x["product"], x["lot_number"]) for x in excursion["lots"]] == [("PENTA", "P-LATE")]
    twice = await api.post(
        "/readings", {"facility": DISTRICT, "location": "TL-02", "period": "afternoon", "celsius": 5}
    )
    assert twice.status_code == 409
    path = f"/excursions/{hot['excursion_id']}/decisions"
    release = {"product": "PENTA", "lot_number": "P-LATE", "decision": "release", "reason": "VVM checked"}
    assert (await api.post(path, release)).json()["field"] == "vvm_stage"
    closed = await api.ok(path, {**release, "vvm_stage": 2})
    assert closed["status"] == "closed"
    assert next(p for p in (await api.read("/lots/PENTA/P-LATE"))["places"])["vvm_stage"] == 2


async def test_a_freeze_indicator_at_the_commune_refuses_its_usage_and_not_the_districts_issue(
    stocked,
) -> None:
    api = stocked
    await api.ok(
        "/direct-receipts",
        direct_receipt(lot("PENTA", "P-EARLY", 20, expires_in_days=200, location="TL"), facility=COMMUNE),
    )
    reading = {
        "facility": COMMUNE,
        "location": "TL",
        "period": "morning",
        "celsius": 4.0,
        "freeze_indicator": "alarm",
    }
    assert (await api.ok("/readings", reading))["excursion_id"] is not None
    used = {
        "product": "PENTA",
        "lot_number": "P-EARLY",
        "location": "TL",
        "vials_opened": 1,
        "doses_administered": 1,
    }
    refused = await api.post("/usage", {"facility": COMMUNE, "lines": [used]})
    assert refused.status_code == 422 and refused.json()["code"] == "rule_violated"
    chosen = {"product": "PENTA", "lot_number": "P-EARLY", "location": "TL-01", "doses": 10}
    await api.ok("/issues", {"facility": DISTRICT, "to_facility": COMMUNE, "lines": [chosen]})


def csv_hours(start: datetime, values: list[float], *, step: int = 5) -> str:
    rows = [f"{(start + timedelta(minutes=step * i)):%Y-%m-%d %H:%M},{v}" for i, v in enumerate(values)]
    return "timestamp,temperature\n" + "\n".join(rows) + "\n"


async def test_a_logger_csv_with_ten_hours_above_eight_opens_a_heat_excursion_and_imports_once(
    stocked,
) -> None:
    api = stocked
    start = datetime(2026, 2, 3, 6, 0)
    values = [5.0] * 12 + [9.0] * 120 + [5.0] * 12  # 10 h above +8 °C, 5-minute readings, local time
    first = (await upload(api, "TL-02", csv_hours(start, values), name="log.csv")).json()
    assert (first["kind"], first["readings_added"], len(first["excursions"])) == ("csv", 144, 1)
    excursion = await api.read(f"/excursions/{first['excursions'][0]}")
    # above +8 °C from 07:00 local (00:00 UTC): the 10 hours are reached at 17:00 local, 10:00 UTC
    assert (excursion["kind"], excursion["rule"], excursion["alarm_at"][:16]) == (
        "heat",
        "heat",
        "2026-02-03T10:00",
    )
    assert excursion["started_at"][:16] == "2026-02-03T00:00"
    overlapping = csv_hours(start + timedelta(hours=11), [5.0] * 24)  # 17:00 .. 18:55; 17:00 .. 17:55 known
    second = (await upload(api, "TL-02", overlapping, name="next.csv")).json()
    assert (second["readings_added"], second["readings_already_known"], second["excursions"]) == (12, 12, [])
    conflicting = csv_hours(start, [6.5])
    refused = await upload(api, "TL-02", conflicting, name="other.csv")
    assert (
        refused.status_code == 409 and refused.json()["message"] == "error.coldchain.csv.conflicting_reading"
    )


async def test_a_bad_csv_is_refused_naming_row_and_column_and_writes_nothing(stocked) -> None:
    api = stocked
    refused = await upload(
        api, "TL-02", "timestamp,temperature\n2026-02-03 10:00,4\n2026-02-03 10:05,x\n", name="bad.csv"
    )
    assert refused.status_code == 422
    assert (refused.json()["params"]["row"], refused.json()["params"]["column"]) == (3, "temperature")
    mapped = await upload(
        api,
        "TL-02",
        "when;probe\n03/02/2026 10:00;41\n",
        name="f.csv",
        time_column="when",
        temperature_column="probe",
        unit="F",
    )
    assert mapped.status_code == 201 and mapped.json()["readings_added"] == 1
