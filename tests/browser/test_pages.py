"""What staff do in a browser: confirm a delivery, receive by GS1 scan, issue by proposal, errors, language."""

from __future__ import annotations

import re
from datetime import timedelta

from inventory.timeutil import today_vn
from tests.browser.conftest import Server, screenshot, sign_in

EXPIRY = (today_vn() + timedelta(days=400)).isoformat()


def test_a_commune_worker_confirms_a_delivery_and_sees_the_stock_change(page, server: Server) -> None:
    server.api(
        "POST",
        "/receipts",
        {
            "facility": "TTYT-MT",
            "lines": [
                {
                    "product": "PENTA",
                    "lot_number": "BRW-1",
                    "expires_on": EXPIRY,
                    "doses": 100,
                    "location": "TL-01",
                }
            ],
        },
    )
    issued = server.api(
        "POST",
        "/issues",
        {"facility": "TTYT-MT", "to_facility": "TYT-03451", "lines": [{"product": "PENTA", "doses": 40}]},
    )
    sign_in(page, "commune")
    screenshot(page, "dashboard-commune")
    page.click("text=Xác nhận nhận hàng")
    page.click(f"a[href='/shipments/{issued['shipment_id']}/confirm']")
    page.fill("[name='lines[0].doses_received']", "39")
    page.select_option("[name='lines[0].difference_reason']", "broken")
    screenshot(page, "confirm-delivery")
    page.click("button.primary")
    page.wait_for_selector("#saved")
    page.goto("/stock")
    row = page.locator("tr[data-lot='BRW-1'] td.doses")
    assert row.inner_text() == "39"
    screenshot(page, "stock-commune")


def test_a_store_keeper_receives_by_gs1_scan_and_issues_the_proposed_lots(page, server: Server) -> None:
    server.api(
        "POST",
        "/receipts",
        {
            "facility": "TTYT-MT",
            "lines": [
                {
                    "product": "PENTA",
                    "lot_number": "OLD-GS1",
                    "expires_on": EXPIRY,
                    "doses": 10,
                    "location": "TL-01",
                    "gtin": "08936000000017",
                }
            ],
        },
    )
    sign_in(page, "keeper")
    page.goto("/receive")
    scan = page.locator("[name='lines[0].scan']")
    scan.fill("(01)08936000000017(17)281231(10)GS1-LOT-7")
    scan.dispatch_event("change")
    assert page.input_value("[name='lines[0].product']") == "PENTA"
    assert page.input_value("[name='lines[0].lot_number']") == "GS1-LOT-7"
    assert page.input_value("[name='lines[0].expires_on']") == "2028-12-31"
    page.fill("[name='lines[0].doses']", "200")
    page.select_option("[name='lines[0].location']", "TL-01")
    screenshot(page, "receive-gs1")
    page.click("button.primary")
    page.wait_for_selector("#saved")
    assert "GS1-LOT-7" in page.inner_text("#movements")

    page.goto("/issue")
    page.select_option("#to_facility", "TYT-03451")
    page.fill("[name='want.PENTA']", "30")
    page.click("button[value=propose]")
    page.wait_for_selector("#proposal")
    assert (
        page.input_value("[name='lines[0].lot_number']") == "OLD-GS1"
    )  # earliest expiry first (same day: lot)
    screenshot(page, "issue-proposal")
    page.click("button[value=post]")
    page.wait_for_selector("#voucher-lines")
    text = page.inner_text("#voucher-lines")
    assert "OLD-GS1" in text and "GS1-LOT-7" in text
    screenshot(page, "issue-voucher")


