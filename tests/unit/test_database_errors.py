"""How the app answers a database error: a cancelled lock cycle or a lost connection is a 503 to send again
(with Retry-After and the code `send_again`), anything else a logged 500 that carries a request id."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest
from sqlalchemy.exc import DBAPIError

from inventory.problems import database_error_to_response

REQUEST = SimpleNamespace(
    url=SimpleNamespace(path="/api/v1/issues"), cookies={}, method="POST", headers={"accept-language": "en"}
)


class _DriverError(Exception):
    def __init__(self, sqlstate: str) -> None:
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


def _answer(error: Exception) -> tuple[int, dict, dict]:
    response = database_error_to_response(REQUEST, error)  # type: ignore[arg-type]
    return response.status_code, json.loads(json.dumps(response.content)), dict(response.headers or {})


@pytest.mark.parametrize("sqlstate", ["40P01", "40001"])
def test_a_cancelled_lock_cycle_asks_for_the_same_request_again(sqlstate: str) -> None:
    status, body, headers = _answer(DBAPIError("INSERT ...", {}, _DriverError(sqlstate)))
    assert status == 503 and body["code"] == "send_again" and headers["Retry-After"] == "1"
    assert body["message"] == "error.send_again.database_busy"
    assert "nothing was written" in body["detail"] and "send the same request again" in body["detail"]


def test_any_other_database_error_is_a_server_error_with_a_request_id(
    caplog: pytest.LogCaptureFixture,
) -> None:
    status, body, headers = _answer(DBAPIError("INSERT ...", {}, _DriverError("23502")))
    assert status == 500 and body["code"] == "server_error" and "Retry-After" not in headers
    assert body["request_id"] in body["detail"] and body["request_id"] in caplog.text
    assert "Traceback" in caplog.text or caplog.records[-1].exc_info is not None


def test_a_lost_connection_asks_for_the_same_request_again(caplog: pytest.LogCaptureFixture) -> None:
    """Lost under a statement (the error says the connection was invalidated): a 503 to send again, not a
    server error."""
    from inventory.db import ConnectionLost

    for error in (
        ConnectionLost("connection is closed"),
        DBAPIError("SELECT ...", {}, _DriverError("08006"), connection_invalidated=True),
    ):
        status, body, headers = _answer(error)
        assert status == 503 and body["code"] == "send_again" and headers["Retry-After"] == "1"
        assert body["message"] == "error.send_again.connection_lost"
        assert "send the same request again" in body["detail"]

    assert "server error" not in caplog.text
