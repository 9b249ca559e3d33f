"""A refusal reads in the reader's language on the API: Vietnamese by default and with `Accept-Language: vi`,
English with `en`; the code, the catalogue key and the parameters are the same in both. The expected texts
are written here by hand (not read from the catalogue), numbers and dates the way each language writes them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.conftest import TOKENS
from tests.integration.conftest import Api
from tests.integration.ledger_samples import COMMUNE, DISTRICT, TODAY, lot, receipt

pytestmark = pytest.mark.anyio

VI = {"Accept-Language": "vi"}
EN = {"Accept-Language": "en-GB,en;q=0.9"}


async def _both(api: Api, method: str, path: str, **kw: Any) -> tuple[dict, dict, dict]:
    """The problem document by default, in Vietnamese and in English (a new Idempotency-Key each time)."""
    answers = []
    for language in ({}, VI, EN):
        headers = {**api.auth, **language}
        if method == "GET":
            response = await api.client.get(f"/api/v1{path}", headers=headers)
        else:
            headers["Idempotency-Key"] = f"language-{len(answers)}-{path.strip('/').replace('/', '-')}-0001"
            response = await api.client.post(f"/api/v1{path}", headers=headers, **kw)
        assert response.headers["content-type"].startswith("application/problem+json"), response.text
        answers.append(response.json())
    default, vi, en = answers
    assert default == vi  # Vietnamese first
    for key in ("code", "field", "message", "params", "status"):
        assert vi.get(key) == en.get(key), key
    return default, vi, en


async def test_refusals_read_in_vietnamese_or_english_by_accept_language(api: Api) -> None:
    _, vi, en = await _both(api, "GET", "/documents/123456")
    assert vi["status"] == 404 and vi["message"] == "error.not_found.document"
    assert vi["detail"] == "Không có chứng từ số 123.456"
    assert en["detail"] == "No document 123,456"

    expired = TODAY - timedelta(days=5)
    body = receipt(lot("PENTA", "OLD-1", 100, expires_in_days=-5))
    _, vi, en = await _both(api, "POST", "/receipts", json=body)
    assert vi["status"] == 422 and vi["field"] == "lines[0].expires_on"
    assert vi["detail"] == f"Lô OLD-1 đã hết hạn ngày {expired:%d/%m/%Y}; không nhận lô hết hạn"
    assert en["detail"] == f"Lot OLD-1 expired on {expired.isoformat()}; an expired lot is not received"

    issue = {"facility": DISTRICT, "to_facility": COMMUNE, "lines": [{"product": "PENTA", "doses": 1000}]}
    _, vi, en = await _both(api, "POST", "/issues", json=issue)
    assert vi["status"] == 409 and vi["code"] == "insufficient_stock" and vi["field"] == "lines[0].doses"
    assert vi["detail"] == "Chỉ còn 0 liều dùng được, yêu cầu 1.000 liều"
    assert en["detail"] == "Only 0 usable doses are available, 1,000 were asked for"

    rows = "child_id,sex,birth_date,commune_code\nA1,X,01/02/2026,03451\n"
    files = {"file": ("register.csv", rows.encode(), "text/csv")}
    _, vi, en = await _both(api, "POST", "/register/imports", files=files)
    assert vi["status"] == 422 and vi["field"] == "file" and vi["message"] == "error.import.failed"
    assert [(p["row"], p["column"], p["message"]) for p in vi["problems"]] == [
        (2, "sex", "error.register.sex")
    ]
    assert vi["problems"][0]["detail"] == "dòng 2, cột sex: «X» không phải là M/F (Nam/Nữ)"
    assert en["problems"][0]["detail"] == "row 2, column sex: «X» is not M/F (Nam/Nữ)"
    assert vi["detail"] == "Không nhập được gì (1 lỗi): dòng 2, cột sex: «X» không phải là M/F (Nam/Nữ)"
    assert en["detail"] == "Nothing was imported (1 problem(s)): row 2, column sex: «X» is not M/F (Nam/Nữ)"

    for token, vi_text, en_text in (
        (None, "Cần đăng nhập", "Sign-in required"),
        ("vxs_not-a-token", "Mã API không đúng hoặc đã bị thu hồi", "Unknown or revoked API token"),
    ):
        auth = {"Authorization": f"Bearer {token}"} if token else {}
        refused_vi = await api.client.get("/api/v1/products", headers={**auth, **VI})
        refused_en = await api.client.get("/api/v1/products", headers={**auth, **EN})
        assert refused_vi.status_code == refused_en.status_code == 401
        assert refused_vi.json()["detail"] == vi_text and refused_en.json()["detail"] == en_text

    viewer = {"Authorization": f"Bearer {TOKENS['viewer']}"}
    refused = await api.client.get("/api/v1/audit-events", headers={**viewer, **EN})
    assert refused.status_code == 403 and refused.json()["message"] == "error.forbidden.read_audit"
    assert refused.json()["detail"] == "viewer (viewer) may not read the audit trail"
    refused = await api.client.get("/api/v1/audit-events", headers={**viewer, **VI})
    assert refused.json()["detail"] == "viewer (viewer) không được xem nhật ký thao tác"
