"""Text shared by the workbook and the letter: Vietnamese numbers, the period, total lines and reasons."""

from __future__ import annotations

import polars as pl

from forecasting.periods import parse_period


def format_number(value: float | None, decimals: int = 0) -> str:
    """Vietnamese number: "." between thousands, "," before decimals; "" for None."""
    if value is None:
        return ""
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "\u0000").replace(".", ",").replace("\u0000", ".")


def total_lines(forecast: pl.DataFrame) -> pl.DataFrame:
    return forecast.filter(pl.col("scope") == "total").sort("product_code")


def period_label_vi(forecast: pl.DataFrame) -> str:
    return parse_period(forecast["period"][0]).label_vi if forecast.height else ""


def _wastage_ranges(forecast: pl.DataFrame) -> dict[str, tuple[float, float]]:
    rows = (
        forecast.filter((pl.col("scope") == "facility") & (pl.col("need_doses") > 0))
        .group_by("product_code")
        .agg(pl.col("wastage_factor").min().alias("low"), pl.col("wastage_factor").max().alias("high"))
    )
    return {r["product_code"]: (r["low"], r["high"]) for r in rows.iter_rows(named=True)}


def _method_counts(forecast: pl.DataFrame) -> dict[tuple[str, str], int]:
    rows = (
        forecast.filter((pl.col("scope") == "facility") & (pl.col("need_routine") > 0))
        .group_by("product_code", "need_method")
        .len()
    )
    return {(r["product_code"], r["need_method"]): r["len"] for r in rows.iter_rows(named=True)}


def request_reasons(forecast: pl.DataFrame) -> dict[str, str]:
    """One sentence per vaccine explaining its requested quantity from the total line."""
    ranges, methods = _wastage_ranges(forecast), _method_counts(forecast)
    reasons: dict[str, str] = {}
    for row in total_lines(forecast).iter_rows(named=True):
        code = row["product_code"]
        how = [
            f"{label} {methods[(code, key)]} cơ sở"
            for key, label in (("target_population", "theo đối tượng"), ("consumption", "theo tiêu thụ"))
            if (code, key) in methods
        ]
        parts = [f"Nhu cầu thường xuyên {format_number(row['need_routine'])} liều"]
        if how:
            parts[0] += f" ({', '.join(how)})"
        if code in ranges and ranges[code][0] is not None:
            low, high = ranges[code]
            factor = (
                format_number(low, 2) if low == high else f"{format_number(low, 2)}-{format_number(high, 2)}"
            )
            parts.append(f"hệ số hao phí {factor}")
        if row["need_catchup"]:
            parts.append(
                f"tiêm bù {format_number(row['need_catchup'])} liều "
                f"(tồn đọng {format_number(row['backlog_doses'])} liều)"
            )
        parts.append(f"dự trữ {format_number(row['reserve_doses'])} liều")
        parts.append(
            f"trừ tồn kho {format_number(row['stock_on_hand'])} và đang vận chuyển "
            f"{format_number(row['stock_in_transit'])} liều"
        )
        reasons[code] = "; ".join(parts) + "."
    return reasons


def catchup_by_commune(forecast: pl.DataFrame, backlog: pl.DataFrame) -> pl.DataFrame:
    catchup = forecast.filter(pl.col("scope") == "facility").select(
        "facility_code", "product_code", "product_name", "need_catchup"
    )
    return backlog.join(catchup, on=["facility_code", "product_code"], how="left").sort(
        "commune", "product_code"
    )
