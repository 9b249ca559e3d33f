"""Bad input for the other forms: account and users, sign-in, cold chain, forecast, reports, stock card, alerts."""

from __future__ import annotations

import re
from datetime import timedelta

from tests.browser.formkit import TODAY, Case, Scene, fill, sends, submit, visit


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


OTHER_CASES = [
    Case(
        "account: a profile without a name",
        "/account/profile",
        "keeper",
        "/account",
        sends({"full_name": "", "title": "Thủ kho"}, "#profile button"),
        "full_name",
        kept={"title": "Thủ kho"},
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
        vi="mật khẩu mới không giống nhau",
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
        vi="Sai tên đăng nhập hoặc mật khẩu",
        unwritten=("audit_event",),
    ),
    Case(
        "cold chain: a temperature that is not a number",
        "/coldchain/{facility:str}/{location:str}/readings",
        "keeper",
        "/coldchain/TTYT-MT/TL-01",
        sends({"celsius": "ấm"}, "form.reading-form button"),
        "celsius",
        vi="Nhập nhiệt độ",
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
    ),
    Case(
        "stock card: a link with a day that does not exist",
        "/stock-card",
        "keeper",
        "/stock-card",
        visit("/stock-card?product=BCG&lot_number=F-BCG&date_from=31/02/2026"),
        "date_from",
        method="GET",
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


def _end_route_without_reason(page, scene: Scene) -> None:
    form = page.locator(f"form[action='/routes/{scene.ids['route']}/revoke']")
    form.locator("[name=reason]").fill("")
    page.evaluate("document.querySelectorAll('form').forEach(f => f.noValidate = true)")
    form.locator("button").click()


def _allows(values: dict[str, str]):
    """The allow form's own fields (each route's end form has a reason field too)."""

    def act(page, scene: Scene) -> None:
        form = page.locator("#allow-route")
        for name, value in values.items():
            field = form.locator(f"[name={name}]")
            if field.evaluate("e => e.tagName") == "SELECT":
                field.select_option(value)
            else:
                field.fill(value)
        page.evaluate("document.querySelectorAll('form').forEach(f => f.noValidate = true)")
        form.locator("button").click()

    return act


def _peer_more_than_held(page, scene: Scene) -> None:
    fill(page, {"to_facility": "TYT-03463", "want.PENTA": "500"})
    page.evaluate("document.querySelectorAll('form').forEach(f => f.noValidate = true)")
    page.click("button[value=propose]")


def _peer_without_reason(page, scene: Scene) -> None:
    fill(page, {"to_facility": "TYT-03463", "want.PENTA": "10"})
    page.click("button[value=propose]")
    page.wait_for_selector("#proposal")
    fill(page, {"reason": ""})
    submit(page, "button[value=post]")


ROUTE_CASES = [
    Case(
        "routes: a route already allowed",
        "/routes",
        "admin",
        "/routes",
        _allows({"from_facility": "TTYT-MT", "to_facility": "TYT-03460", "reason": "cấp thêm"}),
        "to_facility",
        kept={"to_facility": "TYT-03460", "#reason": "cấp thêm"},
    ),
    Case(
        "routes: a route without its reason",
        "/routes",
        "admin",
        "/routes",
        _allows({"from_facility": "TTYT-MT", "to_facility": "TYT-03433", "reason": " "}),
        "reason",
        kept={"from_facility": "TTYT-MT", "to_facility": "TYT-03433"},
    ),
    Case(
        "routes: ending a route without a reason",
        "/routes/{route_id:int}/revoke",
        "admin",
        "/routes",
        _end_route_without_reason,
        "reason",
    ),
    Case(
        "peer transfer: more doses than the commune holds",
        "/peer-transfer",
        "commune",
        "/peer-transfer",
        _peer_more_than_held,
        "want.PENTA",
        kept={"to_facility": "TYT-03463", "want.PENTA": "500"},
    ),
    Case(
        "peer transfer: sent without its reason",
        "/peer-transfer",
        "commune",
        "/peer-transfer",
        _peer_without_reason,
        "reason",
        kept={"to_facility": "TYT-03463", "lines[0].lot_number": "F-PENTA", "lines[0].doses": "10"},
        vi="Thiếu",
    ),
    Case(
        "report settings: a dropout threshold of 150 %",
        "/reports/settings",
        "admin",
        "/reports/settings",
        sends({"dropout_threshold": "150"}, "#report-settings-form button.primary"),
        "dropout_threshold",
        kept={"dropout_threshold": "150"},
    ),
    Case(
        "alert delivery: an e-mail address that is not one",
        "/alerts/delivery/subscription",
        "keeper",
        "/alerts/delivery",
        sends({"email": "thukho.muongte@", "language": "vi"}, "#subscription button"),
        "email",
        kept={"email": "thukho.muongte@"},
    ),
    Case(
        "alert delivery: a webhook address that is not http(s)",
        "/alerts/delivery/webhook",
        "keeper",
        "/alerts/delivery",
        sends({"facility": "TTYT-MT", "url": "ftp://ttyt-muongte.vn/canh-bao"}, "#webhook button"),
        "url",
        kept={"facility": "TTYT-MT", "url": "ftp://ttyt-muongte.vn/canh-bao"},
    ),
]
OTHER_CASES += ROUTE_CASES
