"""Every form of the web app, sent with bad input in Vietnamese and in English, as a user would in Chromium.

For each refusal the page must answer with the form again (never a 500 or a bare JSON problem), show the reason
next to the field it names (or above the form), in the page's language, keep what the user typed, and write
nothing. The forms are found from the app's routes: a new form without a case here fails
`test_every_form_has_a_bad_input_case`. One server, one browser and one small scene serve the whole module.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from inventory.settings import Settings
from tests.browser.conftest import Server, screenshot, sign_in
from tests.browser.form_cases_other import OTHER_CASES
from tests.browser.form_cases_stock import STOCK_CASES
from tests.browser.formkit import EXPIRY, Case, Scene
from tests.conftest import fresh_database

CASES = STOCK_CASES + OTHER_CASES
ENGLISH = {
    "the", "must", "is", "are", "not", "required", "expected", "missing", "field", "only", "available",
    "unknown", "invalid", "cannot", "give", "should", "please", "object", "doses", "period", "enter",
    "short", "of", "and", "or", "with", "for", "at", "be", "has", "was", "from", "reason", "lot", "number",
    "whole", "greater", "than", "found", "date", "future", "after", "before", "value", "wrong", "password",
}  # fmt: skip
"""Words that give an English sentence away on a Vietnamese page (none is a Vietnamese word)."""
VIETNAMESE = re.compile(r"[ăâđêôơưàáạảãằắặẳẵầấậẩẫèéẹẻẽềếệểễìíịỉĩòóọỏõồốộổỗờớợởỡùúụủũừứựửữỳýỵỷỹ]", re.I)


@pytest.fixture(scope="module")
def scene(template: str, tmp_path_factory: pytest.TempPathFactory, browser) -> Iterator[Scene]:
    """A small district: two lots in stock, a delivery on its way to a commune (an earlier one received), a cold-chain excursion, an
    open alert, an extra supply route; the store keeper, the commune worker and the administrator signed in
    once each."""
    # browser tests run in the SQLite pass only (tests/conftest.py deselects them on PostgreSQL)
    with fresh_database(template, tmp_path_factory.mktemp("forms")) as settings, Server(settings) as server:
        made = Scene(server, Path(settings.database_url.split("///", 1)[1]))
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
        held = server.api(  # the commune holds stock of its own, to send a peer
            "POST",
            "/issues",
            {"facility": "TTYT-MT", "to_facility": "TYT-03451", "lines": [{"product": "PENTA", "doses": 20}]},
        )
        server.api(
            "POST",
            f"/shipments/{held['shipment_id']}/confirm",
            {"lines": [{"product": "PENTA", "lot_number": "F-PENTA", "doses_received": 20, "vvm_stage": 1}]},
        )
        route = server.api(
            "POST",
            "/routes",
            {
                "from_facility": "TTYT-MT",
                "to_facility": "TYT-03460",
                "reason": "Đường tỉnh sạt lở, huyện cấp thay",
            },
        )
        made.ids = {
            "receipt": receipt["id"],
            "shipment": issued["shipment_id"],
            "route": route["id"],
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
            runs.append(pytest.param(case, lang, id=f"{case.name}-{lang}"))
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
            for typed in case.kept.values():  # a reason may quote words typed, in any language
                shown = shown.replace(typed, "") if re.search(r"[^\W\d_]", typed) else shown
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
