"""Exposure from the ledger: an excursion holds the lots that were at its location at any instant while it
lasted, including lots received the same day and lots moved out since (listed with where they went), and
not the lots that left before it or arrived after it."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest

from tests.integration.ledger_samples import DISTRICT, TODAY, lot, receipt
from tests.integration.test_auth import sign_in

pytestmark = pytest.mark.anyio

D = TODAY - timedelta(days=5)
"""The excursion's day: TL-02 above +8 °C from 07:00 to 17:05 local."""


def on(offset: int) -> str:
    return (D + timedelta(days=offset)).isoformat()


async def move_out(api, lot_number: str, doses: int, day: str) -> None:
    await api.ok(
        "/transfers",
        {
            "facility": DISTRICT,
            "from_location": "TL-02",
            "to_location": "TL-01",
            "occurred_on": day,
            "lines": [{"product": "PENTA", "lot_number": lot_number, "doses": doses}],
        },
    )


async def test_an_excursion_holds_the_lots_there_while_it_lasted_and_lists_where_doses_went(api) -> None:
    def penta(number: str) -> dict:
        return lot("PENTA", number, 40, location="TL-02")

    await api.ok(
        "/receipts",
        receipt(
            *(penta(n) for n in ("STAYS", "GONE-BEFORE", "OUT-SAME-DAY", "OUT-AFTER")), occurred_on=on(-2)
        ),
    )
    await move_out(api, "GONE-BEFORE", 40, on(-1))  # left the day before: not exposed
    await api.ok("/receipts", receipt(penta("IN-SAME-DAY"), occurred_on=on(0)))  # back-dated: from 00:00
    await move_out(api, "OUT-SAME-DAY", 40, on(0))  # back-dated: until 24:00, so there during it
    await move_out(api, "OUT-AFTER", 40, on(1))
    await move_out(api, "STAYS", 15, on(1))
    await api.ok("/receipts", receipt(penta("IN-AFTER"), occurred_on=on(2)))
    await api.ok("/receipts", receipt(penta("IN-TODAY")))  # recorded now, days after the excursion
    start = datetime.combine(D, datetime.min.time()).replace(hour=6)
    rows = [(start + timedelta(minutes=5 * i), 9.0 if 12 <= i < 133 else 5.0) for i in range(150)]
    body = "timestamp,temperature\n" + "".join(f"{at:%Y-%m-%d %H:%M},{v}\n" for at, v in rows)
    imported = await api.client.post(
        f"/api/v1/facilities/{DISTRICT}/locations/TL-02/temperature-files",
        files={"file": ("log.csv", body.encode())},
        headers={"Idempotency-Key": f"test-{uuid.uuid4()}", **api.auth},
    )
    assert imported.status_code == 201, imported.text
    [excursion_id] = imported.json()["excursions"]
    excursion = await api.read(f"/excursions/{excursion_id}")
    # worked out by hand from the postings above: there at some instant between 07:00 and 17:05 on day D
    lots = {x["lot_number"]: x for x in excursion["lots"]}
    assert sorted(lots) == ["IN-SAME-DAY", "OUT-AFTER", "OUT-SAME-DAY", "STAYS"]
    assert {n: x["doses"] for n, x in lots.items()} == {
        "IN-SAME-DAY": 40,
        "OUT-AFTER": 0,
        "OUT-SAME-DAY": 0,
        "STAYS": 25,
    }
    assert {
        n: [(m["location"], m["doses"], m["occurred_on"]) for m in x["moved"]] for n, x in lots.items()
    } == {
        "IN-SAME-DAY": [],
        "OUT-AFTER": [("TL-01", 40, on(1))],
        "OUT-SAME-DAY": [("TL-01", 40, on(0))],
        "STAYS": [("TL-01", 15, on(1))],
    }
    places = {p["location"]: p["on_hold"] for p in (await api.read("/lots/PENTA/STAYS"))["places"]}
    assert places["TL-02"] and not places.get("TL-01")  # held where it was; the doses moved are listed
    late = await api.read("/lots/PENTA/IN-TODAY")
    assert not any(p["on_hold"] for p in late["places"])
    await sign_in(api.client, "keeper")
    page = (await api.client.get("/coldchain")).text
    day = (D + timedelta(days=1)).strftime("%d/%m/%Y")
    assert f"→ TTYT-MT/TL-01: 15 liều, {day}" in page
