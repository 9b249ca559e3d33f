"""Backlog benchmark: due / overdue doses by commune × antigen × dose for 1 million and 7.5 million children.

    uv run python bench/backlog.py            # the real figures (about one minute)
    uv run python bench/backlog.py --quick    # a smoke run of a few seconds (small sizes, not the figures)

The input is a synthetic register from ``forecasting.register_synth`` (five birth cohorts, doses ordered by
child as a register query with ORDER BY child_id returns them), generated before the clock starts and held
in memory. Only ``backlog(...).collect()`` is timed. The 7.5-million case runs in a fresh subprocess that
reads the register from Parquet files written by another subprocess, so its peak resident memory
(``ru_maxrss``) is the input plus the computation and nothing else. The baseline is
``forecasting.reference_backlog``, the plain per-child Python version of the same rules, timed on a
20,000-child sample given as Python tuples and scaled linearly. The run ends with the figure lines:

    figure backlog_1m_seconds = S s
    figure backlog_7_5m_seconds = S s
    figure backlog_7_5m_peak_gb = G GB
    figure backlog_speedup_vs_per_child = X x
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import polars as pl

from forecasting.backlog import backlog
from forecasting.reference_backlog import reference_backlog
from forecasting.register_synth import synth_register
from forecasting.register_synth_children import MUONG_TE_COMMUNE_MAP
from forecasting.schedule import dose_rules, load_schedule, version_in_force

AS_OF = date(2026, 6, 30)
"""TT 52/2025 is in force: the largest schedule (Rota and PCV included)."""
COHORTS = 5
SEED = 20260630


def generate(children_count: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """A synthetic register of about ``children_count`` children, collected."""
    children, doses = synth_register(
        births_per_year=children_count // COHORTS, cohorts=COHORTS, as_of=AS_OF, seed=SEED
    )
    collected = pl.collect_all([children, doses])
    return collected[0], collected[1]


def cpu_seconds() -> float:
    """User + system CPU time of this process so far (both cores count: up to 2 s per wall second)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def time_backlog(children: pl.DataFrame, doses: pl.DataFrame) -> tuple[float, float, pl.DataFrame]:
    """Wall and CPU seconds to build and collect the backlog of an in-memory register, and the backlog."""
    schedule = load_schedule()
    started, cpu_started = time.perf_counter(), cpu_seconds()
    result = backlog(
        children.lazy(), doses.lazy(), schedule=schedule, as_of=AS_OF, commune_map=MUONG_TE_COMMUNE_MAP.lazy()
    ).collect()
    return time.perf_counter() - started, cpu_seconds() - cpu_started, result


def time_reference(children: pl.DataFrame, doses: pl.DataFrame) -> tuple[float, dict]:
    """Seconds the per-child Python version takes on the same register, given as tuples."""
    rules = dose_rules(load_schedule(), on=AS_OF)
    commune_map = dict(MUONG_TE_COMMUNE_MAP.iter_rows())
    child_rows, dose_rows = children.rows(), doses.rows()
    started = time.perf_counter()
    result = reference_backlog(child_rows, dose_rows, rules=rules, as_of=AS_OF, commune_map=commune_map)
    return time.perf_counter() - started, result


def as_dict(result: pl.DataFrame) -> dict:
    return {
        (c, a, n): (due, overdue, zero) for c, a, n, _p, due, overdue, zero, _needed in result.iter_rows()
    }


