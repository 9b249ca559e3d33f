"""A real server on a free port and headless Chromium (Debian's package) driven by Playwright."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn

from inventory.app import create_app
from inventory.settings import Settings
from tests.conftest import TOKENS

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
"""Where the browser tests write the screenshots (git ignores it); docs/screenshots/ holds the copies the
README shows: `cp tests/browser/screenshots/*.png docs/screenshots/` after a run refreshes them."""
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """The app served by uvicorn in a thread, plus an admin API client for setting the scene."""

    def __init__(self, settings: Settings) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> Server:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the test server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)

    def api(self, method: str, path: str, body: object = None) -> dict:
        headers = {"Authorization": f"Bearer {TOKENS['admin']}", "Idempotency-Key": os.urandom(8).hex()}
        response = httpx.request(method, f"{self.url}/api/v1{path}", json=body, headers=headers, timeout=30)
        assert response.status_code < 300, response.text
        return response.json()


@pytest.fixture
def server(settings: Settings) -> Iterator[Server]:
    with Server(settings) as running:
        yield running


@pytest.fixture(scope="module")
def browser():  # module scope: Playwright's loop must be gone before the async tests run
    if not Path(CHROMIUM).exists():
        message = f"Chromium not found at {CHROMIUM}: apt-get install chromium"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser, server: Server):
    context = browser.new_context(viewport={"width": 1200, "height": 900}, base_url=server.url)
    tab = context.new_page()
    yield tab
    context.close()


def sign_in(page, username: str) -> None:
    from tests.conftest import PASSWORD

    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/")


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
