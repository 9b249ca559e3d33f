"""Ledger benchmarks: API postings per second against pgbench, and stock-on-hand reads against ledger size.

    uv run python bench/ledger.py            # the real figures (about three minutes)
    uv run python bench/ledger.py --quick    # a smoke run, well under a minute (small sizes, not the figures)

Everything measured goes through the entry the API uses, authentication included: the real app from
`inventory.app.create_app`, its lifespan run, called in-process over ASGI (no sockets; ledger_asgi.py) with
a store keeper's bearer token made as `vaxstock user add` / `vaxstock user token` make them.

- posting_vs_pgbench: `POST /api/v1/issues` (one vial, FEFO-picked, from the district store TTYT-MT to a
  commune, a fresh Idempotency-Key each) by 16 concurrent workers in 2 processes, as `uvicorn --workers 2`
  would serve them, against `pgbench -N` with 16 clients on the same machine, in alternating rounds. The
  figure counts MOVEMENTS, not documents: each issue posts 2 movements per lot line (the draw at the source
  and the transit one), so the figure is movements/s over pgbench transactions/s (TPS). A plain
  three-statement SQLAlchemy transaction per movement, without the app, is printed as a baseline.
- With --without-chains (an experiment, not the figure) the posting rounds run with the hash-chain
  triggers disabled in their scratch database, to show what the chains cost; the last posting line then
  reads `experiment posting_vs_pgbench_without_chains = R ratio (not a figure)`.
- soh_1e6_vs_1e4: `GET /api/v1/facilities/TTYT-MT/stock` on a ledger of 10^6 movements over the same on one
  of 10^4 (same stock; bulk history that changes no balance), medians of alternating reads.

Needs a PostgreSQL server reachable as a superuser (default postgresql://postgres@127.0.0.1:5432/test, or
VAXSTOCK_BENCH_ADMIN_URL) and `pgbench` on PATH. Scratch databases named vaxstock_bench_* are created and
dropped here. The run ends with the two figure lines:

    figure posting_vs_pgbench = R ratio
    figure soh_1e6_vs_1e4 = R ratio

Modules: ledger_setup (parameters, scratch databases, migrations, API users, pgbench), ledger_asgi (the
in-process ASGI calls), ledger_posting, ledger_profile, ledger_soh, ledger_cpu (who used the cores).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import replace
from typing import Any

from ledger_cpu import describe_cpu
from ledger_posting import ISSUES, PostingWorkers, ledger_check, served_event_loop, setup_posting
from ledger_profile import print_profile, print_statement_mix, profile_postings
from ledger_setup import KEEPER, SOURCE, Params, PgBench, Scratch, migrated
from ledger_soh import LOTS_PER_PRODUCT, STOCK, print_soh, soh_compare, soh_ledger


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="a smoke run: small sizes, well under a minute")
    parser.add_argument(
        "--admin-url",
        default=os.environ.get("VAXSTOCK_BENCH_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/test"),
        help="a superuser connection used to create and drop the scratch databases",
    )
    parser.add_argument("--seconds", type=int, help="seconds of each pgbench and each posting round")
    parser.add_argument("--rounds", type=int, help="alternating pgbench / posting rounds")
    parser.add_argument("--processes", type=int, help="posting processes (the clients are split across them)")
    parser.add_argument("--no-sqlite", action="store_true", help="skip the extra SQLite stock-on-hand line")
    parser.add_argument("--keep", action="store_true", help="keep the scratch databases for inspection")
    parser.add_argument(
        "--without-chains",
        action="store_true",
        help="an experiment, not the figure: the posting rounds run with the hash-chain triggers switched off",
    )
    args = parser.parse_args(argv)
    p = Params.quick() if args.quick else Params()
    for name in ("seconds", "rounds", "processes"):
        if getattr(args, name):
            p = replace(p, **{name: getattr(args, name)})
    if args.no_sqlite:
        p = replace(p, sqlite=False)
    if args.without_chains:
        p = replace(p, chains=False)
    scratch = Scratch(args.admin_url, keep=args.keep)
    try:
        began = time.perf_counter()
        kind = "--quick smoke run: small sizes, NOT the real figures" if args.quick else "default sizes"
        print(f"VaxStock ledger benchmark ({kind})")
        print(f"  machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f} at start")
        print(f"  server: {asyncio.run(scratch.server())}")
        print(f"  parameters: {p.describe()}")
        ratio_posting = posting_figure(scratch, p)
        ratio_soh = soh_figure(scratch, p)
    finally:
        asyncio.run(scratch.drop_all())
    print(
        f"\n  total run time {time.perf_counter() - began:.0f} s; load average {os.getloadavg()[0]:.2f} at the end"
    )
    if p.chains:
        print(f"figure posting_vs_pgbench = {ratio_posting:.3f} ratio")
    else:  # the product always chains: what the experiment measures is not its figure
        print(f"experiment posting_vs_pgbench_without_chains = {ratio_posting:.3f} ratio (not a figure)")
    print(f"figure soh_1e6_vs_1e4 = {ratio_soh:.3f} ratio")
    return 0


def posting_figure(scratch: Scratch, p: Params) -> float:
    """Alternate pgbench and posting rounds (so both see the same machine), then profile one worker."""
    print("\n== posting through the API (in-process ASGI, authenticated), against pgbench ==", flush=True)
    bench = PgBench(scratch, asyncio.run(scratch.recreate("pgbench")), p)
    bench.initialise()
    posting_db = asyncio.run(scratch.recreate("posting"))
    db = asyncio.run(migrated(scratch.url(posting_db)))
    if not p.chains:
        asyncio.run(scratch.switch_off_chains(posting_db))
        print(
            "  EXPERIMENT (--without-chains): the hash-chain triggers of movement and audit_event are disabled "
            "in the posting database, so no posting waits for its facility's chain head; the product never "
            "runs like this, and verify will name the unchained rows"
        )
    plans = asyncio.run(setup_posting(db, p.clients, vials_per_lot=100_000))
    low, high = p.clients // p.processes, -(-p.clients // p.processes)
    print(f"  pgbench: {' '.join(bench.init_command)}; then per round: {' '.join(bench.command)}")
    print(
        f"  posting deployment: {p.processes} process{'es' if p.processes > 1 else ''} x "
        f"{low if low == high else f'{low}-{high}'} asyncio tasks = {p.clients} concurrent workers, as "
        f"`uvicorn --workers {p.processes}` would serve the API on {os.cpu_count()} cores; each process runs "
        "the app of inventory.app.create_app (its engine and pool) with its lifespan, and each posting is "
        f"one in-process ASGI call of POST {ISSUES} (hand-built scope, no socket, no HTTP client) through "
        "the whole app: bearer-token authentication, routing, validation, handler, session commit; on the "
        f"event loop the server runs ({served_event_loop()[0]})"
    )
    print(
        f"  posting workload: as store keeper {KEEPER!r} of {SOURCE}, an issue of 1 vial, FEFO-picked, to a "
        "commune, a fresh Idempotency-Key each, answered 201 (anything else is a failure, not counted); "
        "worker w issues product w of the catalogue, so no two workers draw the same balance row (like "
        "pgbench -N's random accounts); 1 issue = 1 document = 2 movements per lot line (the draw at the "
        "source, the transit one), counted from each answered document"
    )
    print(f"  workers: {', '.join(f'{x.product}->{x.to_facility}' for x in plans)}")
    print(
        f"  {p.rounds} rounds of {p.seconds} s each, pgbench and posting alternating; posting measured after "
        f"{p.warmup_seconds} s warm-up in every round",
        flush=True,
    )
    tps: list[float] = []
    posts: list[dict[str, Any]] = []
    run_id = f"{os.getpid()}-{int(time.time())}"
    with PostingWorkers(db, plans, p) as workers:  # spawned once: each imports the app once
        for r in range(p.rounds):
            for step in ("pgbench", "posting") if r % 2 == 0 else ("posting", "pgbench"):
                if step == "pgbench":
                    got = bench.run()
                    tps.append(got["tps"])
                    cpu = describe_cpu(got["machine"], got["client_cpu"], "pgbench client", p.seconds)
                    print(f"  round {r + 1} pgbench: {got['tps']:.1f} TPS; {cpu}", flush=True)
                    continue
                asyncio.run(scratch.checkpoint())
                res = workers.round(f"{run_id}-{r}")
                posts.append(res)
                cpu = describe_cpu(res["machine"], res["client_cpu"], "posting processes", res["window"])
                print(
                    f"  round {r + 1} posting: {res['documents'] / res['window']:.1f} documents/s, "
                    f"{res['movements'] / res['window']:.1f} movements/s, {res['errors']} failed; {cpu}; client "
                    f"CPU {1000 * res['client_cpu'] / max(res['documents'], 1):.1f} ms per posting",
                    flush=True,
                )
        asyncio.run(scratch.checkpoint())
        base = workers.round(f"{run_id}-plain", plain=True)
    window = sum(x["window"] for x in posts)
    documents = sum(x["documents"] for x in posts)
    movements = sum(x["movements"] for x in posts)
    errors = sum(x["errors"] for x in posts)
    latencies = sorted(v for x in posts for v in x["latencies"])
    mean_tps = statistics.fmean(tps)
    docs_s, moves_s = documents / window, movements / window
    print(f"  pgbench TPS (mean of {len(tps)} rounds): {mean_tps:.1f}")
    print(f"  posting over {window:.1f} s: {documents} documents, {movements} movements, {errors} failed")
    if errors:
        first = next(x["first_error"] for x in posts if x["first_error"])
        print(f"  WARNING: failed postings (not counted); first: {first}")
    print(f"  documents/s: {docs_s:.1f}")
    print(f"  movements/s: {moves_s:.1f}")
    if latencies:
        p50, p95 = latencies[len(latencies) // 2], latencies[int(len(latencies) * 0.95)]
        print(f"  latency per posting under load: p50 {1000 * p50:.1f} ms, p95 {1000 * p95:.1f} ms")
    if documents:
        print_statement_mix(sum((x["statements"] for x in posts), Counter()), documents)
    base_s = base["movements"] / base["window"]
    print(
        f"  baseline (not the figure): a plain three-statement SQLAlchemy transaction per movement, without "
        f"the app (insert a document, insert a movement, update the balance; no authentication, no rules, no "
        f"idempotency, no audit), same workers, one round: {base_s:.1f} movements/s, {base['errors']} failed "
        f"= {base_s / mean_tps:.3f} of pgbench; the API posts {moves_s / base_s:.2f}x its movements/s",
        flush=True,
    )
    ok, pairs, posted = asyncio.run(ledger_check(db))
    unchained = "" if p.chains else " (not ok is expected: the experiment left the new rows unchained)"
    print(
        f"  after the rounds: GET /api/v1/verify ok={ok} ({pairs} pairs){unchained}; {posted} movements by {KEEPER}"
    )
    with asyncio.Runner(loop_factory=served_event_loop()[1]) as runner:
        prof = runner.run(profile_postings(db, plans, p.profile_postings))
    print_profile(prof)
    ratio = moves_s / mean_tps
    cores = os.cpu_count() or 1
    per_posting = prof["cpu"] / prof["postings"]
    ceiling = cores / per_posting * (movements / max(documents, 1))
    print(
        f"  CPU ceiling: at {1000 * per_posting:.1f} ms of client CPU per posting, {cores} cores could post at "
        f"most {ceiling:.0f} movements/s even if PostgreSQL cost nothing: a ratio of at most "
        f"{ceiling / mean_tps:.3f} against this pgbench"
    )
    print(
        f"  {'figure' if p.chains else 'experiment (not the figure)'} = movements/s / pgbench TPS = {moves_s:.1f} / {mean_tps:.1f} = {ratio:.3f} "
        f"(documents/s / TPS would be {docs_s / mean_tps:.3f}); per round: "
        + ", ".join(f"{x['movements'] / x['window'] / t:.3f}" for x, t in zip(posts, tps, strict=True))
        + "; target >= 0.3"
    )
    asyncio.run(scratch.drop_all())
    return ratio


def soh_figure(scratch: Scratch, p: Params) -> float:
    """Two ledgers (small, large) with the same stock; the stock-on-hand request timed on both, alternating."""
    print("\n== stock on hand through the API against the size of the ledger ==", flush=True)
    print(
        f"  two ledgers with the same stock at {SOURCE} ({LOTS_PER_PRODUCT} lots of every product, received "
        f"through POST /api/v1/receipts), one grown to {p.soh_small:,} and one to {p.soh_large:,} movements by "
        "bulk INSERT ... SELECT of +d/-d adjustment pairs (half at the district store); GET "
        f"{STOCK} as the store keeper, in-process through the whole app (authentication included), "
        f"alternating between them: {p.soh_warmup_reads} warm-up + {p.soh_reads} timed each, median",
        flush=True,
    )
    sizes = (p.soh_small, p.soh_large)
    urls = [scratch.url(asyncio.run(scratch.recreate(f"soh_{n}"))) for n in ("small", "large")]
    ledgers = [asyncio.run(migrated(u)) for u in urls]
    built = [asyncio.run(soh_ledger(x, n)) for x, n in zip(ledgers, sizes, strict=True)]
    cmp = asyncio.run(soh_compare(ledgers, p))
    ratio = print_soh("postgresql", built, cmp)
    print(
        f"  postgresql: median at {p.soh_large:,} / median at {p.soh_small:,} = {ratio:.3f} (target <= 1.5)"
    )
    if not all(ok for ok, _ in cmp["verify"]):
        print("  WARNING: verify failed on a stock-on-hand ledger")
    asyncio.run(scratch.drop_all())
    if p.sqlite:
        with tempfile.TemporaryDirectory(prefix="vaxstock_bench_") as tmp:
            lites = [
                asyncio.run(migrated(f"sqlite+aiosqlite:///{tmp}/{n}.sqlite3")) for n in ("small", "large")
            ]
            built = [asyncio.run(soh_ledger(x, n)) for x, n in zip(lites, sizes, strict=True)]
            lite_ratio = print_soh("sqlite", built, asyncio.run(soh_compare(lites, p)))
        print(f"  sqlite (extra line, not a figure): {lite_ratio:.3f}")
    return ratio


if __name__ == "__main__":
    sys.exit(main())
