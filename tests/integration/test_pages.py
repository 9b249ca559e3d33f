"""Pages without a browser: double submits, form errors, page access per role."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from litestar.testing import AsyncTestClient

from inventory.app import create_app
from inventory.settings import Settings
from inventory.timeutil import today_vn
from tests.integration.conftest import Api
from tests.integration.test_auth import sign_in

pytestmark = pytest.mark.anyio
EXPIRY = (today_vn() + timedelta(days=300)).isoformat()
TODAY = today_vn().isoformat()


def receipt_form(key: str) -> dict[str, str]:
    return {
        "facility": "TTYT-MT",
        "supplier": "CDC-LC",
        "idempotency_key": key,
        "lines[0].product": "MR",
        "lines[0].lot_number": "MR-PAGE",
        "lines[0].expires_on": EXPIRY,
        "lines[0].doses": "50",
        "lines[0].location": "TL-01",
        "lines[0].vvm_stage": "1",
    }


async def test_a_double_submitted_form_posts_once(settings: Settings, api: Api) -> None:
    async with AsyncTestClient(app=create_app(settings)) as client:
        await sign_in(client, "keeper")
        form = {**receipt_form("form-key-123456"), "_csrf_token": client.cookies.get("csrftoken", "")}
        first = await client.post("/receive", data=form, follow_redirects=False)
        second = await client.post("/receive", data=form, follow_redirects=False)
        assert first.status_code == second.status_code == 303
        assert first.headers["location"] == second.headers["location"]
    stock = await api.read("/facilities/TTYT-MT/stock")
    assert [(r["lot_number"], r["doses"]) for r in stock["rows"]] == [("MR-PAGE", 50)]


async def test_a_receive_form_error_keeps_the_input_names_the_field_and_saves_nothing(
    settings: Settings, api: Api
) -> None:
    async with AsyncTestClient(app=create_app(settings)) as client:
        await sign_in(client, "keeper")
        form = {
            **receipt_form("form-key-654321"),
            "lines[0].doses": "55",
            "_csrf_token": client.cookies.get("csrftoken", ""),
        }
        response = await client.post("/receive", data=form)
        assert response.status_code == 422
        assert 'data-error-for="lines[0].doses"' in response.text
        assert "55 liều không phải là số lọ nguyên" in response.text  # in the page's language
        assert 'value="MR-PAGE"' in response.text and 'value="55"' in response.text
    assert (await api.read("/facilities/TTYT-MT/stock"))["rows"] == []


PAGES = ["/", "/stock", "/documents", "/stock-card", "/lots", "/confirm"]
WRITE_PAGES = ["/receive", "/issue", "/return", "/adjust", "/count", "/usage"]


@pytest.mark.parametrize(
    ("username", "own", "other"),
    [
        ("admin", "TTYT-MT", "CDC-LC"),
        ("keeper", "TTYT-MT", "CDC-LC"),
        ("commune", "TYT-03451", "TTYT-MT"),
        ("viewer", "TTYT-MT", "CDC-LC"),
    ],
)
async def test_pages_answer_each_role_for_its_own_and_other_facilities(
    settings: Settings, username: str, own: str, other: str
) -> None:
    reads_everything = username in {"admin", "viewer"}
    async with AsyncTestClient(app=create_app(settings)) as client:
        await sign_in(client, username)
        for path in PAGES:
            mine = await client.get(f"{path}?facility={own}", follow_redirects=False)
            assert mine.status_code == 200, f"{username} {path} own: {mine.status_code}"
            theirs = await client.get(f"{path}?facility={other}", follow_redirects=False)
            if path in {"/lots", "/stock-card"}:
                continue  # not facility-scoped until a lot is chosen
            expected = 200 if reads_everything else 403
            assert theirs.status_code == expected, f"{username} {path} other: {theirs.status_code}"
        for path in WRITE_PAGES:
            mine = await client.get(f"{path}?facility={own}", follow_redirects=False)
            assert mine.status_code == (403 if username == "viewer" else 200), f"{username} {path} own"
            theirs = await client.get(f"{path}?facility={other}", follow_redirects=False)
            assert theirs.status_code == (200 if username == "admin" else 403), f"{username} {path} other"
        audit = await client.get("/audit", follow_redirects=False)
        assert audit.status_code == (200 if username == "admin" else 403)
        refused = await client.post(
            "/adjust",
            data={
                "facility": other,
                "_csrf_token": client.cookies.get("csrftoken", ""),
                "idempotency_key": "k-000000001",
                "lines[0].product": "BCG",
                "lines[0].lot_number": "X",
                "lines[0].location": "TL-01",
                "lines[0].doses": "1",
                "lines[0].reason": "found",
            },
        )
        assert refused.status_code in ({403} if username != "admin" else {422})


async def test_the_count_sheet_has_one_printable_section_per_location_and_posts_as_one_count(
    settings: Settings, api: Api
) -> None:
    lines = [
        {"product": "MR", "lot_number": lot, "expires_on": EXPIRY, "doses": 50, "location": location}
        for lot, location in (("MR-C1", "TL-01"), ("MR-C2", "TL-02"), ("MR-C3", "TL-01"))
    ]
    await api.ok("/receipts", {"facility": "TTYT-MT", "supplier": "CDC-LC", "lines": lines})
    async with AsyncTestClient(app=create_app(settings)) as client:
        await sign_in(client, "keeper")
        sheet = await client.get("/count")
        assert sheet.status_code == 200
        sections = re.findall(
            r'<section class="count-location" data-location="([^"]+)">(.*?)</section>', sheet.text, re.S
        )
        assert [location for location, _ in sections] == ["TL-01", "TL-02"]
        assert [re.findall(r">(MR-C\d)<", body) for _, body in sections] == [["MR-C1", "MR-C3"], ["MR-C2"]]
        names = dict(
            re.findall(r'name="(lines\[\d+\]\.(?:location|lot_number))" value="([^"]+)"', sheet.text)
        )
        form = {"facility": "TTYT-MT", "idempotency_key": "count-sheet-key-1", "counted_on": TODAY}
        form |= {k: v for k, v in names.items()}
        form |= {k.replace("lot_number", "product"): "MR" for k in names if k.endswith("lot_number")}
        # counted as on the shelf: MR comes in 10-dose vials; MR-C2 has 4 vials and 0 loose doses, not 5
        index = {v: k.split(".")[0] for k, v in names.items() if k.endswith("lot_number")}
        form |= {f"{index[lot]}.counted_vials": "4" if lot == "MR-C2" else "5" for lot in index}
        form |= {f"{index[lot]}.counted_loose": "0" for lot in index}
        form["_csrf_token"] = client.cookies.get("csrftoken", "")
        review = await client.post("/count", data={**form, "step": "review"})
        assert review.status_code == 200, review.text
        assert "Chưa lưu" in review.text and re.findall(r'class="diff">([^<]+)<', review.text) == ["-10"]
        assert (await api.read("/facilities/TTYT-MT/stock"))["rows"][0]["doses"] == 50  # nothing written yet
        carried = dict(re.findall(r'name="(lines\[\d+\]\.counted_doses)" value="(\d+)"', review.text))
        confirm = {**form, **carried, "step": "post"}
        unexplained = await client.post("/count", data=confirm)
        assert unexplained.status_code == 422 and "Chọn lý do chênh lệch" in unexplained.text
        confirm[f"{index['MR-C2']}.difference_reason"] = "broken"
        posted = await client.post("/count", data=confirm, follow_redirects=False)
        assert posted.status_code == 303, posted.text
    stock = await api.read("/facilities/TTYT-MT/stock")
    assert sorted((r["lot_number"], r["doses"]) for r in stock["rows"]) == [
        ("MR-C1", 50),
        ("MR-C2", 40),
        ("MR-C3", 50),
    ]


async def test_proposing_again_replaces_the_old_proposal(settings: Settings, api: Api) -> None:
    lots = [
        {"product": "MR", "lot_number": n, "expires_on": EXPIRY, "doses": d, "location": "TL-01"}
        for n, d in (("MR-A", 20), ("MR-B", 30))
    ]
    await api.ok("/receipts", {"facility": "TTYT-MT", "supplier": "CDC-LC", "lines": lots})
    async with AsyncTestClient(app=create_app(settings)) as client:
        await sign_in(client, "keeper")
        token = client.cookies.get("csrftoken", "")
        base = {"facility": "TTYT-MT", "to_facility": "TYT-03451", "action": "propose", "_csrf_token": token}
        first = await client.post(
            "/issue", data={**base, "want.MR": "40", "idempotency_key": "issue-key-000001"}
        )
        old_lines = dict(re.findall(r'name="(lines\[\d+\]\.\w+)" [^>]*value="([^"]*)"', first.text))
        assert old_lines["lines[1].lot_number"] == "MR-B"
        again = await client.post(
            "/issue", data={**base, **old_lines, "want.MR": "20", "idempotency_key": "issue-key-000001"}
        )
        assert "lines[1]." not in again.text  # only MR-A 20 is proposed now
        posted = dict(re.findall(r'name="(lines\[\d+\]\.\w+)" [^>]*value="([^"]*)"', again.text))
        issue = {**base, **posted, "action": "post", "idempotency_key": "issue-key-000001"}
        response = await client.post("/issue", data=issue, follow_redirects=False)
        assert response.status_code == 303, response.text
    stock = await api.read("/facilities/TTYT-MT/stock")
    assert sorted((r["lot_number"], r["doses"]) for r in stock["rows"]) == [("MR-B", 30)]


async def test_a_spent_form_key_gets_a_visible_reason_and_a_new_key(settings: Settings) -> None:
    async with AsyncTestClient(app=create_app(settings)) as client:
        await sign_in(client, "keeper")
        form = {**receipt_form("form-key-777777"), "_csrf_token": client.cookies.get("csrftoken", "")}
        assert (await client.post("/receive", data=form, follow_redirects=False)).status_code == 303
        reused = await client.post("/receive", data={**form, "lines[0].lot_number": "MR-OTHER"})
        assert reused.status_code == 422
        assert (
            "Idempotency-Key này đã dùng cho một yêu cầu khác" in reused.text
        )  # shown, not filed under a hidden field
        assert 'value="form-key-777777"' not in reused.text  # a fresh key: the corrected form can be sent
        assert 'value="MR-OTHER"' in reused.text


async def test_the_audit_filter_and_export_take_empty_and_written_dates(settings: Settings) -> None:
    async with AsyncTestClient(app=create_app(settings)) as client:
        await sign_in(client, "admin")
        empty = "username=&action=&facility=&date_from=&date_to="
        assert (await client.get(f"/audit?{empty}")).status_code == 200
        assert (await client.get(f"/audit.csv?{empty}")).status_code == 200
        assert (await client.get("/audit?date_from=01/11/2026")).status_code == 200
        bad = await client.get("/audit?date_from=31/02/2026")
        assert bad.status_code == 422 and 'data-error-for="date_from"' in bad.text
        card = await client.get("/stock-card?product=MR&lot_number=X&date_from=")
        # an empty day is no day: only the unknown lot X is refused (422, the card's form shown again)
        assert card.status_code == 422 and 'data-error-for="lot_number"' in card.text
        assert 'data-error-for="date_from"' not in card.text


async def test_a_lot_number_with_a_slash_can_be_held_from_the_lots_page(settings: Settings, api: Api) -> None:
    line = {"product": "MR", "lot_number": "AB/12", "expires_on": EXPIRY, "doses": 50, "location": "TL-01"}
    await api.ok("/receipts", {"facility": "TTYT-MT", "supplier": "CDC-LC", "lines": [line]})
    async with AsyncTestClient(app=create_app(settings)) as client:
        await sign_in(client, "keeper")
        form = {"product": "MR", "lot_number": "AB/12", "reason": "broken cold box seal"}
        response = await client.post(
            "/lots/hold",
            data={**form, "_csrf_token": client.cookies.get("csrftoken", "")},
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text
    held = {
        (x["product"], x["lot_number"]): x["on_hold"] for x in (await api.read("/lots", limit=500))["items"]
    }
    assert held[("MR", "AB/12")] is True


async def test_a_reversal_reason_with_a_nul_character_or_none_is_refused_on_the_page(
    settings: Settings, api: Api
) -> None:
    line = {"product": "MR", "lot_number": "MR-REV", "expires_on": EXPIRY, "doses": 50, "location": "TL-01"}
    receipt = await api.ok("/receipts", {"facility": "TTYT-MT", "supplier": "CDC-LC", "lines": [line]})
    async with AsyncTestClient(app=create_app(settings)) as client:
        await sign_in(client, "keeper")
        token = client.cookies.get("csrftoken", "")
        path = f"/documents/{receipt['id']}/reverse"
        for reason in ("wrong\x00lot", "", "x"):
            form = {"reason": reason, "idempotency_key": f"reverse-{len(reason)}-0001", "_csrf_token": token}
            refused = await client.post(path, data=form)
            assert refused.status_code == 422, (reason, refused.text[:300])
            named = "Lý do chứa ký tự NUL" if "\x00" in reason else 'data-error-for="reason"'
            assert named in refused.text  # a NUL is refused before the form is read (problems.check_request)
        assert (await api.read(f"/documents/{receipt['id']}"))["reversed_by_document_id"] is None
        form = {"reason": "typed the wrong lot", "idempotency_key": "reverse-ok-0001", "_csrf_token": token}
        assert (await client.post(path, data=form, follow_redirects=False)).status_code == 303
