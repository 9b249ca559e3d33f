"""Every form the pages offer, sent wrong: each of its fields holding a NUL character, text longer than any
column, or left out. Whatever the form, the answer is a refusal or the form again, never a server error, on
both databases (the API's operations get the same from schemathesis, test_schemathesis.py)."""

from __future__ import annotations

import html
import re
from urllib.parse import urljoin, urlparse

import pytest
from litestar.testing import AsyncTestClient

from inventory.app import create_app
from inventory.settings import Settings
from tests.integration.ledger_samples import COMMUNE, DISTRICT
from tests.integration.test_auth import sign_in

pytestmark = pytest.mark.anyio

WRONG = {"NUL": "a\x00b", "too long": "a" * 3000}
NOT_FIELDS = {"_csrf_token", "idempotency_key"}
FORM = re.compile(r"<form([^>]*)>(.*?)</form>", re.S)
CONTROL = re.compile(r"<(?:input|select|textarea)\b[^>]*>", re.S)


def _attribute(tag: str, name: str) -> str | None:
    found = re.search(rf'\b{name}="([^"]*)"', tag)
    return html.unescape(found.group(1)) if found else None


def post_forms(url: str, page: str) -> dict[str, tuple[str, dict[str, str]]]:
    """The POST forms of a page: their action (one per shape of path) and fields with the values shown."""
    forms: dict[str, tuple[str, dict[str, str]]] = {}
    for tag, body in FORM.findall(page):
        if (_attribute(tag, "method") or "get").lower() != "post":
            continue
        action = urlparse(urljoin(url, _attribute(tag, "action") or url)).path
        fields: dict[str, str] = {}
        for control in CONTROL.findall(body):
            name = _attribute(control, "name")
            kind = _attribute(control, "type") or ""
            if name and (kind not in ("checkbox", "radio") or "checked" in control):
                fields.setdefault(name, _attribute(control, "value") or "")
        forms.setdefault(re.sub(r"\d+", "N", action), (action, fields))
    return forms


def links(url: str, page: str) -> list[str]:
    found = []
    for href in re.findall(r'href="([^"#]+)"', page):
        target = urlparse(urljoin(url, html.unescape(href)))
        if target.scheme in ("http", "https", "") and target.netloc in ("", "testserver.local"):
            path = target.path + (f"?{target.query}" if target.query else "")
            if not re.search(r"/lang/|/logout|/static/|\.(csv|png|svg|xlsx|docx|pdf)\b", path):
                found.append(path)
    return found


async def test_every_page_form_sent_wrong_is_answered_without_a_server_error(
    settings: Settings, stocked
) -> None:
    await stocked.ok(
        "/issues", {"facility": DISTRICT, "to_facility": COMMUNE, "lines": [{"product": "BCG", "doses": 20}]}
    )
    forms: dict[str, tuple[str, dict[str, str]]] = {}
    failures: list[str] = []
    async with AsyncTestClient(app=create_app(settings)) as client:
        await sign_in(client, "admin")
        queue, seen = ["/"], set()
        while queue and len(seen) < 150:  # every page family, a few of each
            url = queue.pop(0)
            if url in seen or sum(re.sub(r"\d+", "N", u) == re.sub(r"\d+", "N", url) for u in seen) >= 3:
                continue
            seen.add(url)
            page = await client.get(url)
            if "text/html" in page.headers.get("content-type", ""):
                for shape, form in post_forms(url, page.text).items():
                    forms.setdefault(shape, form)
                queue += [u for u in links(url, page.text) if u not in seen]
        assert len(forms) >= 20, sorted(forms)  # the crawl found the forms: the test cannot pass empty
        for action, fields in forms.values():
            for name in [n for n in fields if n not in NOT_FIELDS]:
                variants = {what: {**fields, name: value} for what, value in WRONG.items()}
                variants["left out"] = {k: v for k, v in fields.items() if k != name}
                for what, sent in variants.items():
                    sent = {**sent, "_csrf_token": client.cookies.get("csrftoken", "")}
                    if "idempotency_key" in fields:
                        sent["idempotency_key"] = f"fuzz-{len(failures)}-{name}-{what}"[:60]
                    answer = await client.post(action, data=sent, follow_redirects=False)
                    if answer.status_code >= 500:
                        failures.append(f"{action} {name} {what}: {answer.status_code}")
    assert failures == []
