"""`vaxstock serve --workers N` runs N server processes on one port, sharing the database and the secret key."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import replace
from pathlib import Path

import pytest

from inventory.cli import default_workers
from inventory.settings import Settings


def test_serve_runs_one_process_on_sqlite_and_one_per_cpu_on_postgresql() -> None:
    assert default_workers(Settings(database_url="sqlite:///x.sqlite3")) == 1
    postgres = Settings(database_url="postgresql://u@h/db")
    assert default_workers(postgres) == (os.cpu_count() or 1)
    assert default_workers(replace(postgres)) >= 1


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _children(pid: int) -> list[int]:
    """The processes whose parent is `pid` (Linux /proc)."""
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":\t", 1) for line in status.read_text().splitlines() if ":\t" in line)
        except OSError:
            continue
        if fields.get("PPid", "").strip() == str(pid):
            found.append(int(status.parent.name))
    return found


@pytest.mark.postgres_only
def test_serve_with_two_workers_answers_from_two_processes(settings: Settings) -> None:
    port = _free_port()
    env = {
        **os.environ,
        "VAXSTOCK_DATABASE_URL": settings.database_url,
        "VAXSTOCK_SECRET_KEY": "shared-test-key",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "inventory.cli", "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2) as answer:
                    assert answer.status == 200
                    break
            except OSError:
                assert time.monotonic() < deadline, "the server did not answer within 60 s"
                time.sleep(0.5)
        workers = [
            c for c in _children(server.pid) if b"spawn_main" in Path(f"/proc/{c}/cmdline").read_bytes()
        ]
        assert len(workers) == 2
        for _ in range(10):  # every process answers
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=5) as answer:
                assert answer.status == 200
    finally:
        server.terminate()
        server.wait(timeout=30)