def peak_gb() -> float:
    """This process's peak resident set size in GB (10^9 bytes); Linux reports ru_maxrss in KiB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e9


def child_generate(children_count: int, folder: Path) -> None:
    """Subprocess: write a register to Parquet."""
    children, doses = generate(children_count)
    children.write_parquet(folder / "children.parquet")
    doses.write_parquet(folder / "doses.parquet")
    print(json.dumps({"children": children.height, "doses": doses.height}))


def child_compute(folder: Path) -> None:
    """Subprocess: read a register into memory, then time the backlog once."""
    children = pl.read_parquet(folder / "children.parquet")
    doses = pl.read_parquet(folder / "doses.parquet")
    loaded_gb = peak_gb()
    seconds, cpu, result = time_backlog(children, doses)
    measured = {
        "seconds": seconds,
        "cpu": cpu,
        "peak_gb": peak_gb(),
        "loaded_gb": loaded_gb,
        "rows": result.height,
    }
    print(json.dumps(measured))


def in_subprocess(*args: str) -> dict:
    command = [sys.executable, __file__, *args]
    done = subprocess.run(command, check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: a smoke run, not the figures")
    parser.add_argument("--generate", nargs=2, metavar=("CHILDREN", "FOLDER"), help=argparse.SUPPRESS)
    parser.add_argument("--compute", metavar="FOLDER", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.generate:
        child_generate(int(args.generate[0]), Path(args.generate[1]))
        return
    if args.compute:
        child_compute(Path(args.compute))
        return

    one_million, large, sample_size = (
        (100_000, 300_000, 2_000) if args.quick else (1_000_000, 7_500_000, 20_000)
    )
    print(
        f"schedule {version_in_force(load_schedule(), on=AS_OF)} in force on {AS_OF}; polars {pl.__version__}"
    )
    print(
        f"{os.cpu_count()} CPUs, {pl.thread_pool_size()} polars threads; load average {os.getloadavg()[0]:.2f}"
    )
    print("timed: backlog(...).collect() only, on a register already in memory (default streaming engine)")

    children, doses = generate(one_million)
    print(f"register: {children.height:,} children, {doses.height:,} dose records")
    runs = [time_backlog(children, doses)[:2] for _ in range(3)]
    small_seconds = statistics.median(wall for wall, _cpu in runs)
    listed = ", ".join(f"{wall:.2f} s (cpu {cpu:.2f} s)" for wall, cpu in runs)
    print(f"{children.height:,} children: runs {listed}; median {small_seconds:.2f} s")

    sample = children.sample(n=sample_size, seed=SEED)
    sample_doses = doses.join(sample.select("child_id"), on="child_id", how="semi")
    reference_seconds, reference = time_reference(sample, sample_doses)
    sample_seconds, _cpu, sample_backlog = time_backlog(sample, sample_doses)
    agrees = as_dict(sample_backlog) == reference
    per_child_seconds = reference_seconds * children.height / sample.height
    print(
        f"per-child Python on {sample.height:,} children ({sample_doses.height:,} doses): {reference_seconds:.2f} s "
        f"-> {per_child_seconds:.1f} s scaled to {children.height:,}; polars on the sample {sample_seconds:.3f} s; "
        f"same backlog: {agrees}"
    )
    del children, doses, sample, sample_doses

    with tempfile.TemporaryDirectory(prefix="vaxstock-backlog-bench-") as folder:
        generated = in_subprocess("--generate", str(large), folder)
        print(
            f"register: {generated['children']:,} children, {generated['doses']:,} dose records (in a subprocess)"
        )
        print(f"load average before the large run {os.getloadavg()[0]:.2f}")
        measured = in_subprocess("--compute", folder)
    print(
        f"{generated['children']:,} children: {measured['seconds']:.2f} s (cpu {measured['cpu']:.2f} s; one run, "
        f"fresh process); peak RSS "
        f"{measured['peak_gb']:.2f} GB, of which {measured['loaded_gb']:.2f} GB after reading the register"
    )
    print(f"load average at the end {os.getloadavg()[0]:.2f}")

    if args.quick:
        print("quick run: sizes too small for the figures")
        return
    print(f"figure backlog_1m_seconds = {small_seconds:.2f} s")
    print(f"figure backlog_7_5m_seconds = {measured['seconds']:.2f} s")
    print(f"figure backlog_7_5m_peak_gb = {measured['peak_gb']:.2f} GB")
    print(f"figure backlog_speedup_vs_per_child = {per_child_seconds / small_seconds:.0f} x")


if __name__ == "__main__":
    main()
