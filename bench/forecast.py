"""Time the needs forecast and both request documents for a synthetic province.

The province has 100 facilities (the provincial CDC store, 9 district centres, 90 communes), 15 vaccines
(plus their diluents) and 36 months of history per facility × vaccine. One timed run covers: the forecast
(collected once), bundled supplies, chart data, both charts rendered to PNG, the .xlsx workbook and the
.docx letter. Input generation is not timed. Run: ``uv run python bench/forecast.py``.
"""

from __future__ import annotations

import os
import random
import statistics
import time
from datetime import date
from pathlib import Path

import polars as pl

from forecasting.charts import (
    backlog_by_commune,
    backlog_figure,
    figure_to_png,
    stock_vs_need,
    stock_vs_need_figure,
)
from forecasting.documents import RequestLetter, request_letter, request_workbook
from forecasting.needs import (
    BACKLOG,
    CONSUMPTION,
    FACILITIES,
    PRODUCTS,
    STOCK,
    Parameters,
    bundled_supplies,
    default_bundle_ratios,
    forecast_needs,
)
from forecasting.periods import parse_period

TODAY = date(2026, 5, 15)
PERIOD = parse_period("2027")
RUNS = 3

VACCINES = [
    # code, doses/vial, vials/pack, presentation, doses in schedule, target group, diluent
    ("HEPB", 10, 50, "liquid", 1, "births", None),
    ("BCG", 20, 50, "lyophilised", 1, "births", "BCG-DIL"),
    ("PENTA", 1, 50, "liquid", 3, "surviving_infants", None),
    ("BOPV", 20, 50, "liquid", 3, "surviving_infants", None),
    ("IPV", 5, 50, "liquid", 2, "surviving_infants", None),
    ("MEASLES", 10, 50, "lyophilised", 1, "surviving_infants", "MEASLES-DIL"),
    ("MR", 10, 50, "lyophilised", 1, "surviving_infants", "MR-DIL"),
    ("DTP", 10, 50, "liquid", 1, "surviving_infants", None),
    ("JE", 5, 50, "liquid", 3, "surviving_infants", None),
    ("TD", 10, 50, "liquid", 1, "children_7y", None),
    ("TT", 10, 50, "liquid", 2, "pregnant_women", None),
    ("ROTA", 1, 50, "liquid", 2, "surviving_infants", None),
    ("PCV", 4, 50, "liquid", 3, "surviving_infants", None),
    ("HPV", 1, 50, "liquid", 1, "children_7y", None),
    ("VAR", 1, 50, "lyophilised", 1, "surviving_infants", "VAR-DIL"),
]
ORAL = {"BOPV", "ROTA"}


