"""CPU accounting for bench/ledger.py (Linux /proc): who used the cores during a measurement."""

from __future__ import annotations

import os
import threading
from pathlib import Path


def _postgres_ticks() -> dict[int, int]:
    """CPU clock ticks used so far by every PostgreSQL server process, by pid."""
    ticks: dict[int, int] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            raw = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        comm, rest = raw[raw.index("(") + 1 : raw.rindex(")")], raw[raw.rindex(")") + 2 :].split()
        if comm == "postgres":
            ticks[int(entry.name)] = int(rest[11]) + int(rest[12])  # utime + stime
    return ticks


def cpu_snapshot() -> dict[str, float] | None:
    """Busy and total CPU seconds of the machine, and CPU seconds of the PostgreSQL server processes."""
    try:
        hz = os.sysconf("SC_CLK_TCK")
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        postgres = sum(_postgres_ticks().values())
    except (OSError, ValueError):
        return None
    idle = fields[3] + fields[4]
    return {"busy": (sum(fields) - idle) / hz, "total": sum(fields) / hz, "postgres": postgres / hz}


def cpu_delta(before: dict[str, float] | None, after: dict[str, float] | None) -> dict[str, float] | None:
    if before is None or after is None:
        return None
    return {k: after[k] - before[k] for k in before}


class PostgresCpuMeter(threading.Thread):
    """Samples the server processes while pgbench runs: its backends exit before a closing snapshot could."""

    def __init__(self, interval: float = 0.2) -> None:
        super().__init__(daemon=True)
        self.interval = interval
        self.halt = threading.Event()
        self.first: dict[int, int] = {}
        self.last: dict[int, int] = {}
        self.ok = True

    def run(self) -> None:
        while not self.halt.wait(self.interval):
            self._sample()

    def _sample(self) -> None:
        try:
            self.last.update(_postgres_ticks())
        except OSError:
            self.ok = False

    def __enter__(self) -> PostgresCpuMeter:
        try:
            self.first = _postgres_ticks()
        except OSError:
            self.ok = False
        self.last = dict(self.first)
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.halt.set()
        self.join()
        self._sample()

    def seconds(self) -> float | None:
        if not self.ok:
            return None
        return sum(v - self.first.get(pid, 0) for pid, v in self.last.items()) / os.sysconf("SC_CLK_TCK")


def describe_cpu(machine: dict[str, float] | None, client: float, client_name: str, seconds: float) -> str:
    """Cores used by the client, the PostgreSQL server and everything else on the machine."""
    if machine is None:
        return f"{client_name} {client / seconds:.2f} cores"
    others = machine["busy"] - machine["postgres"] - client
    cores = machine["total"] / seconds
    return (
        f"CPU: {client_name} {client / seconds:.2f} cores, postgres {machine['postgres'] / seconds:.2f}, "
        f"everything else {max(others, 0) / seconds:.2f}, idle {max(machine['total'] - machine['busy'], 0) / seconds:.2f}"
        f" (of {cores:.1f})"
    )
