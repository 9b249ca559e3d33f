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
