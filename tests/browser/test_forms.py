"""Every form of the web app, sent with bad input in Vietnamese and in English, as a user would in Chromium.

For each refusal the page must answer with the form again (never a 500 or a bare JSON problem), show the reason
next to the field it names (or above the form), in the page's language, keep what the user typed, and write
nothing. The forms are found from the app's routes: a new form without a case here fails
`test_every_form_has_a_bad_input_case`. One server, one browser and one small scene serve the whole module.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import sqlite3
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from inventory.settings import Settings
from inventory.timeutil import today_vn
from tests.browser.conftest import Server, screenshot, sign_in

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
)
"""The tables a refused form must leave as they were (alert tables are refreshed by reading pages; sessions
are counted, as reading a page renews its session)."""

ENGLISH = {
    "the", "must", "is", "are", "not", "required", "expected", "missing", "field", "only", "available",
    "unknown", "invalid", "cannot", "give", "should", "please", "object", "doses", "period", "enter",
    "short", "of", "and", "or", "with", "for", "at", "be", "has", "was", "from", "reason", "lot", "number",
    "whole", "greater", "than", "found", "date", "future", "after", "before", "value", "wrong", "password",
}  # fmt: skip
"""Words that give an English sentence away on a Vietnamese page (none is a Vietnamese word)."""
VIETNAMESE = re.compile(r"[ăâđêôơưàáạảãằắặẳẵầấậẩẫèéẹẻẽềếệểễìíịỉĩòóọỏõồốộổỗờớợởỡùúụủũừứựửữỳýỵỷỹ]", re.I)


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


@pytest.fixture(scope="module")
def scene(template: str, tmp_path_factory: pytest.TempPathFactory, browser) -> Iterator[Scene]:
    """A small district: two lots in stock, a delivery on its way to a commune, a cold-chain excursion, an
    open alert; the store keeper, the commune worker and the administrator signed in once each."""
    from tests.conftest import ON_POSTGRES, _verify, run_sync

    if ON_POSTGRES:  # pragma: no cover - the browser tests run in the SQLite pass
        pytest.skip("browser tests run in the SQLite pass")
    target = tmp_path_factory.mktemp("forms") / "vaxstock.sqlite3"
    shutil.copyfile(Path(template.split("///", 1)[1]), target)
    settings = Settings(database_url=f"sqlite+aiosqlite:///{target}")
    with Server(settings) as server:
        made = Scene(server, target)
        lines = [
            {
                "product": "PENTA",
                "lot_number": "F-PENTA",
                "expires_on": EXPIRY,
                "doses": 100,
                "location": "TL-01",
            },
            {
                "product": "BCG",
                "lot_number": "F-BCG",
                "expires_on": EXPIRY,
                "doses": 200,
                "location": "TL-01",
            },
            {
                "product": "BCG",
                "lot_number": "F-COLD",
                "expires_on": EXPIRY,
                "doses": 100,
                "location": "TL-02",
            },
        ]
        receipt = server.api("POST", "/receipts", {"facility": "TTYT-MT", "lines": lines})
        issued = server.api(
            "POST",
            "/issues",
            {"facility": "TTYT-MT", "to_facility": "TYT-03451", "lines": [{"product": "PENTA", "doses": 40}]},
        )
        server.api(
            "POST",
            "/readings",
            {"facility": "TTYT-MT", "location": "TL-02", "period": "morning", "celsius": 14.0},
        )
        excursions = server.api("GET", "/excursions?status=open")
        made.ids = {
            "receipt": receipt["id"],
            "shipment": issued["shipment_id"],
            "excursion": (excursions["items"] if isinstance(excursions, dict) else excursions)[0]["id"],
        }
        for user in ("keeper", "commune", "admin"):
            context = browser.new_context(viewport={"width": 1200, "height": 900}, base_url=server.url)
            context.route("**/*.png", lambda route: route.abort())  # charts are not forms: not drawn here
            tab = context.new_page()
            sign_in(tab, user)
            made.pages[user] = tab
        yield made
        for tab in made.pages.values():
            tab.context.close()
    run_sync(_verify(settings))


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
    vierrors: str = ""
    """The raise site still writing English (being converted to catalogue keys): the Vietnamese run is xfail."""


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


def _propose_then(values: dict[str, str]) -> Callable[[Any, Scene], None]:
    def act(page, scene: Scene) -> None:
        fill(page, {"to_facility": "TYT-03451", "want.PENTA": "10"})
        page.click("button[value=propose]")
        page.wait_for_selector("#proposal")
        fill(page, values)
        submit(page, "button[value=post]")

    return act


def _count_short_without_reason(page, scene: Scene) -> None:
    rows = page.locator("#count-sheet tr[data-lot]")
    for i in range(rows.count()):
        name = page.locator("#count-sheet input[name$='.counted_vials']").nth(i).get_attribute("name")
        index = int(re.search(r"\[(\d+)\]", name or "").group(1))  # type: ignore[union-attr]
        system = page.locator(f"input[name='lines[{index}].lot_number']").input_value()
        fill(page, {name: "1" if system == "F-BCG" else "0"})
    submit(page, "#review-count")
    page.wait_for_selector("#count-review-help")
    submit(page, "#confirm-count")


def _hold_without_reason(page, scene: Scene) -> None:
    form = page.locator("#lots tr", has_text="F-BCG").locator("form[action='/lots/hold']")
    form.locator("[name=reason]").fill("x")
    page.evaluate("document.querySelectorAll('form').forEach(f => f.noValidate = true)")
    form.locator("button").click()


def _vvm_out_of_range(page, scene: Scene) -> None:
    form = page.locator("#lots tr", has_text="F-BCG").locator("form[action='/lots/vvm']")
    form.locator("[name=vvm_stage]").fill("7")
    page.evaluate("document.querySelectorAll('form').forEach(f => f.noValidate = true)")
    form.locator("button").click()


def _decide_without_reason(page, scene: Scene) -> None:
    form = page.locator(f"#excursion-{scene.ids['excursion']} form").first
    form.locator("[name=vvm_stage]").fill("2")
    page.evaluate("document.querySelectorAll('form').forEach(f => f.noValidate = true)")
    form.locator("button[value=release]").click()


def _acknowledge_after_someone_else(page, scene: Scene) -> None:
    form = page.locator("#alerts form").first
    alert_id = int(re.search(r"/alerts/(\d+)/", form.get_attribute("action") or "").group(1))  # type: ignore[union-attr]
    form.locator("[name=note]").fill("đã gọi xã")
    scene.server.api("POST", f"/alerts/{alert_id}/acknowledge", {"note": "someone else"})
    scene.ids["before"] = scene.fingerprint()  # the other user's acknowledgement is written, this one not
    form.locator("button").click()


def _wrong_password(page, scene: Scene) -> None:
    fill(page, {"username": "viewer", "password": "not the password"})
    submit(page, "button[type=submit]")


LOT = line(product="BCG", lot_number="F-BCG", location="TL-01")
CASES = [
    Case(
        "receive: negative doses",
        "/receive",
        "keeper",
        "/receive",
        sends(line(product="BCG", lot_number="R-NEG", expires_on=EXPIRY, doses="-5", location="TL-01")),
        "lines[0].doses",
        kept=line(lot_number="R-NEG", doses="-5"),
        vi="Số liều phải là số nguyên",
    ),
    Case(
        "receive: a day in the future",
        "/receive",
        "keeper",
        "/receive",
        sends(
            {"occurred_on": FUTURE}
            | line(product="BCG", lot_number="R-FUT", expires_on=EXPIRY, doses="100", location="TL-01")
        ),
        "occurred_on",
        kept={"occurred_on": FUTURE, "lines[0].lot_number": "R-FUT"},
        vierrors="inventory/stock/domain.py (check_occurred_on)",
    ),
    Case(
        "receive: a new lot without its expiry",
        "/receive",
        "keeper",
        "/receive",
        sends(line(product="BCG", lot_number="R-NOEXP", doses="100", location="TL-01")),
        "lines[0].expires_on",
        kept=line(lot_number="R-NOEXP", doses="100"),
    ),
    Case(
        "issue: more than the store holds",
        "/issue",
        "keeper",
        "/issue",
        sends({"to_facility": "TYT-03451", "want.PENTA": "999999"}, "button[value=propose]"),
        "want.PENTA",
        kept={"want.PENTA": "999999"},
        vi="Chỉ còn",
        vierrors="inventory/stock/domain.py (pick_lots)",
    ),
    Case(
        "issue: no destination",
        "/issue",
        "keeper",
        "/issue",
        sends({"want.PENTA": "10"}, "button[value=propose]"),
        "to_facility",
        kept={"want.PENTA": "10"},
    ),
    Case(
        "issue: a lot typed over the proposal that does not exist",
        "/issue",
        "keeper",
        "/issue",
        _propose_then(line(lot_number="NO-SUCH-LOT")),
        "lines[0].lot_number",
        kept=line(lot_number="NO-SUCH-LOT"),
        vierrors="inventory/stock/context.py (lot)",
    ),
    Case(
        "return: more than in stock",
        "/return",
        "keeper",
        "/return",
        sends(
            {"reason": "hỏng tủ"}
            | line(product="PENTA", lot_number="F-PENTA", location="TL-01", doses="99999")
        ),
        "lines[0].doses",
        kept={"reason": "hỏng tủ"} | line(doses="99999"),
        vi="Chỉ còn",
        vierrors="inventory/stock/ledger/__init__.py (_check_draws)",
    ),
    Case(
        "return: no reason",
        "/return",
        "keeper",
        "/return",
        sends(line(product="PENTA", lot_number="F-PENTA", location="TL-01", doses="5")),
        "reason",
        kept=line(lot_number="F-PENTA", doses="5"),
        vi="Thiếu",
    ),
    Case(
        "adjust: a lot that does not exist",
        "/adjust",
        "keeper",
        "/adjust",
        sends(line(product="BCG", lot_number="NO-SUCH-LOT", location="TL-01", doses="-3", reason="broken")),
        "lines[0].lot_number",
        kept=line(lot_number="NO-SUCH-LOT", doses="-3"),
        vierrors="inventory/stock/context.py (lot)",
    ),
    Case(
        "adjust: no reason",
        "/adjust",
        "keeper",
        "/adjust",
        sends(LOT | line(doses="-10")),
        "lines[0].reason",
        kept=line(lot_number="F-BCG", doses="-10"),
        vi="Thiếu",
    ),
    Case(
        "usage: a session in the future",
        "/usage",
        "keeper",
        "/usage",
        sends({"session_on": FUTURE} | LOT | line(doses_administered="2", vials_opened="1")),
        "session_on",
        kept={"session_on": FUTURE} | line(doses_administered="2"),
        vierrors="inventory/stock/domain.py (check_occurred_on)",
    ),
    Case(
        "usage: negative doses given",
        "/usage",
        "keeper",
        "/usage",
        sends(LOT | line(doses_administered="-1", vials_opened="1")),
        "lines[0].doses_administered",
        kept=line(doses_administered="-1"),
    ),
    Case(
        "count: a negative number of vials",
        "/count",
        "keeper",
        "/count",
        sends(line(counted_vials="-1"), "#review-count"),
        "lines[0].counted_vials",
        kept=line(counted_vials="-1"),
        vi="số nguyên",
    ),
    Case(
        "count: a difference without its reason",
        "/count",
        "keeper",
        "/count",
        _count_short_without_reason,
        "difference_reason",
    ),
    Case(
        "confirm: fewer received without a reason",
        "/shipments/{shipment_id:int}/confirm",
        "commune",
        "/shipments/{shipment}/confirm",
        sends(line(doses_received="39")),
        "lines[0].difference_reason",
        kept=line(doses_received="39"),
        vierrors="inventory/stock/use_cases/confirmation.py",
    ),
    Case(
        "confirm: negative doses received",
        "/shipments/{shipment_id:int}/confirm",
        "commune",
        "/shipments/{shipment}/confirm",
        sends(line(doses_received="-1")),
        "lines[0].doses_received",
        kept=line(doses_received="-1"),
    ),
    Case(
        "reverse: no reason",
        "/documents/{document_id:int}/reverse",
        "keeper",
        "/documents/{receipt}",
        sends({"reason": "x"}, "form[action$='/reverse'] button"),
        "reason",
        kept={"reason": "x"},
    ),
    Case(
        "lot hold: a reason too short",
        "/lots/{action:str}",
        "keeper",
        "/lots",
        _hold_without_reason,
        "BCG/F-BCG",
        kept={"#lots form[action='/lots/hold'] [name=reason] >> nth=0": "x"},
    ),
    Case(
        "lot VVM: a stage that does not exist",
        "/lots/{action:str}",
        "keeper",
        "/lots",
        _vvm_out_of_range,
        "BCG/F-BCG",
        kept={"#lots form[action='/lots/vvm'] [name=vvm_stage] >> nth=0": "7"},
    ),
    Case(
        "account: a token for too many days",
        "/account/tokens",
        "keeper",
        "/account",
        sends({"name": "máy tính bảng", "days": "999"}, "#make-token button"),
        "days",
        kept={"name": "máy tính bảng", "days": "999"},
    ),
    Case(
        "account: new passwords that differ",
        "/account/password",
        "keeper",
        "/account",
        sends(
            {"old_password": "x", "new_password": "mật khẩu mới 1", "new_password_again": "mật khẩu mới 2"},
            "#change-password button",
        ),
        "new_password_again",
    ),
    Case(
        "account: a wrong old password",
        "/account/password",
        "keeper",
        "/account",
        sends(
            {
                "old_password": "sai rồi",
                "new_password": "mật khẩu mới 1",
                "new_password_again": "mật khẩu mới 1",
            },
            "#change-password button",
        ),
        "old_password",
    ),
    Case(
        "users: a password too short",
        "/admin/users/{username:str}/{action:str}",
        "admin",
        "/admin/users/viewer",
        sends({"new_password": "ngắn", "new_password_again": "ngắn"}, "#set-password button"),
        "new_password",
    ),
    Case(
        "sign-in: a wrong password",
        "/login",
        "",
        "/login",
        _wrong_password,
        "form",
        kept={"username": "viewer"},
        unwritten=("audit_event",),
    ),
    Case(
        "cold chain: a temperature that is not a number",
        "/coldchain/{facility:str}/{location:str}/readings",
        "keeper",
        "/coldchain/TTYT-MT/TL-01",
        sends({"celsius": "ấm"}, "form.reading-form button"),
        "celsius",
        kept={"celsius": "ấm"},
    ),
    Case(
        "cold chain: a decision without its reason",
        "/coldchain/excursions/{excursion_id:int}/decide",
        "keeper",
        "/coldchain",
        _decide_without_reason,
        "{excursion}/F-COLD",
        kept={"#excursion-{excursion} [name=vvm_stage]": "2"},
    ),
    Case(
        "forecast: a setting that is not a number",
        "/forecast/settings",
        "keeper",
        "/forecast",
        sends({"name": "coverage", "value": "nhiều"}, "#setting-form button.primary"),
        "value",
        kept={"value": "nhiều"},
    ),
    Case(
        "forecast: a period that does not exist",
        "/forecast",
        "keeper",
        "/forecast",
        sends({"period": "2026-13"}, "form[method=get] button"),
        "period",
        kept={"period": "2026-13"},
        method="GET",
    ),
    Case(
        "reports: submitting a commune's report for it",
        "/reports/submit",
        "keeper",
        "/reports?kind=stock&facility=TYT-03451",
        sends({"note": "gửi thay xã"}, "#submit-form button"),
        "facility",
        kept={"note": "gửi thay xã"},
    ),
    Case(
        "reports: a period that does not exist",
        "/reports",
        "keeper",
        "/reports",
        sends({"period": "2026-13"}, "form[method=get] button"),
        "period",
        kept={"period": "2026-13"},
        method="GET",
    ),
    Case(
        "stock card: a period that ends before it starts",
        "/stock-card",
        "keeper",
        "/stock-card?product=BCG&lot_number=F-BCG",
        sends(
            {"date_from": TODAY.isoformat(), "date_to": (TODAY - timedelta(days=30)).isoformat()},
            "form[method=get] button",
        ),
        "date_to",
        kept={"date_from": TODAY.isoformat(), "date_to": (TODAY - timedelta(days=30)).isoformat()},
        method="GET",
        vierrors="inventory/stock/use_cases/views.py",
    ),
    Case(
        "stock card: a link with a day that does not exist",
        "/stock-card",
        "keeper",
        "/stock-card",
        visit("/stock-card?product=BCG&lot_number=F-BCG&date_from=31/02/2026"),
        "date_from",
        method="GET",
        vierrors="inventory/web/pages.py day_param (inventory/tabular.py)",
    ),
    Case(
        "alerts: acknowledged by someone else meanwhile",
        "/alerts/{alert_id:int}/acknowledge",
        "keeper",
        "/alerts?facility=TTYT-MT",
        _acknowledge_after_someone_else,
        "form",
        kept={"#alerts": ""},
    ),
]
NO_INPUT = {
    "/logout": "a button",
    "/account/tokens/{token_id:int}/revoke": "a button; a second click is not an error",
    "/admin/tokens/{token_id:int}/revoke": "a button; a second click is not an error",
}


def test_every_form_has_a_bad_input_case() -> None:
    """Every POST page of the app is a form: each has a case here, or is a bare button."""
    from inventory.app import create_app

    app = create_app(Settings(database_url="sqlite+aiosqlite:///:memory:"))
    forms = {
        route.path
        for route in app.routes
        for handler in getattr(route, "route_handlers", [])
        if "POST" in (handler.http_methods or set()) and handler.include_in_schema is False
    }
    covered = {case.route for case in CASES if case.method == "POST"}
    assert forms - covered - set(NO_INPUT) == set(), "give each new form a bad-input case in CASES"
    assert covered <= forms, "a case names a route the app does not have"


def reasons(page, name: str) -> tuple[str, str]:
    """The reason shown for `name` (next to the field, or above the form for 'form') and the banner's text."""
    banner = page.locator("[role=alert]")
    banner_text = banner.first.inner_text() if banner.count() else ""
    if name == "form":
        return banner_text, banner_text
    shown = page.locator(f"[data-error-for$='{name}']")
    assert shown.count() >= 1, (
        f"no reason next to {name}; the page says: {banner_text or page.inner_text('main')[:300]}"
    )
    assert shown.first.is_visible()
    return shown.first.inner_text(), banner_text


