"""Shared samples for the ledger API tests: places, dates, receipt and lot bodies, stock read-outs.

The `stocked` fixture that uses them lives in conftest.py.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from inventory.timeutil import today_vn

TODAY = today_vn()
DISTRICT = "TTYT-MT"
COMMUNE = "TYT-03451"


def day(offset: int) -> str:
    return (TODAY + timedelta(days=offset)).isoformat()


def receipt(
    *lines: dict[str, Any], occurred_on: str | None = None, facility: str = DISTRICT
) -> dict[str, Any]:
    """A receipt from the facility's supplier in the tree (CDC-LC for the district; the province, which has
    none, receives from outside the system)."""
    body: dict[str, Any] = {"facility": facility, "lines": list(lines)}
    if facility == DISTRICT:
        body["supplier"] = "CDC-LC"
    if occurred_on:
        body["occurred_on"] = occurred_on
    return body


def direct_receipt(*lines: dict[str, Any], facility: str = COMMUNE) -> dict[str, Any]:
    """Stock straight into a station (POST /direct-receipts): a station posts no receipt from a supplier."""
    return {"facility": facility, "reason": "campaign delivery for the test", "lines": list(lines)}


def lot(
    product: str,
    lot_number: str,
    doses: int,
    expires_in_days: int = 400,
    location: str = "TL-01",
    **extra: Any,
) -> dict[str, Any]:
    return {
        "product": product,
        "lot_number": lot_number,
        "expires_on": day(expires_in_days),
        "doses": doses,
        "location": location,
        **extra,
    }


async def stock_doses(api, facility: str = DISTRICT) -> dict[tuple[str, str, str], int]:
    soh = await api.read(f"/facilities/{facility}/stock")
    return {(r["product"], r["lot_number"], r["location"]): r["doses"] for r in soh["rows"]}


async def document_count(api, facility: str = DISTRICT) -> int:
    return (await api.read(f"/facilities/{facility}/documents"))["total"]


def _issue(**changes: Any) -> dict[str, Any]:
    line = {"product": "PENTA", "doses": 10, "lot_number": "P-EARLY", "location": "TL-01"}
    line.update(changes.pop("line", {}))
    body = {"facility": DISTRICT, "to_facility": COMMUNE, "lines": [line]}
    body.update(changes)
    return body
