"""An alert as a reader meets it: its title, what to do and its link, in the reader's language."""

from __future__ import annotations

import json
from datetime import date

from inventory.alerts import domain
from inventory.alerts.models import Alert
from inventory.alerts.schemas import AlertRead
from inventory.i18n import translate


def render(alert: Alert, facility: str, facility_name: str, lang: str) -> AlertRead:
    """An alert with its title, what to do and its link, in a language."""
    numbers = json.loads(alert.numbers)
    params = {**numbers, "facility": facility}
    for name in (
        "expires_on",
        "dispatched_on",
        "received_on",
        "held_on",
        "last_counted_on",
        "first_activity_on",
        "first_day",
        "last_day",
        "alarm_on",
        "status_on",
        "due_on",
    ):
        if isinstance(params.get(name), str):
            params[name] = date.fromisoformat(params[name])
    if params.get("months") is None:
        params["months"] = "—"
    if "status" in numbers:
        params["status_text"] = translate(f"alerts.equipment.{numbers['status']}", lang)
        params["status_reason"] = numbers.get("status_reason") or "—"
    if "excursion_kind" in numbers:
        params["excursion_text"] = translate(f"alerts.excursion.{numbers['excursion_kind']}", lang)
    if "report" in numbers:
        params["report_text"] = translate(f"reports.title.{numbers['report']}", lang)
    return AlertRead(
        id=alert.id,
        kind=alert.kind,
        severity=alert.severity,
        facility=facility,
        facility_name=facility_name,
        since=alert.since,
        opened_at=alert.opened_at,
        updated_at=alert.updated_at,
        resolved_at=alert.resolved_at,
        numbers=numbers,
        title=translate(f"alerts.kind.{alert.kind}", lang, params),
        action=translate(
            f"alerts.do.{alert.kind}" + (".move" if numbers.get("to_facility") else ""), lang, params
        ),
        link=domain.link_for(
            alert.kind,
            facility=facility,
            product=numbers.get("product_code"),
            shipment=alert.shipment_id,
            numbers=numbers,
        ),
        acknowledged_at=alert.acknowledged_at,
        acknowledged_by=alert.acknowledged_by,
        acknowledgement_note=alert.acknowledgement_note,
    )
