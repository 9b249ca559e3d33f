"""Delivery outside the app: the digest through a real SMTP server started here (aiosmtpd), the webhook to a
local HTTP receiver (signature, retry, once), and `vaxstock alerts` for monitoring."""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import threading
from datetime import timedelta
from email import message_from_bytes
from email.policy import default as email_policy
from http.server import BaseHTTPRequestHandler, HTTPServer

import anyio.to_thread
import pytest
from aiosmtpd.controller import Controller
from click.testing import CliRunner
from sqlalchemy import select

from inventory.alerts.config import AlertConfig
from inventory.alerts.delivery import AlertDeliveries
from inventory.alerts.models import AlertDelivery, AlertSubscription, AlertWebhook
from inventory.catalog.models import Facility
from inventory.cli import main
from inventory.db import create_engine, session_factory, unit_of_work
from inventory.settings import Settings
from inventory.users.models import User
from tests.integration.conftest import Api
from tests.integration.ledger_samples import COMMUNE, DISTRICT, TODAY
from tests.integration.test_alerts import OTHER, evaluate, make_district

pytestmark = pytest.mark.anyio
BASE = "http://vaxstock.example"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope.original_content or envelope.content)
        return "250 OK"


@pytest.fixture
async def district(api: Api) -> Api:
    return await make_district(api)


@pytest.fixture
def smtp():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield inbox, controller.port
    controller.stop()


async def deliveries(settings: Settings, config: AlertConfig, today=TODAY):
    engine = create_engine(settings)
    try:
        return await AlertDeliveries(session_factory(engine), config, today=today).run()
    finally:
        await engine.dispose()


async def in_session(settings: Settings, work):
    engine = create_engine(settings)
    try:
        async with unit_of_work(session_factory(engine)) as session:
            return await work(session)
    finally:
        await engine.dispose()


async def subscribe(settings: Settings, username: str, email: str, language: str) -> None:
    async def work(session):
        user = await session.scalar(select(User).where(User.username == username))
        session.add(AlertSubscription(user_id=user.id, email=email, language=language, active=True))

    await in_session(settings, work)


async def test_the_digest_goes_through_smtp_in_vietnamese_with_links_and_once_a_day(
    settings, district, smtp
) -> None:
    inbox, port = smtp
    await subscribe(settings, "commune", "tramyte@example.vn", "vi")
    await evaluate(settings)
    config = AlertConfig(
        smtp_host="127.0.0.1", smtp_port=port, sender="canhbao@vaxstock.example", base_url=BASE
    )
    first = await deliveries(settings, config)
    assert (first.sent, first.failed) == (1, 0)
    assert len(inbox.messages) == 1
    message = message_from_bytes(inbox.messages[0], policy=email_policy)
    assert message["To"] == "tramyte@example.vn" and message["From"] == "canhbao@vaxstock.example"
    assert "2 cảnh báo đang mở" in message["Subject"]
    body = message.get_content()
    assert "Kính gửi Commune," in body
    assert "Cảnh báo mới (2)" in body
    assert "chưa được xác nhận sau 8 ngày" in body
    assert f"{BASE}/shipments/" in body and f"{BASE}/alerts" in body
    assert OTHER not in body  # the commune worker's digest holds only its own station

    again = await deliveries(settings, config)
    assert (again.sent, again.failed, again.skipped) == (0, 0, 1)
    assert len(inbox.messages) == 1


async def test_the_next_digest_says_only_what_changed_and_what_is_still_open(
    settings, district, smtp
) -> None:
    inbox, port = smtp
    await subscribe(settings, "keeper", "thukho@example.vn", "en")
    await evaluate(settings)
    config = AlertConfig(smtp_host="127.0.0.1", smtp_port=port, base_url=BASE)
    await deliveries(settings, config)
    shipment = (await district.read("/alerts", facility=COMMUNE, kind="shipment_unconfirmed"))["items"][0]
    await district.ok(
        shipment["link"],
        {"lines": [{"product": "PENTA", "lot_number": "P-1", "doses_received": 100, "vvm_stage": 1}]},
    )
    await evaluate(settings, today=TODAY + timedelta(days=1))
    await deliveries(settings, config, today=TODAY + timedelta(days=1))
    assert len(inbox.messages) == 2
    body = message_from_bytes(inbox.messages[1], policy=email_policy).get_content()
    # the shipment was confirmed: its lateness and the commune's stock-out (it holds the doses now) ended
    assert "New alerts" not in body
    assert "Resolved (2)" in body and "not confirmed" in body
    assert "Still open" in body