def test_a_scanner_ending_with_enter_fills_the_row_moves_on_and_never_submits(page, server: Server) -> None:
    documents = server.api("GET", "/facilities/TTYT-MT/documents")["total"]
    sign_in(page, "keeper")
    page.goto("/receive")
    page.locator("[name='lines[0].scan']").click()
    page.keyboard.type("(01)08936000000024(17)290630(10)ENTER-1")
    page.keyboard.press("Enter")
    # a GTIN never seen: the row is filled but for the product, which it asks for once
    assert page.input_value("[name='lines[0].lot_number']") == "ENTER-1"
    assert page.input_value("[name='lines[0].expires_on']") == "2029-06-30"
    assert "GTIN" in page.inner_text("[data-scan-note='0']")
    assert page.evaluate("document.activeElement.name") == "lines[0].product"
    page.select_option("[name='lines[0].product']", "BCG")
    assert page.inner_text("[data-scan-note='0']") == ""
    # the same GTIN again: the product is remembered, and the cursor goes on to the next empty row
    page.locator("[name='lines[1].scan']").click()
    page.keyboard.type("(01)08936000000024(17)290630(10)ENTER-2")
    page.keyboard.press("Enter")
    assert page.input_value("[name='lines[1].product']") == "BCG"
    assert page.evaluate("document.activeElement.name") == "lines[2].scan"
    # Enter in another field does not submit the half-filled form either
    page.fill("[name='lines[0].doses']", "100")
    page.locator("[name='lines[0].doses']").press("Enter")
    page.wait_for_timeout(300)
    assert page.url.endswith("/receive")
    assert server.api("GET", "/facilities/TTYT-MT/documents")["total"] == documents
    screenshot(page, "receive-scanner")


def test_a_form_error_keeps_the_input_and_writes_nothing(page, server: Server) -> None:
    sign_in(page, "keeper")
    before = server.api("GET", "/facilities/TTYT-MT/documents")["total"]
    page.goto("/adjust")
    page.select_option("[name='lines[0].product']", "BCG")
    page.fill("[name='lines[0].lot_number']", "NO-SUCH-LOT")
    page.select_option("[name='lines[0].location']", "TL-01")
    page.fill("[name='lines[0].doses']", "-3")
    page.select_option("[name='lines[0].reason']", "broken")
    page.click("button.primary")
    error = page.locator("[data-error-for='lines[0].lot_number']")
    assert "NO-SUCH-LOT" in error.inner_text()
    assert page.input_value("[name='lines[0].lot_number']") == "NO-SUCH-LOT"
    assert page.input_value("[name='lines[0].doses']") == "-3"
    screenshot(page, "form-error")
    assert server.api("GET", "/facilities/TTYT-MT/documents")["total"] == before


def test_the_english_switch_changes_the_labels(page, server: Server) -> None:
    sign_in(page, "keeper")
    assert "Tổng quan" in page.inner_text("nav")
    page.click("#lang-switch")
    page.wait_for_load_state()
    assert "Dashboard" in page.inner_text("nav")
    page.click("#lang-switch")
    assert "Tổng quan" in page.inner_text("nav")


def test_a_store_keeper_sees_the_backlog_and_the_vaccine_request(page, server: Server, tmp_path) -> None:
    import httpx

    from tests.conftest import TOKENS
    from tests.integration.test_register import register_rows, write

    content = write(tmp_path, register_rows()).read_bytes()
    response = httpx.post(
        f"{server.url}/api/v1/register/imports",
        files={"file": ("register.csv", content)},
        headers={"Authorization": f"Bearer {TOKENS['admin']}", "Idempotency-Key": "browser-reg-01"},
    )
    assert response.status_code == 201, response.text
    server.api(
        "POST",
        "/receipts",
        {
            "facility": "TTYT-MT",
            "lines": [
                {
                    "product": "PENTA",
                    "lot_number": "FC-1",
                    "expires_on": EXPIRY,
                    "doses": 100,
                    "location": "TL-01",
                }
            ],
        },
    )
    sign_in(page, "keeper")
    page.goto("/backlog")
    assert (
        "03451" in page.inner_text("table.backlog[data-commune='03451']")
        or page.locator("table.backlog[data-commune='03451']").count() == 1
    )
    page.click("text=Danh sách đối tượng")
    page.wait_for_selector("#due-list")
    assert "Pờ Thị B" in page.inner_text("#due-list")
    screenshot(page, "due-list")
    page.goto("/forecast")
    page.wait_for_selector("#forecast-totals")
    assert "PENTA" in page.inner_text("#forecast-totals")


PAGE_BUDGET = 100 * 1024
"""What a page may weigh over a slow mountain link: its HTML, styles, scripts and images, uncompressed."""


