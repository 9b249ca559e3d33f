"""Input a client gets wrong is answered 4xx with a code and the field, never 5xx, on both databases."""

from __future__ import annotations

import pytest
from litestar.testing import AsyncTestClient

from inventory.app import create_app
from tests.integration.test_auth import sign_in

pytestmark = pytest.mark.anyio

NUL_IN_PARAMETERS = [
    ("/facilities/TT%00YT/stock", "facility"),
    ("/facilities/TTYT-MT%00/documents", "facility"),
    ("/facilities/TTYT-MT/stock-card?product=B%00CG&lot_number=x", "product"),
    ("/lots/BCG/x%00y", "lot_number"),
    ("/lots?product=B%00CG", "product"),
    ("/lot?product=BCG&lot_number=a%00b", "lot_number"),
    ("/shipments?facility=T%00T", "facility"),
    ("/proposals?facility=TTYT-MT&product=B%00CG&doses=10", "product"),
]


@pytest.mark.parametrize(("path", "field"), NUL_IN_PARAMETERS)
async def test_a_nul_character_in_a_path_or_query_parameter_is_refused_naming_it(
    api, path: str, field: str
) -> None:
    response = await api.client.get(f"/api/v1{path}", headers=api.auth)
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["code"] == "validation_failed" and problem["field"] == field


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b'{"facility": "\xff\xfe", "lines": []}', "error.malformed_body.not_utf8"),
        (b"[" * 5000 + b"]" * 5000, "error.input.expected_object"),
        (b'{"facility": "TTYT-MT", "lines": [', "error.malformed_body.not_json"),
    ],
    ids=["invalid-utf8", "nested-5000-deep", "truncated-json"],
)
async def test_a_body_that_cannot_be_read_is_a_client_error(api, body: bytes, reason: str) -> None:
    before = await api.read("/facilities/TTYT-MT/documents")
    response = await api.post("/issues", raw=body)
    assert response.status_code in (400, 422), response.text
    assert response.json()["message"] == reason
    assert response.json()["code"] == (
        "malformed_body" if response.status_code == 400 else "validation_failed"
    )
    assert await api.read("/facilities/TTYT-MT/documents") == before


async def test_every_refusal_carries_a_machine_readable_code(api) -> None:
    unknown = await api.post(
        "/issues",
        {"facility": "NO-SUCH", "to_facility": "TYT-03451", "lines": [{"product": "BCG", "doses": 1}]},
    )
    assert unknown.status_code == 422 and unknown.json()["code"] == "unknown_reference"
    schema = await api.post("/issues", {"facility": "TTYT-MT", "lines": []})
    assert schema.status_code in (400, 422) and schema.json()["code"] == "validation_failed"
    missing = await api.client.get("/api/v1/documents/999999", headers=api.auth)
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"


ISSUE = {"facility": "TTYT-MT", "to_facility": "TYT-03451", "lines": [{"product": "BCG", "doses": 10}]}


def _issue(**line: object) -> dict:
    return {**ISSUE, "lines": [{**ISSUE["lines"][0], **line}]}


WRONG_TYPES = [
    # (body, field, message key): a JSON body is read strictly: nothing is converted
    (_issue(doses="10"), "lines[0].doses", "error.input.expected_integer"),
    (_issue(doses=10.0), "lines[0].doses", "error.input.expected_integer"),
    (_issue(doses=True), "lines[0].doses", "error.input.expected_integer"),
    (_issue(doses=0), "lines[0].doses", "error.input.integer_above"),
    (_issue(doses=10**30), "lines[0].doses", "error.input.integer_at_most"),
    (_issue(product=12), "lines[0].product", "error.input.expected_text"),
    (_issue(product=""), "lines[0].product", "error.input.text_min"),
    (_issue(product="B\x00CG"), "lines[0].product", "error.input.nul"),
    (_issue(colour="blue"), "lines[0].colour", "error.input.unknown"),
    ({**ISSUE, "occurred_on": 20240101}, "occurred_on", "error.input.expected_date"),
    ({**ISSUE, "occurred_on": "2024-13-01"}, "occurred_on", "error.input.date"),
    ({**ISSUE, "lines": []}, "lines", "error.input.list_min"),
    ({**ISSUE, "lines": {"product": "BCG"}}, "lines", "error.input.expected_list"),
    ({"facility": "TTYT-MT", "lines": ISSUE["lines"]}, "to_facility", "error.input.missing"),
    ({**ISSUE, "lines": [{"product": [[[[[[[[[[["BCG"]]]]]]]]]]], "doses": 1}]}, "lines[0].product", None),
]


