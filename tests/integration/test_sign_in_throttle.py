"""Sign-in throttling: it holds under parallel attempts, counts per username and address, per address and per
username, cannot lock the administrator out from elsewhere, and its counter is atomic."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import replace
from datetime import timedelta

import pytest

from inventory.db import create_engine, session_factory, unit_of_work
from inventory.settings import Settings
from inventory.timeutil import utcnow
from inventory.users import repository
from tests.integration.credential_clients import (
    CLINIC,
    ELSEWHERE,
    audit,
    browser,
    is_signed_in,
    serving,
    sign_in,
)

pytestmark = pytest.mark.anyio


async def test_thirty_parallel_wrong_passwords_get_exactly_the_limit_checked(settings: Settings) -> None:
    async with serving(settings) as app, browser(app) as client:
        answers = await asyncio.gather(*(sign_in(client, "keeper", "wrong password!") for _ in range(30)))
    statuses = Counter(a.status_code for a in answers)
    assert statuses == {
        401: settings.sign_in_user_address_limit,
        429: 30 - settings.sign_in_user_address_limit,
    }
    failed = await audit(settings, "user.sign_in.failed")
    refused = await audit(settings, "user.sign_in.refused")
    assert len(failed) == 5 and len(refused) == 25
    assert {e.address for e in failed + refused} == {CLINIC}
    assert all('"username":"keeper"' in e.changes for e in failed + refused)
    assert all('"rule":"user_address"' in e.changes for e in refused)


async def test_a_throttled_username_is_refused_even_with_the_right_password_and_says_for_how_long(
    settings: Settings,
) -> None:
    async with serving(settings) as app, browser(app) as client:
        for _ in range(5):
            failed = await sign_in(client, "keeper", "wrong password!")
            assert failed.status_code == 401 and "Sai tên đăng nhập" in failed.text
        throttled = await sign_in(client, "keeper")
        assert throttled.status_code == 429
        assert "quá nhiều lần" in throttled.text and "15 phút" in throttled.text
        assert not await is_signed_in(client)


async def test_an_attacker_cannot_lock_the_administrator_out_from_another_address(settings: Settings) -> None:
    async with serving(settings) as app:
        async with browser(app, CLINIC) as attacker:
            for _ in range(8):
                await sign_in(attacker, "admin", "guessing-guessing")
            assert (await sign_in(attacker, "admin")).status_code == 429  # locked here, for this username
        async with browser(app, ELSEWHERE) as administrator:
            assert (await sign_in(administrator, "admin")).status_code == 303
            assert await is_signed_in(administrator)


async def test_one_person_mistyping_does_not_lock_out_the_others_at_a_shared_clinic_address(
    settings: Settings,
) -> None:
    async with serving(settings) as app:
        async with browser(app, CLINIC) as one:
            for _ in range(6):
                await sign_in(one, "commune", "mistyped password")
            assert (await sign_in(one, "commune")).status_code == 429
        async with browser(app, CLINIC) as colleague:
            assert (await sign_in(colleague, "keeper")).status_code == 303
        async with browser(app, CLINIC) as the_admin:
            assert (await sign_in(the_admin, "admin")).status_code == 303


async def test_an_address_guessing_many_usernames_is_refused_past_the_address_limit(
    settings: Settings,
) -> None:
    limited = replace(settings, sign_in_address_limit=8)
    async with serving(limited) as app:
        async with browser(app, CLINIC) as guesser:
            answers = [await sign_in(guesser, f"user{n}", "guessing-guessing") for n in range(8)]
            assert {a.status_code for a in answers} == {401}
            assert (await sign_in(guesser, "keeper")).status_code == 429  # every username, from here
        async with browser(app, ELSEWHERE) as other:
            assert (await sign_in(other, "keeper")).status_code == 303
    refused = await audit(settings, "user.sign_in.refused")
    assert len(refused) == 1 and '"rule":"address"' in refused[0].changes


async def test_a_username_guessed_from_many_addresses_refuses_those_addresses_but_not_a_clean_one(
    settings: Settings,
) -> None:
    limited = replace(settings, sign_in_user_limit=3)
    guessers = [f"192.0.2.{n}" for n in range(1, 5)]
    async with serving(limited) as app:
        for address in guessers:  # one guess each: four failures for admin, past the limit of 3
            async with browser(app, address) as guesser:
                assert (await sign_in(guesser, "admin", "guessing-guessing")).status_code == 401
        async with browser(app, guessers[0]) as again:
            assert (await sign_in(again, "admin")).status_code == 429  # failed here before: refused
        async with browser(app, ELSEWHERE) as administrator:
            assert (await sign_in(administrator, "admin")).status_code == 303


async def test_a_right_password_takes_its_attempt_back_and_clears_its_own_count(settings: Settings) -> None:
    async with serving(settings) as app, browser(app) as client:
        for _ in range(4):
            assert (await sign_in(client, "keeper", "wrong password!")).status_code == 401
        assert (await sign_in(client, "keeper")).status_code == 303
        for _ in range(5):  # the count started again from the sign-in
            assert (await sign_in(client, "keeper", "wrong password!")).status_code == 401
        assert (await sign_in(client, "keeper")).status_code == 429


async def test_thirty_concurrent_counts_of_one_key_each_get_a_count_of_their_own(settings: Settings) -> None:
    """The counter itself, 30 transactions at once: an atomic count hands out 1..30, each once; a count
    read and then written would hand out some twice."""
    engine = create_engine(settings)
    sessions = session_factory(engine)
    now = utcnow()

    async def one() -> int:
        async with unit_of_work(sessions) as session:
            failures, _ = await repository.add_failure(
                session, "user_address", "x keeper", now=now, window_opened_after=now - timedelta(minutes=15)
            )
            return failures

    try:
        counts = await asyncio.gather(*(one() for _ in range(30)))
    finally:
        await engine.dispose()
    assert sorted(counts) == list(range(1, 31))


async def test_a_count_whose_window_is_over_starts_again_at_one(settings: Settings) -> None:
    engine = create_engine(settings)
    sessions = session_factory(engine)
    start = utcnow() - timedelta(minutes=20)
    try:
        async with unit_of_work(sessions) as session:
            for _ in range(3):
                old = await repository.add_failure(
                    session, "address", CLINIC, now=start, window_opened_after=start - timedelta(minutes=15)
                )
            now = utcnow()
            fresh = await repository.add_failure(
                session, "address", CLINIC, now=now, window_opened_after=now - timedelta(minutes=15)
            )
    finally:
        await engine.dispose()
    assert old == (3, start) and fresh == (1, now)