def page_weight(page) -> int:
    """Bytes of the current page and everything it loaded (decoded sizes: the cache does not hide them)."""
    page.wait_for_load_state("load")
    return page.evaluate(
        """() => performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource'))
                 .reduce((total, entry) => total + entry.decodedBodySize, 0)"""
    )


NOT_PAGES = ("/login", "/lang/", "/audit.csv", "/backlog/chart/", "/health")
"""GET routes that are not pages a signed-in user reads (sign-in, switches, downloads, images)."""


def every_page(samples: dict[str, str]) -> list[str]:
    """Every page of the app, its path parameters filled from `samples` (a new parameter must get one)."""
    from inventory.app import create_app
    from inventory.settings import Settings

    app = create_app(Settings(database_url="sqlite+aiosqlite:///:memory:"))
    paths = []
    for route in app.routes:
        handlers = [h for h in getattr(route, "route_handlers", []) if "GET" in (h.http_methods or set())]
        if not handlers or route.path.startswith(("/api", "/schema", "/static")):
            continue
        if route.path.startswith(NOT_PAGES) or route.path.endswith((".png", ".csv")):
            continue  # not a page: a switch, a download or an image
        if any(h.include_in_schema is not False for h in handlers):
            continue
        path = route.path
        for name in re.findall(r"\{(\w+):\w+\}", path):
            assert name in samples, f"give the page test a sample value for {{{name}}} in {path}"
            path = re.sub(r"\{" + name + r":\w+\}", samples[name], path)
        paths.append(path)
    return sorted(set(paths))


def _sample_parameters(server: Server) -> dict[str, str]:
    documents = server.api("GET", "/facilities/TTYT-MT/documents")["items"]
    issue = next(d for d in documents if d["kind"] == "issue")
    transit = server.api("GET", "/facilities/TYT-03451/in-transit")
    shipment = transit[0]["shipment_id"] if transit else issue["shipment_id"]
    alerts = server.api("GET", "/alerts")["items"]
    return {
        "document_id": str(issue["id"]),
        "shipment_id": str(shipment),
        "commune": "03451",
        "username": "keeper",
        "facility": "TTYT-MT",
        "location": "TL-01",
        "alert_id": str(alerts[0]["id"]),
    }


def overflow(page) -> list[str]:
    """What scrolls sideways at this width: the page itself, or a box whose content is wider than it."""
    return page.evaluate(
        """() => {
            const found = [];
            const root = document.scrollingElement;
            if (root.scrollWidth > window.innerWidth + 1) found.push(`page ${root.scrollWidth}px wide`);
            for (const el of document.querySelectorAll('main *')) {
                const style = getComputedStyle(el);
                if (!['auto', 'scroll', 'hidden'].includes(style.overflowX)) continue;
                if (el.scrollWidth > el.clientWidth + 1) {
                    const what = el.id ? `#${el.id}` : (el.querySelector('table[id]') ? `#${el.querySelector('table[id]').id}` : el.tagName.toLowerCase());
                    found.push(`${what} cuts ${el.scrollWidth - el.clientWidth}px off`);
                }
            }
            return found;
        }"""
    )


def twin_labels(page) -> list[str]:
    """Labels that appear twice in one form: two fields a user cannot tell apart."""
    return page.evaluate(
        """() => {
            const found = [];
            for (const form of document.querySelectorAll('main form')) {
                const seen = new Set();
                for (const label of form.querySelectorAll('label')) {
                    const text = label.textContent.trim();
                    if (text && seen.has(text)) found.push(text);
                    seen.add(text);
                }
            }
            return found;
        }"""
    )