def months_before(today: date, count: int) -> list[date]:
    """First days of the ``count`` whole months before the month of ``today``."""
    index = today.year * 12 + today.month - 1
    return [date((index - k) // 12, (index - k) % 12 + 1, 1) for k in range(count, 0, -1)]


def synthetic_province(seed: int = 2026) -> dict[str, pl.LazyFrame]:
    """Products, facilities, 36 months of history, stock and backlog for a 100-facility province."""
    rng = random.Random(seed)
    products = []
    for code, dpv, vpp, presentation, doses, group, diluent in VACCINES:
        products.append(
            (
                code,
                f"Vắc xin {code}",
                dpv,
                vpp,
                False,
                diluent,
                presentation == "liquid",
                presentation,
                doses,
                group,
            )
        )
        if diluent:
            products.append((diluent, f"Dung môi {code}", dpv, vpp, True, None, False, "liquid", None, None))
    facilities = [("12", "Trung tâm Kiểm soát bệnh tật tỉnh Lai Châu", "province", None, None)]
    for d in range(9):
        district = f"1{d:02d}"
        facilities.append(
            (district, f"Trung tâm Y tế huyện số {d + 1}", "district", "12", rng.randint(3_000, 8_000))
        )
        for c in range(10):
            facilities.append(
                (
                    f"03{d}{c:02d}",
                    f"Trạm Y tế xã Nậm Tè {d + 1}.{c + 1}",
                    "commune",
                    district,
                    rng.randint(1_500, 9_000),
                )
            )
    history, stock, backlog = [], [], []
    months = months_before(TODAY, 36)
    for code, _name, _level, _parent, population in facilities:
        for vaccine in VACCINES:
            product = vaccine[0]
            base = (population or 0) * 0.02 * vaccine[4] / 12
            closing = rng.randint(0, 400)
            for month in months:
                used = max(0, round(base * rng.uniform(0.8, 1.4)))
                administered = round(used * rng.uniform(0.55, 0.98))
                stockout = rng.choice((0, 0, 0, 0, 0, 3, 7))
                closing = max(0, closing + rng.randint(-40, 40))
                history.append((code, product, month, used, administered, stockout, closing))
            stock.append((code, product, rng.randint(0, 600), rng.choice((0, 0, 50, 100))))
            if rng.random() < 0.4:
                backlog.append((code, product, rng.randint(1, 80)))
    return {
        "products": pl.LazyFrame(products, schema=PRODUCTS, orient="row"),
        "facilities": pl.LazyFrame(facilities, schema=FACILITIES, orient="row"),
        "history": pl.DataFrame(history, schema=CONSUMPTION, orient="row").lazy(),
        "stock": pl.LazyFrame(stock, schema=STOCK, orient="row"),
        "backlog": pl.LazyFrame(backlog, schema=BACKLOG, orient="row"),
    }


LETTER = RequestLetter(
    issuer_parent="Sở Y tế tỉnh Lai Châu",
    issuer="Trung tâm Kiểm soát bệnh tật tỉnh Lai Châu",
    number="   /KSBT-TCMR",
    place="Lai Châu",
    issued_on=date(2026, 5, 20),
    recipient="Viện Vệ sinh dịch tễ Trung ương",
    signer_title="Giám đốc",
    signer_name="Nguyễn Văn A",
)


def one_run(inputs: dict[str, pl.LazyFrame], out: Path | None) -> tuple[float, float, int]:
    """Forecast and both documents once; returns (wall seconds, CPU seconds, forecast lines)."""
    start, cpu = time.perf_counter(), time.process_time()
    parameters = Parameters()
    lazy = forecast_needs(**inputs, period=PERIOD, today=TODAY, parameters=parameters)
    forecast = lazy.collect()
    ratios = default_bundle_ratios(inputs["products"], oral_product_codes=ORAL)
    supplies = bundled_supplies(forecast.lazy(), ratios).collect()
    stock_chart = stock_vs_need(inputs["history"], forecast.lazy(), today=TODAY).collect()
    backlog = backlog_by_commune(inputs["backlog"], inputs["facilities"]).collect()
    charts = [figure_to_png(stock_vs_need_figure(stock_chart)), figure_to_png(backlog_figure(backlog))]
    xlsx = request_workbook(
        forecast=forecast,
        supplies=supplies,
        backlog=backlog,
        parameters=parameters,
        title="Dự trù vắc xin năm 2027",
    )
    docx = request_letter(letter=LETTER, forecast=forecast, supplies=supplies, backlog=backlog, charts=charts)
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        (out / "forecast_province.xlsx").write_bytes(xlsx)
        (out / "forecast_province.docx").write_bytes(docx)
    return seconds, cpu_seconds, forecast.height


def main() -> None:
    """Build the province, time the runs, print the figure line."""
    inputs = synthetic_province()
    history_rows = inputs["history"].select(pl.len()).collect().item()
    print(f"province: 100 facilities x {len(VACCINES)} vaccines, {history_rows} history rows (36 months)")
    print(f"load average before the runs: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    out = Path(os.environ.get("BENCH_OUT", "out/bench"))
    timings = []
    for run in range(RUNS):
        seconds, cpu_seconds, lines = one_run(inputs, out if run == 0 else None)
        timings.append(seconds)
        print(
            f"run {run + 1}: {seconds:.2f} s wall, {cpu_seconds:.2f} s CPU "
            f"({lines} forecast lines; forecast + supplies + charts + xlsx + docx)"
        )
    print(f"documents written to {out}/ (median of {RUNS} runs below)")
    print(f"figure forecast_province_seconds = {statistics.median(timings):.2f} s")


if __name__ == "__main__":
    main()