@pytest.mark.parametrize(("body", "field", "message"), WRONG_TYPES)
async def test_a_value_of_the_wrong_type_or_size_is_refused_naming_the_field_and_nothing_is_written(
    api, body: dict, field: str, message: str | None
) -> None:
    before = await api.read("/facilities/TTYT-MT/documents")
    response = await api.post("/issues", body)
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["code"] == "validation_failed" and problem["field"] == field
    if message:
        assert problem["message"] == message
    assert await api.read("/facilities/TTYT-MT/documents") == before


@pytest.mark.parametrize(
    ("language", "text"),
    [("vi", "Số liều phải là số nguyên lớn hơn 0"), ("en", "Doses must be a whole number greater than 0")],
)
async def test_the_refusal_is_written_in_the_reader_s_language(api, language: str, text: str) -> None:
    response = await api.client.post(
        "/api/v1/issues",
        json=_issue(doses=0),
        headers={**api.auth, "Idempotency-Key": f"lang-{language}", "Accept-Language": language},
    )
    assert response.status_code == 422 and response.json()["detail"] == text
    assert response.json()["params"] == {"bound": 0}


async def test_a_string_where_an_integer_belongs_is_refused_in_every_posting_body(api) -> None:
    confirm = await api.post(
        "/shipments/1/confirm",
        {"lines": [{"product": "BCG", "lot_number": "L", "doses_received": "5", "vvm_stage": 1}]},
    )
    assert confirm.status_code == 422 and confirm.json()["field"] == "lines[0].doses_received"
    vvm = await api.post("/lots/BCG/L-1/vvm", {"vvm_stage": "2"})
    assert vvm.status_code == 422 and vvm.json()["field"] == "vvm_stage"
    alarm = await api.post(
        "/shipments/1/confirm",
        {
            "lines": [
                {
                    "product": "BCG",
                    "lot_number": "L",
                    "doses_received": 5,
                    "vvm_stage": 1,
                    "freeze_indicator_alarm": "false",
                }
            ]
        },
    )
    assert alarm.status_code == 422 and alarm.json()["message"] == "error.input.expected_boolean"


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("limit=abc", "limit", "error.input.expected_integer"),
        ("limit=0", "limit", "error.input.integer_above"),
        ("limit=100000", "limit", "error.input.integer_at_most"),
    ],
)
async def test_a_query_parameter_of_the_wrong_type_is_refused_naming_it(
    api, query: str, field: str, message: str
) -> None:
    response = await api.client.get(f"/api/v1/facilities/TTYT-MT/documents?{query}", headers=api.auth)
    assert response.status_code == 422, response.text
    assert response.json()["field"] == field and response.json()["message"] == message


@pytest.mark.parametrize(
    "path", ["/api/v1/register/imports", "/api/v1/facilities/TTYT-MT/locations/TL-01/temperature-files"]
)
async def test_an_upload_without_its_file_part_is_refused_naming_the_part(api, path: str) -> None:
    headers = {**api.auth, "Idempotency-Key": "upload-no-file"}
    response = await api.client.post(path, files={"other": ("x.csv", b"a,b\n", "text/csv")}, headers=headers)
    assert response.status_code == 422, response.text
    assert response.json()["field"] == "file" and response.json()["message"] == "error.input.missing"
    empty = await api.client.post(
        path,
        content=b"",
        headers={**headers, "Content-Type": "multipart/form-data; boundary=xyz"},
    )
    assert empty.status_code == 422 and empty.json()["field"] == "file", empty.text


