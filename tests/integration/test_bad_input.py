"""Input a client gets wrong is answered 4xx with a code and the field, never 5xx, on both databases."""

from __future__ import annotations

import pytest

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
        (b'{"facility": "\xff\xfe", "lines": []}', "not valid UTF-8"),
        (b"[" * 5000 + b"]" * 5000, "nested too deep"),
    ],
    ids=["invalid-utf8", "nested-5000-deep"],
)
async def test_a_body_that_cannot_be_read_is_a_client_error(api, body: bytes, reason: str) -> None:
    before = await api.read("/facilities/TTYT-MT/documents")
    response = await api.post("/issues", raw=body)
    assert response.status_code == 400, response.text
    assert response.json()["code"] == "malformed_body" and reason in response.json()["detail"]
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