def test_the_demo_year_shows_on_the_main_pages(page, server: Server, settings) -> None:
    """Loads the Mường Tè demo (a year of stock and a register) and takes the README's screenshots."""
    from inventory.db import create_engine, session_factory, unit_of_work
    from inventory.demo import load_demo
    from tests.conftest import run_sync

    async def load() -> None:
        engine = create_engine(settings)
        async with unit_of_work(session_factory(engine)) as session:
            await load_demo(session, settings)
        await engine.dispose()

    run_sync(load())
    sign_in(page, "keeper")
    assert page.locator("#stock-by-product tr").count() > 5
    weights = {"/": page_weight(page)}
    screenshot(page, "dashboard-vi")
    page.goto("/stock")
    weights["/stock"] = page_weight(page)
    screenshot(page, "stock-district")
    page.goto("/backlog")
    assert page.locator("table.backlog").count() >= 7
    weights["/backlog"] = page_weight(page)
    screenshot(page, "backlog")
    page.goto("/forecast")
    page.wait_for_selector("#forecast-totals")
    weights["/forecast"] = page_weight(page)
    screenshot(page, "forecast")
    sign_in(page, "admin")  # the administrator sees every page, the audit trail included
    samples = _sample_parameters(server)
    titles: dict[str, str] = {}
    cut: dict[str, list[str]] = {}
    failed: dict[str, int | None] = {}
    twins: dict[str, list[str]] = {}
    for path in every_page(samples):
        for width in (390, 1280):
            page.set_viewport_size({"width": width, "height": 900})
            answer = page.goto(path)
            if answer is None or answer.status != 200:
                failed[path] = answer.status if answer else None
            if width == 390:
                weights[path] = page_weight(page)
                landed = page.url.split("?")[0].split("#")[0].removeprefix(server.url)
                if landed == path or landed not in titles:  # a page that redirects to another is that one
                    titles[landed] = page.title()
                screenshot(page, "phone" + path.replace("/", "-").rstrip("-"))
                if twin_labels(page):
                    twins[path] = twin_labels(page)
            problems = overflow(page)
            if problems:
                cut[f"{path} @ {width}px"] = problems
        screenshot(page, "page" + path.replace("/", "-").rstrip("-"))
    # the check itself finds a box cut off, and a page wider than the screen
    page.evaluate(
        "document.querySelector('main').insertAdjacentHTML('beforeend', "
        '\'<div style="overflow-x:auto"><div style="width:3000px">x</div></div>\')'
    )
    assert overflow(page) == [
        "div cuts "
        + str(
            page.evaluate(
                "document.querySelector('main > div:last-child').scrollWidth - document.querySelector('main > div:last-child').clientWidth"
            )
        )
        + "px off"
    ]
    page.set_viewport_size({"width": 1280, "height": 900})
    print("page weights (bytes):", weights)
    heavy = {path: size for path, size in weights.items() if size > PAGE_BUDGET}
    same = {t: [p for p, x in titles.items() if x == t] for t in titles.values()}
    shared = {t: paths for t, paths in same.items() if len(paths) > 1}
    assert not failed, f"pages that did not answer 200: {failed}"
    assert not twins, f"forms with two fields under one label: {twins}"
    assert not (heavy or cut or shared), (
        f"pages over {PAGE_BUDGET} bytes with the demo year loaded: {heavy}; "
        f"pages that scroll sideways or cut a column off: {cut}; pages sharing a title: {shared}"
    )
    page.goto("/")
    page.click("#lang-switch")
    page.goto("/")
    assert "Months of stock" in page.inner_text("#stock-by-product")
    screenshot(page, "dashboard-en")


def test_the_scanner_reads_every_form_of_a_gs1_element_string(page, server: Server) -> None:
    sign_in(page, "keeper")
    page.goto("/receive")
    cases = {
        "(01) 08936012345678 (17) 270131 (10) ABC123": ["08936012345678", "2027-01-31", "ABC123"],
        "(01)08936012345678(17)270131(10)ABC123": ["08936012345678", "2027-01-31", "ABC123"],
        "01089360123456781727013110ABC123": ["08936012345678", "2027-01-31", "ABC123"],
        "]d2010893601234567810LOT7\x1d17270100": ["08936012345678", "2027-01-31", "LOT7"],
        "]C1(10)A\x1d\x1d(17)270131": [None, "2027-01-31", "A"],
    }
    for raw, expected in cases.items():
        got = page.evaluate(
            "raw => { const p = window.vaxstockGS1(raw); return [p.gtin ?? null, p.expiry ?? null, p.lot ?? null]; }",
            raw,
        )
        assert got == expected, raw