def _runs() -> list[Any]:
    runs = []
    for case in CASES:
        for lang in ("vi", "en"):
            marks = []
            if case.vierrors and lang == "vi":
                marks.append(pytest.mark.xfail(strict=True, reason=f"vierrors converts {case.vierrors}"))
            runs.append(pytest.param(case, lang, marks=marks, id=f"{case.name}-{lang}"))
    return runs


@pytest.mark.parametrize(("case", "lang"), _runs())
def test_a_bad_input_is_refused_at_its_field_in_the_page_language(
    scene: Scene, case: Case, lang: str
) -> None:
    if case.user:
        page = scene.pages[case.user]
    else:
        page = scene.pages["admin"].context.browser.new_context(base_url=scene.server.url).new_page()
    page.context.add_cookies([{"name": "lang", "value": lang, "url": scene.server.url}])
    scene.ids["before"] = None
    try:
        page.goto(case.open.format(**scene.ids))
        before = scene.fingerprint(case.unwritten)
        answers: list[Any] = []

        def seen(response: Any) -> None:
            if response.request.resource_type == "document":
                answers.append(response)

        page.on("response", seen)
        case.act(page, scene)
        page.wait_for_load_state()
        page.remove_listener("response", seen)
        assert answers, "the form was not sent"
        answer = answers[-1]
        if scene.ids.get("before"):
            before = {k: v for k, v in scene.ids["before"].items() if k not in case.unwritten}
        assert answer.status < 500, f"{answer.status}: {page.inner_text('body')[:500]}"
        assert answer.status >= 400, f"the bad input was accepted ({answer.status} {answer.url})"
        assert "text/html" in answer.headers.get("content-type", ""), answer.headers.get("content-type")
        assert page.locator("form").count() >= 1, "the form is not shown again"
        text, banner = reasons(page, case.field.format(**scene.ids))
        assert text.strip(), "an empty reason"
        for shown in (text, banner):
            for typed in case.kept.values():  # a reason may quote what was typed, in any language
                shown = shown.replace(typed, "") if typed else shown
            if lang == "vi":
                words = set(re.findall(r"[a-z]+", shown.lower())) & ENGLISH
                assert not words, f"English on a Vietnamese page ({sorted(words)}): {shown!r}"
            else:
                assert not VIETNAMESE.search(shown), f"Vietnamese on an English page: {shown!r}"
        if lang == "vi" and case.vi:
            assert case.vi in text, f"expected {case.vi!r} in {text!r}"
        for name, value in case.kept.items():
            selector = name.format(**scene.ids) if name.startswith(("#", "[")) else f"[name='{name}']"
            if value == "":
                assert page.locator(selector).count() == 1, f"{selector} is gone"
            else:
                assert page.locator(selector).first.input_value() == value, f"{name} not kept"
        assert scene.fingerprint(case.unwritten) == before, "a refused form wrote something"
        if case.name.startswith("adjust: a lot"):
            screenshot(page, f"form-error-{lang}")
    finally:
        if not case.user:
            page.context.close()