class Receiver(BaseHTTPRequestHandler):
    fail_first = 1
    received: list[tuple[dict[str, str], bytes, int]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        status = 500 if Receiver.fail_first > 0 else 200
        Receiver.fail_first -= 1
        Receiver.received.append(({k.lower(): v for k, v in self.headers.items()}, body, status))
        self.send_response(status)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def receiver():
    Receiver.received = []
    server = HTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    server.shutdown()
    server.server_close()


async def set_webhook(settings: Settings, facility: str, url: str, secret: str) -> None:
    async def work(session):
        facility_id = await session.scalar(select(Facility.id).where(Facility.code == facility))
        session.add(AlertWebhook(facility_id=facility_id, url=url, secret=secret, active=True))

    await in_session(settings, work)


async def test_the_webhook_is_signed_retried_after_a_failure_and_delivered_once(
    settings, district, receiver
) -> None:
    Receiver.fail_first = 1
    await set_webhook(settings, DISTRICT, receiver, "a-secret-key-for-tests")
    await evaluate(settings)
    config = AlertConfig(base_url=BASE, attempts=3, retry_seconds=0)
    outcome = await deliveries(settings, config)
    assert (outcome.sent, outcome.failed) == (1, 0)
    assert [status for *_, status in Receiver.received] == [500, 200]
    first_try, retry = (h["idempotency-key"] for h, *_ in Receiver.received)
    assert first_try == retry and first_try.startswith("vaxstock-digest-")  # the receiver can drop a repeat
    headers, body, _ = Receiver.received[-1]
    expected = "sha256=" + hmac.new(b"a-secret-key-for-tests", body, hashlib.sha256).hexdigest()
    assert headers["x-vaxstock-signature"] == expected
    document = json.loads(body)
    assert document["facility"] == DISTRICT
    assert {a["facility"] for a in document["open"]} >= {COMMUNE, OTHER}  # the store and those it supplies
    assert all(a["link"].startswith(BASE) for a in document["open"])

    again = await deliveries(settings, config)
    assert (again.sent, again.failed) == (0, 0)
    assert len(Receiver.received) == 2


async def test_a_delivery_that_keeps_failing_is_recorded_and_retried_by_the_next_run(
    settings, district, receiver
) -> None:
    Receiver.fail_first = 2
    await set_webhook(settings, DISTRICT, receiver, "another-secret-key")
    await evaluate(settings)
    config = AlertConfig(base_url=BASE, attempts=2, retry_seconds=0)
    failed = await deliveries(settings, config)
    assert (failed.sent, failed.failed) == (0, 1)
    assert "HTTP Error 500" in failed.errors[0][2]

    async def rows(session):
        return [
            (d.status, d.attempts, d.last_error) for d in (await session.scalars(select(AlertDelivery))).all()
        ]

    [(status, attempts, error)] = await in_session(settings, rows)
    assert status == "failed" and attempts == 1 and "500" in error
    later = await deliveries(settings, config)
    assert (later.sent, later.failed) == (1, 0)
    assert [status for *_, status in Receiver.received] == [500, 500, 200]
    assert [r[0] for r in await in_session(settings, rows)] == ["sent"]
    assert len({h["idempotency-key"] for h, *_ in Receiver.received}) == 1  # the next run's retry too


async def test_different_digests_carry_different_idempotency_keys(settings, district, receiver) -> None:
    Receiver.fail_first = 0
    await set_webhook(settings, DISTRICT, receiver, "a-secret-key-for-tests")
    await set_webhook(settings, COMMUNE, receiver, "the-communes-secret-key")
    await evaluate(settings)
    config = AlertConfig(base_url=BASE, attempts=1, retry_seconds=0)
    assert (await deliveries(settings, config)).sent == 2
    shipment = (await district.read("/alerts", facility=COMMUNE, kind="shipment_unconfirmed"))["items"][0]
    await district.ok(
        shipment["link"],
        {"lines": [{"product": "PENTA", "lot_number": "P-1", "doses_received": 100, "vvm_stage": 1}]},
    )
    await evaluate(settings, today=TODAY + timedelta(days=1))
    assert (await deliveries(settings, config, today=TODAY + timedelta(days=1))).sent == 2
    sent = [(json.loads(body), h["idempotency-key"]) for h, body, _ in Receiver.received]
    alerts = [
        {(a["id"], part) for part in ("new", "resolved", "open") for a in document[part]}
        for document, _ in sent
    ]
    assert len({frozenset(a) for a in alerts}) == 4  # four digests, each about other alerts or their changes
    assert len({key for _, key in sent}) == 4


def cli(settings: Settings, *args: str):
    return CliRunner().invoke(main, ["--database", settings.database_url, *args], catch_exceptions=False)


async def test_the_alerts_command_exits_non_zero_while_a_critical_alert_is_open(settings, district) -> None:
    # the communes hold nothing usable while PENTA is on its way to them: a stock-out, critical
    result = await anyio.to_thread.run_sync(lambda: cli(settings, "alerts", "--facility", COMMUNE))
    assert result.exit_code == 1, result.output
    assert COMMUNE in result.output and OTHER not in result.output
    quiet = await anyio.to_thread.run_sync(lambda: cli(settings, "alerts", "--facility", "TYT-03433"))
    assert quiet.exit_code == 0, quiet.output