async def test_a_register_upload_of_another_media_type_is_refused_naming_it(api) -> None:
    headers = {**api.auth, "Idempotency-Key": "upload-json"}
    response = await api.client.post("/api/v1/register/imports", json={"file": "x"}, headers=headers)
    assert response.status_code == 415, response.text
    problem = response.json()
    assert problem["code"] == "unsupported_media_type" and problem["field"] == "Content-Type"
    assert problem["params"] == {"expected": "multipart/form-data"}


async def test_a_body_over_the_size_limit_is_refused_with_413_and_nothing_is_written(settings) -> None:
    from dataclasses import replace

    from litestar.testing import AsyncTestClient

    from inventory.app import create_app
    from tests.conftest import TOKENS

    small = replace(settings, max_body_bytes=2_000)
    async with AsyncTestClient(app=create_app(small)) as client:
        headers = {"Authorization": f"Bearer {TOKENS['admin']}", "Idempotency-Key": "too-large-1"}
        body = {**ISSUE, "note": "x" * 1_900, "reference": "R-1"}
        response = await client.post("/api/v1/issues", json=body, headers=headers)
        assert response.status_code == 413, response.text
        problem = response.json()
        assert problem["code"] == "body_too_large" and problem["params"] == {"limit": 2_000}
        upload = await client.post(
            "/api/v1/register/imports",
            files={"file": ("big.csv", b"x" * 5_000, "text/csv")},
            headers={**headers, "Idempotency-Key": "too-large-2"},
        )
        assert upload.status_code == 413 and upload.json()["code"] == "body_too_large"
        documents = await client.get("/api/v1/facilities/TTYT-MT/documents", headers=headers)
        assert documents.json()["items"] == []


NUL_IN_FORMS = [
    ("/receive", {"facility": "TT\x00YT", "supplier": "CDC-LC"}, "Cơ sở"),
    ("/issue", {"facility": "TTYT-MT", "to_facility": "TYT\x00", "want.BCG": "10"}, "Nơi nhận"),
    ("/lots/hold", {"product": "B\x00CG", "lot_number": "x", "reason": "tested"}, "Vắc xin"),
    ("/forecast/settings", {"name": "x", "value": "1", "scope_facility": "T\x00"}, "Áp dụng cho cơ sở"),
    ("/reports/submit", {"kind": "usage", "period": "2026-11", "note": "a\x00b"}, "Ghi chú"),
    ("/account/profile", {"full_name": "A\x00B", "title": ""}, "Họ tên"),
]


@pytest.mark.parametrize(("path", "form", "field"), NUL_IN_FORMS, ids=[p for p, _, _ in NUL_IN_FORMS])
async def test_a_nul_character_in_any_field_of_a_page_form_is_refused_naming_it(
    settings, api, path: str, form: dict[str, str], field: str
) -> None:
    documents = (await api.read("/facilities/TTYT-MT/documents"))["total"]
    async with AsyncTestClient(app=create_app(settings)) as client:
        await sign_in(client, "admin")
        sent = {
            **form,
            "idempotency_key": "nul-form-0001",
            "_csrf_token": client.cookies.get("csrftoken", ""),
        }
        response = await client.post(path, data=sent)
    assert response.status_code == 422, response.text[:500]
    assert f"{field} chứa ký tự NUL" in response.text
    assert (await api.read("/facilities/TTYT-MT/documents"))["total"] == documents


async def test_a_report_kind_or_a_full_name_too_long_for_its_column_is_refused_on_the_page(settings) -> None:
    async with AsyncTestClient(app=create_app(settings)) as client:
        await sign_in(client, "keeper")
        token = client.cookies.get("csrftoken", "")
        kind = {"kind": "u" * 5000, "period": "2026-11", "facility": "TTYT-MT", "_csrf_token": token}
        refused = await client.post("/reports/submit", data={**kind, "idempotency_key": "long-kind-0001"})
        assert refused.status_code == 422 and "không có: usage, results hoặc stock" in refused.text
        name = {"full_name": "Lò " * 100, "title": "", "_csrf_token": token}
        refused = await client.post("/account/profile", data=name)
        assert refused.status_code == 422 and "Họ tên dài tối đa 200 ký tự" in refused.text
        shown = await client.get("/account")
        assert "Lò Lò" not in shown.text  # nothing saved
