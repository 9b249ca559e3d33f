"""What the form tests share: the scene (a server, its database, signed-in tabs), a case, and the moves a
user makes in a form (fill, send with the browser's own checks off, follow a link)."""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from inventory.timeutil import today_vn
from tests.browser.conftest import Server

TODAY = today_vn()
EXPIRY = (TODAY + timedelta(days=400)).isoformat()
FUTURE = (TODAY + timedelta(days=5)).isoformat()

WRITES = (
    "stock_document",
    "movement",
    "balance",
    "lot",
    "lot_event",
    "lot_place_state",
    "shipment",
    "shipment_line",
    "stock_count",
    "stock_count_line",
    "usage_record",
    "manual_reading",
    "temperature_reading",
    "excursion",
    "exposed_lot",
    "forecast_setting",
    "report_submission",
    "api_token",
    "app_user",
    "idempotency_record",
    "audit_event",
    "supply_route",
    "report_setting",
    "alert_subscription",
    "alert_webhook",
)
"""The tables a refused form must leave as they were (alert tables are refreshed by reading pages; sessions
are counted, as reading a page renews its session)."""


@dataclass
class Scene:
    server: Server
    database: Path
    ids: dict[str, Any] = field(default_factory=dict)
    pages: dict[tuple[str, str], Any] = field(default_factory=dict)

    def fingerprint(self, skip: tuple[str, ...] = ()) -> dict[str, str]:
        """A hash of every row of the tables a form may write."""
        with sqlite3.connect(f"file:{self.database}?mode=ro", uri=True) as db:
            sessions = db.execute("SELECT count(*) FROM user_session").fetchone()[0]
            return {"user_session": str(sessions)} | {
                table: hashlib.sha256(
                    repr(db.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()).encode()
                ).hexdigest()
                for table in WRITES
                if table not in skip
            }


@dataclass(frozen=True)
class Case:
    """One bad input: who sends it, on which page, what they do, where the reason must appear."""

    name: str
    route: str
    user: str
    open: str
    act: Callable[[Any, Scene], None]
    field: str
    kept: dict[str, str] = field(default_factory=dict)
    vi: str = ""
    """Part of the Vietnamese reason, as a user should read it (written here by hand)."""
    method: str = "POST"
    unwritten: tuple[str, ...] = ()
    """Tables a refusal writes by design (a failed sign-in is counted and audited)."""


def submit(page, button: str = "button.primary") -> None:
    """Send the form as the browser would, but with its own checks off: the server must refuse by itself."""
    page.evaluate("document.querySelectorAll('form').forEach(f => f.noValidate = true)")
    page.click(button)


def fill(page, values: dict[str, str]) -> None:
    for name, value in values.items():
        selector = f"[name='{name}']"
        if page.locator(selector).first.evaluate("e => e.tagName") == "SELECT":
            page.select_option(selector, value)
        else:
            page.fill(selector, value)


def sends(values: dict[str, str], button: str = "button.primary") -> Callable[[Any, Scene], None]:
    def act(page, scene: Scene) -> None:
        fill(page, values)
        submit(page, button)

    return act


def visit(url: str) -> Callable[[Any, Scene], None]:
    """A link followed (a bookmark, a typed address): the query string is the form."""

    def act(page, scene: Scene) -> None:
        page.goto(url)

    return act


def line(i: int = 0, **values: str) -> dict[str, str]:
    return {f"lines[{i}].{k}": v for k, v in values.items()}
