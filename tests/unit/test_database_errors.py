"""How the app answers a database error: a cancelled lock cycle is a 409 to send again, anything else a 500."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from sqlalchemy.exc import DBAPIError

from inventory.app import database_error_to_response


class _DriverError(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


def _answer(sqlstate: str) -> tuple[int, dict]:
    request = SimpleNamespace(url=SimpleNamespace(path="/api/v1/issues"), cookies={})
    error = DBAPIError("INSERT ...", {}, _DriverError(sqlstate))
    response = database_error_to_response(request, error)  # type: ignore[arg-type]
    return response.status_code, json.loads(json.dumps(response.content))


@pytest.mark.parametrize("sqlstate", ["40P01", "40001"])
def test_a_cancelled_lock_cycle_asks_for_the_same_request_again(sqlstate: str) -> None:
    status, body = _answer(sqlstate)
    assert status == 409 and body["title"] == "Conflict"
    assert "nothing was written" in body["detail"] and "send the same request again" in body["detail"]


def test_any_other_database_error_is_a_server_error(caplog: pytest.LogCaptureFixture) -> None:
    status, body = _answer("23502")
    assert status == 500 and body["detail"] == "the database refused the request"
    assert "database error" in caplog.text


def test_a_lost_connection_asks_for_the_same_request_again(caplog: pytest.LogCaptureFixture) -> None:
    """Lost under a statement sent straight to the driver (ConnectionLost) or under SQLAlchemy's own (its
    error says the connection was invalidated): a 503 to send again, not a server error."""
    from inventory.db import ConnectionLost

    request = SimpleNamespace(url=SimpleNamespace(path="/api/v1/issues"), cookies={})
    for error in (
        ConnectionLost("connection is closed"),
        DBAPIError("SELECT ...", {}, _DriverError("08006"), connection_invalidated=True),
    ):
        response = database_error_to_response(request, error)  # type: ignore[arg-type]
        body = json.loads(json.dumps(response.content))
        assert response.status_code == 503 and body["title"] == "Service Unavailable"
        assert "send the same request again" in body["detail"]
    assert "database error" not in caplog.text
