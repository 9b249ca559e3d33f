"""The ledger through its JSON API: receipts, issues, proposals, transfers, returns, adjustments and bad input."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.ledger_samples import (
    COMMUNE,
    DISTRICT,
    _issue,
    day,
    direct_receipt,
    document_count,
    lot,
    receipt,
    stock_doses,
)

pytestmark = pytest.mark.anyio


async def test_a_multi_line_document_with_one_bad_line_writes_nothing(stocked) -> None:
    api = stocked
    before, docs = await stock_doses(api), await document_count(api)
    response = await api.post(
        "/receipts", receipt(lot("MR", "MR-1", 50), lot("NOPE", "X-1", 10), lot("JE", "JE-1", 20))
    )
    assert response.status_code == 422
    assert response.json()["field"] == "lines[1].product"
    after = await api.post(
        "/issues",
        {
            "facility": DISTRICT,
            "to_facility": COMMUNE,
            "lines": [{"product": "PENTA", "doses": 10}, {"product": "IPV", "doses": 5000}],
        },
    )
    assert after.status_code == 409 and after.json()["field"] == "lines[1].doses"
    assert await stock_doses(api) == before and await document_count(api) == docs
    assert (await api.get("/lots/MR/MR-1")).status_code == 422


async def test_each_line_of_a_long_document_gets_the_id_of_its_own_movement(api) -> None:
    """150 lines, written by multi-row inserts on SQLite. The ids the posting answers with are
    the ids of the rows written for those lines, in line order, as the document read back shows them."""
    lines = [
        lot("PENTA", f"LONG-{n:03d}", 10 + n, location="TL-01" if n % 3 else "TL-02") for n in range(150)
    ]
    posted = await api.ok("/receipts", receipt(*lines))
    read = await api.read(f"/documents/{posted['id']}")
    written = {m["id"]: (m["lot_number"], m["location"], m["doses"]) for m in read["movements"]}
    answered = [(m["id"], (m["lot_number"], m["location"], m["doses"])) for m in posted["movements"]]
    assert [pair for _id, pair in answered] == [(x["lot_number"], x["location"], x["doses"]) for x in lines]
    assert {i: pair for i, pair in answered} == written
    assert [i for i, _pair in answered] == sorted(written)  # in line order, as the ledger numbered them


BAD_INPUTS = [
    ("negative doses", "/issues", _issue(line={"doses": -10}), 422, "lines[0].doses"),
    ("zero doses", "/issues", _issue(line={"doses": 0}), 422, "lines[0].doses"),
    ("fractional doses", "/issues", _issue(line={"doses": 2.5}), 422, "lines[0].doses"),
    ("unknown product", "/issues", _issue(line={"product": "XYZ"}), 422, "lines[0].product"),
    ("unknown lot", "/issues", _issue(line={"lot_number": "NO-SUCH-LOT"}), 422, "lines[0].lot_number"),
    ("unknown facility", "/issues", _issue(facility="NOWHERE"), 422, "facility"),
    ("unknown destination", "/issues", _issue(to_facility="NOWHERE"), 422, "to_facility"),
    ("unknown location", "/issues", _issue(line={"location": "FREEZER-9"}), 422, "lines[0].location"),
    ("expired lot", "/issues", _issue(line={"lot_number": "OLD-1", "doses": 10}), 422, "lines[0].lot_number"),
    ("held lot", "/issues", _issue(line={"lot_number": "HELD-1"}), 422, "lines[0].lot_number"),
    ("VVM stage 3", "/issues", _issue(line={"lot_number": "VVM3-1"}), 422, "lines[0].lot_number"),
    ("VVM stage 4", "/issues", _issue(line={"lot_number": "VVM4-1"}), 422, "lines[0].lot_number"),
    ("over-issue", "/issues", _issue(line={"doses": 1000}), 409, "lines[0].doses"),
    (
        "part vial above commune level",
        "/issues",
        _issue(line={"product": "BCG", "lot_number": "BCG-1", "doses": 15}),
        422,
        "lines[0].doses",
    ),
    ("future date", "/issues", _issue(occurred_on=day(1)), 422, "occurred_on"),
    ("back-dated beyond the window", "/issues", _issue(occurred_on=day(-31)), 422, "occurred_on"),
    ("unknown field", "/issues", _issue(colour="blue"), 422, "colour"),
    ("unknown field in a line", "/issues", _issue(line={"colour": "blue"}), 422, "lines[0].colour"),
    (
        "missing field",
        "/issues",
        {"facility": DISTRICT, "lines": [{"product": "PENTA", "doses": 1}]},
        422,
        "to_facility",
    ),
    (
        "receipt of an expired lot",
        "/receipts",
        receipt(lot("MR", "MR-OLD", 10, expires_in_days=-1)),
        422,
        "lines[0].expires_on",
    ),
    (
        "receipt of part vials at the district",
        "/receipts",
        receipt(lot("MR", "MR-2", 15)),
        422,
        "lines[0].doses",
    ),
    (
        "receipt at VVM stage 3",
        "/receipts",
        receipt(lot("MR", "MR-3", 10, vvm_stage=3)),
        422,
        "lines[0].vvm_stage",
    ),
    (
        "receipt with a different expiry for a known lot",
        "/receipts",
        receipt(lot("PENTA", "P-EARLY", 10, expires_in_days=201)),
        422,
        "lines[0].expires_on",
    ),
    (
        "adjustment with an unknown reason",
        "/adjustments",
        {
            "facility": DISTRICT,
            "lines": [
                {
                    "product": "PENTA",
                    "lot_number": "P-EARLY",
                    "location": "TL-01",
                    "doses": -1,
                    "reason": "eaten",
                }
            ],
        },
        422,
        "lines[0].reason",
    ),
    (
        "adjustment sign against its reason",
        "/adjustments",
        {
            "facility": DISTRICT,
            "lines": [
                {
                    "product": "PENTA",
                    "lot_number": "P-EARLY",
                    "location": "TL-01",
                    "doses": 5,
                    "reason": "broken",
                }
            ],
        },
        422,
        "lines[0].reason",
    ),
    (
        "usage of an expired lot",
        "/usage",
        {
            "facility": DISTRICT,
            "lines": [
                {
                    "product": "PENTA",
                    "lot_number": "OLD-1",
                    "location": "TL-01",
                    "doses_administered": 1,
                    "vials_opened": 1,
                }
            ],
        },
        422,
        "lines[0].lot_number",
    ),
]


@pytest.fixture
async def with_problem_lots(stocked):
    """Adds an expired lot, a held lot and lots at VVM stages 3 and 4 to the district."""
    api = stocked
    await api.ok("/receipts", receipt(lot("PENTA", "OLD-1", 20, expires_in_days=-10), occurred_on=day(-20)))
    await api.ok(
        "/receipts",
        receipt(lot("PENTA", "HELD-1", 20), lot("PENTA", "VVM3-1", 20), lot("PENTA", "VVM4-1", 20)),
    )
    await api.ok("/lots/PENTA/HELD-1/hold", {"reason": "freeze alarm in TL-01"})
    await api.ok("/lots/PENTA/VVM3-1/vvm", {"vvm_stage": 3})
    await api.ok("/lots/PENTA/VVM4-1/vvm", {"vvm_stage": 4})
    return api


@pytest.mark.parametrize(
    ("case", "path", "body", "status", "field"), BAD_INPUTS, ids=[c[0] for c in BAD_INPUTS]
)
async def test_bad_input_is_refused_naming_the_field_and_writes_nothing(
    with_problem_lots,
    case: str,
    path: str,
    body: dict[str, Any],
    status: int,
    field: str,
) -> None:
    api = with_problem_lots
    before, docs = await stock_doses(api), await document_count(api)
    response = await api.post(path, body)
    assert response.status_code == status, response.text
    problem = response.json()
    assert response.headers["content-type"].startswith("application/problem+json")
    assert problem["field"] == field, problem
    assert problem["detail"]
    assert await stock_doses(api) == before
    assert await document_count(api) == docs


async def test_over_issue_says_how_much_is_available(stocked) -> None:
    response = await stocked.post("/issues", _issue(line={"doses": 250}))
    assert response.status_code == 409
    assert response.json()["available"] == 100
    assert "100" in response.json()["detail"]


async def test_malformed_json_is_refused(stocked) -> None:
    response = await stocked.post("/issues", raw=b'{"facility": "TTYT-MT", "lines": [')
    assert response.status_code == 400
    assert response.json()["detail"]


async def test_the_proposal_puts_a_worse_vvm_first_then_the_earliest_expiry(stocked) -> None:
    proposal = await stocked.read("/proposals", facility=DISTRICT, product="BOPV", doses=300)
    assert [(p["lot_number"], p["doses"]) for p in proposal["lots"]] == [("B-STAGE2", 200), ("B-EARLY", 100)]
    penta = await stocked.read("/proposals", facility=DISTRICT, product="PENTA", doses=120)
    assert [(p["lot_number"], p["doses"], p["location"]) for p in penta["lots"]] == [
        ("P-EARLY", 100, "TL-01"),
        ("P-LATE", 20, "TL-02"),
    ]


async def test_choosing_other_lots_than_proposed_needs_a_reason(stocked) -> None:
    body = _issue(line={"lot_number": "P-LATE", "location": "TL-02"})
    refused = await stocked.post("/issues", body)
    assert refused.status_code == 422 and refused.json()["field"] == "override_reason"
    body["override_reason"] = "commune asked for the later lot to match its session plan"
    document = await stocked.ok("/issues", body)
    assert document["override_reason"].startswith("commune asked")
    following = await stocked.ok("/issues", _issue())
    assert following["override_reason"] is None


async def test_a_back_dated_issue_must_leave_every_later_day_non_negative(api) -> None:
    await api.ok("/receipts", receipt(lot("JE", "JE-5", 40), occurred_on=day(-10)))
    await api.ok(
        "/issues",
        {
            "facility": DISTRICT,
            "to_facility": COMMUNE,
            "occurred_on": day(-2),
            "lines": [{"product": "JE", "doses": 30}],
        },
    )
    # on day -5 there were 40 doses, but giving 20 away then would leave -10 after day -2
    response = await api.post(
        "/issues",
        {
            "facility": DISTRICT,
            "to_facility": "TYT-03463",
            "occurred_on": day(-5),
            "lines": [{"product": "JE", "lot_number": "JE-5", "location": "TL-01", "doses": 20}],
        },
    )
    assert response.status_code == 409, response.text
    assert response.json()["available"] == 10
    ok = await api.post(
        "/issues",
        {
            "facility": DISTRICT,
            "to_facility": "TYT-03463",
            "occurred_on": day(-5),
            "lines": [{"product": "JE", "lot_number": "JE-5", "location": "TL-01", "doses": 10}],
        },
    )
    assert ok.status_code == 201


async def test_a_transfer_moves_doses_between_fridges(stocked) -> None:
    await stocked.ok(
        "/transfers",
        {
            "facility": DISTRICT,
            "from_location": "TL-01",
            "to_location": "HL-01",
            "lines": [{"product": "IPV", "lot_number": "I-1", "doses": 20}],
        },
    )
    doses = await stock_doses(stocked)
    assert doses[("IPV", "I-1", "TL-01")] == 30 and doses[("IPV", "I-1", "HL-01")] == 20


async def test_a_commune_returns_stock_to_its_supplier(api) -> None:
    await api.ok("/direct-receipts", direct_receipt(lot("MR", "MR-R", 20, location="TL")))
    document = await api.ok(
        "/returns",
        {
            "facility": COMMUNE,
            "reason": "surplus after the campaign",
            "lines": [{"product": "MR", "lot_number": "MR-R", "location": "TL", "doses": 20}],
        },
    )
    assert document["counterparty"] == DISTRICT
    assert [(t["to_facility"], t["doses"]) for t in await api.read(f"/facilities/{DISTRICT}/in-transit")] == [
        (DISTRICT, 20)
    ]


# ---- postings sent as one statement (PostgreSQL; the same behaviour in a transaction on SQLite) -----------


async def test_drawing_where_no_balance_is_says_none_is_available_and_writes_nothing(stocked) -> None:
    api = stocked
    before, docs = await stock_doses(api), await document_count(api)
    for path, body in (
        (
            "/transfers",
            {
                "facility": DISTRICT,
                "from_location": "HL-01",
                "to_location": "TL-01",
                "lines": [{"product": "IPV", "lot_number": "I-1", "doses": 20}],
            },
        ),
        (
            "/adjustments",
            {
                "facility": DISTRICT,
                "lines": [
                    {
                        "product": "IPV",
                        "lot_number": "I-1",
                        "location": "TL-01",
                        "doses": 5,
                        "reason": "found",
                    },
                    {
                        "product": "IPV",
                        "lot_number": "I-1",
                        "location": "HL-01",
                        "doses": -5,
                        "reason": "lost",
                    },
                ],
            },
        ),
    ):
        response = await api.post(path, body)
        assert response.status_code == 409, response.text
        problem = response.json()
        assert problem["title"] == "Insufficient stock" and problem["message"].startswith("error.stock.short")
        assert problem["params"]["available"] == 0 and problem["detail"].startswith("Chỉ còn 0 liều")
        assert problem["field"] == ("lines[0].doses" if path == "/transfers" else "lines[1].doses")
    assert await stock_doses(api) == before and await document_count(api) == docs


async def test_a_nul_character_in_a_text_is_refused_naming_the_field(stocked) -> None:
    before, docs = await stock_doses(stocked), await document_count(stocked)
    body = {
        "facility": DISTRICT,
        "to_facility": COMMUNE,
        "note": "xe hỏng\u0000",
        "lines": [{"product": "IPV", "doses": 10}],
    }
    response = await stocked.post("/issues", body)
    assert response.status_code in (400, 422), response.text
    assert "NUL" in response.text and "note" in response.text
    line = {"product": "IPV\u0000", "doses": 10}
    response = await stocked.post("/issues", {**body, "note": None, "lines": [line]})
    assert response.status_code in (400, 422) and "lines[0]" in response.text, response.text
    assert await stock_doses(stocked) == before and await document_count(stocked) == docs
    proposal = await stocked.get("/proposals", facility="TTYT\u0000MT", product="IPV", doses=10)
    assert proposal.status_code == 422 and proposal.json()["field"] == "facility", proposal.text
