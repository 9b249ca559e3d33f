"""schemathesis over the whole API: every operation of /schema/openapi.json, as a user of each role, with
generated requests; no answer is a 5xx, and every answer is one the schema documents (status code, media
type, headers, body). Runs on the test database of the pass (SQLite, then PostgreSQL).

Budget: VAXSTOCK_SCHEMATHESIS_EXAMPLES generated requests per operation and role (default 3: about 80
operations × 4 roles × 3 ≈ 900 requests a pass, which keeps both CI passes within their time). The counts are printed at the end.
"""

from __future__ import annotations

import os
from collections import Counter
from typing import Any

import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase
from litestar.testing import TestClient
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from inventory.app import create_app
from inventory.settings import Settings
from tests.conftest import TOKENS
from tests.integration.ledger_samples import lot, receipt

ROLES = {"admin": "admin", "store_keeper": "keeper", "commune_worker": "commune", "viewer": "viewer"}
"""One test user of each role (tests/conftest.py TEST_USERS)."""
EXAMPLES = int(os.environ.get("VAXSTOCK_SCHEMATHESIS_EXAMPLES", "3"))
CHECKS = [
    schemathesis.checks.not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
"""What issue 11 asks of every answer: no 5xx, and conforming to the schema. Left out: schemathesis's
checks of whether the API accepts or refuses a generated request (positive_data_acceptance,
negative_data_rejection...), which judge the business rules (an unknown facility code that fits the schema
is rightly refused with 422) rather than the answers."""


def _stock(settings: Settings) -> None:
    """Something to read: a receipt at the district store and an issue in transit to a commune."""
    with TestClient(app=create_app(settings)) as client:
        headers = {"Authorization": f"Bearer {TOKENS['admin']}", "Idempotency-Key": "schemathesis-1"}
        received = client.post("/api/v1/receipts", json=receipt(lot("BCG", "ST-1", 200)), headers=headers)
        headers["Idempotency-Key"] = "schemathesis-2"
        assert received.status_code == 201, received.text
        issue = {
            "facility": "TTYT-MT",
            "to_facility": "TYT-03451",
            "lines": [{"product": "BCG", "doses": 20}],
        }
        assert client.post("/api/v1/issues", json=issue, headers=headers).status_code == 201


def _generated(
    operation: Any, role: str, headers: dict[str, str], calls: Counter[str], statuses: Counter[int]
) -> Any:
    """A hypothesis test sending generated requests of one operation as one user, checking each answer."""

    @hypothesis.settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @hypothesis.given(case=operation.as_strategy())
    def run(case: Any) -> None:
        response = case.call(headers=headers)
        calls[role] += 1
        statuses[response.status_code] += 1
        case.validate_response(response, checks=CHECKS, headers=headers)

    return run


def test_every_operation_answers_as_its_schema_says_for_every_role(settings: Settings) -> None:
    _stock(settings)
    app = create_app(settings)
    schema = schemathesis.openapi.from_asgi(
        "/schema/openapi.json", app, headers={"Authorization": f"Bearer {TOKENS['admin']}"}
    )
    calls: Counter[str] = Counter()
    statuses: Counter[int] = Counter()
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    # revoking generated token ids ends the test users' own tokens (as it should): that operation goes last,
    # so that the others are tried with tokens that still work
    operations.sort(key=lambda operation: "revoke" in operation.path)
    for operation in operations:
        for role, username in ROLES.items():
            headers = {"Authorization": f"Bearer {TOKENS[username]}"}
            try:
                _generated(operation, role, headers, calls, statuses)()
            except Exception as exc:  # every failure of every operation is reported, not the first only
                failures.append(f"{operation.label} as {role}: {str(exc)[:1500]}")
    print(
        f"\nschemathesis: {len(operations)} operations x {len(ROLES)} roles, "
        f"{sum(calls.values())} requests ({EXAMPLES} examples at most per operation and role); "
        f"by role {dict(sorted(calls.items()))}; by status {dict(sorted(statuses.items()))}; "
        f"{len(failures)} failing operation x role"
    )
    assert not failures, "\n\n".join(failures)


@pytest.fixture(autouse=True)
def _show_counts(capsys: pytest.CaptureFixture[str]) -> Any:
    """The counts go to the output even when the test passes (-s is not needed)."""
    yield
    with capsys.disabled():
        out = capsys.readouterr().out
        print(out.strip())
