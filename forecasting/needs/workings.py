"""The Vietnamese workings of each forecast line: every formula written out with its numbers."""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from forecasting.numbers import EXACT, SCALE, fraction_of, ratio_rounded, scaled

_METHOD_VI = {
    "target_population": "theo đối tượng",
    "consumption": "theo tiêu thụ",
    "none": "không có dữ liệu",
}
_WASTAGE_SOURCE_VI = {
    "setting": "thiết lập",
    "measured": "đo lường",
    "indicative": "chỉ số WHO",
    "none": "không xác định",
}


def _text(expr: pl.Expr) -> pl.Expr:
    return expr.cast(pl.String).str.replace(".", ",", literal=True)


def _num(expr: pl.Expr, decimals: int = 2) -> pl.Expr:
    """A Float64 column shown with `decimals`, rounded once, half-up, from its exact decimal value."""
    return _text(ratio_rounded(scaled(expr), pl.lit(SCALE), decimals))


def _whole(expr: pl.Expr) -> pl.Expr:
    """A whole number written the way the tables write it (2640 -> "2.640", -1234 -> "-1.234"); any other
    text unchanged."""
    text = expr.cast(pl.String)
    digits = text.str.strip_chars_start("-")
    grouped = (
        digits.str.reverse().str.replace_all(r"(\d{3})", "${1}.").str.reverse().str.strip_chars_start(".")
    )
    sign = pl.when(text.str.starts_with("-")).then(pl.lit("-")).otherwise(pl.lit(""))
    return pl.when(text.str.contains(r"^-?\d+$")).then(pl.concat_str(sign, grouped)).otherwise(text)


def _format(template: str, *args: str | pl.Expr) -> pl.Expr:
    """pl.format, each column named by a string written as a whole number the Vietnamese way."""
    return pl.format(template, *(_whole(pl.col(a)) if isinstance(a, str) else a for a in args))


def _label(expr: pl.Expr, labels: Mapping[str, str]) -> pl.Expr:
    return expr.replace_strict(labels, default=expr, return_dtype=pl.String)


def _order_workings() -> pl.Expr:
    return _format(
        "Đề nghị = max(0; {} − {} tồn kho − {} đang vận chuyển) = {} liều → ⌈{}/{}⌉ = {} lọ"
        " → ⌈{}/{}⌉ = {} hộp → {} lọ × {} = {} liều",
        "max_stock_doses",
        "stock_on_hand",
        "stock_in_transit",
        "order_doses_net",
        "order_doses_net",
        "doses_per_vial",
        "order_vials_net",
        "order_vials_net",
        "vials_per_pack",
        "order_packs",
        "order_vials",
        "doses_per_vial",
        "order_doses",
    )


def _pct(expr: pl.Expr) -> pl.Expr:
    """A fraction setting (0.9) as a percentage with one decimal (90,0%), rounded once, half-up."""
    return pl.concat_str(_text(ratio_rounded(scaled(expr) * 100, pl.lit(SCALE), 1)), pl.lit("%"))


def _wastage_workings() -> pl.Expr:
    # _wn / _wd is the exact wastage rate the line uses (forecasting.needs.lines._wastage_terms)
    rate = pl.concat_str(_text(ratio_rounded(pl.col("_wn") * 100, pl.col("_wd"), 1)), pl.lit("%"))
    wf = _num(pl.col("wastage_factor"))
    source = _label(pl.col("wastage_source"), _WASTAGE_SOURCE_VI)
    used, given = pl.col("doses_used"), pl.col("doses_administered")
    factor = (
        pl.when(pl.col("wastage_source") == "measured")
        .then(
            _format(
                "Hệ số hao phí (HSHP) = 1/(1 − {}) = {} liều sử dụng ÷ {} liều đã tiêm = {} ({})",
                rate,
                "doses_used",
                "doses_administered",
                wf,
                source,
            )
        )
        .otherwise(_format("Hệ số hao phí (HSHP) = 1/(1 − {}) = {} ({})", rate, wf, source))
    )
    # the fall-back: measured wastage that is negative (more doses given than used) or cannot be computed
    # (doses used but none recorded as given) is not used; the indicative rate for the vial size is
    fallback = (
        pl.when((pl.col("wastage_source") == "indicative") & (used > 0) & (given > used))
        .then(
            _format(
                "Hao phí đo được âm ({} liều đã tiêm > {} liều sử dụng trong {} tháng): không dùng, "
                "lấy tỷ lệ chỉ số WHO theo cỡ lọ",
                "doses_administered",
                "doses_used",
                "history_months",
            )
        )
        .when((pl.col("wastage_source") == "indicative") & (used > 0) & (given == 0))
        .then(
            _format(
                "Không tính được hao phí đo được ({} liều sử dụng, 0 liều đã tiêm): lấy tỷ lệ chỉ số WHO theo cỡ lọ",
                "doses_used",
            )
        )
    )
    return pl.concat_str([factor, fallback], separator="\n", ignore_nulls=True)


def facility_workings(months: int, days: int, days_per_month: float) -> pl.Expr:
    per_month = fraction_of(days_per_month)
    wf = _num(pl.col("wastage_factor"))
    pt_origin = (
        pl.when(pl.col("target_population_source") == "target_list")
        .then(pl.lit("danh sách đối tượng"))
        .otherwise(_format("{} dân × {}", "population", _pct(pl.col("target_share"))))
    )
    parts = [
        _wastage_workings(),
        _format(
            "Theo đối tượng = {} đối tượng ({}) × {} liều × {} bao phủ × {} HSHP ÷ 12 × {} tháng = {}",
            "target_population",
            pt_origin,
            "doses_in_schedule",
            _pct(pl.col("coverage")),
            wf,
            pl.lit(months),
            "need_target_population",
        ),
        _format(
            "Theo tiêu thụ = {} liều ÷ ({} tháng − {} ngày hết hàng ÷ {}) = {}/tháng × {} tháng"
            " × (1 + {}) = {}",
            "doses_used",
            "history_months",
            "stockout_days",
            pl.lit(f"{days_per_month:g}".replace(".", ",")),
            _text(
                ratio_rounded(pl.col("doses_used").cast(EXACT) * per_month.numerator, pl.col("_stocked"), 1)
            ),
            pl.lit(months),
            _pct(pl.col("consumption_growth")),
            "need_consumption",
        ),
        _format("Nhu cầu thường xuyên: {} = {}", _label(pl.col("need_method"), _METHOD_VI), "need_routine"),
        pl.when(pl.col("backlog_doses") > 0).then(
            _format(
                "Tiêm bù = {} liều tồn đọng × {} HSHP × min(1; {}/{} tháng) = {}",
                "backlog_doses",
                wf,
                pl.lit(months),
                "catchup_months",
                "need_catchup",
            )
        ),
        _format("Nhu cầu kỳ = {} + {} = {}", "need_routine", "need_catchup", "need_doses"),
        _format(
            "Dự trữ = {} × {} = {}; tối đa = {} + {} = {}",
            _pct(pl.col("reserve_share")),
            "need_routine",
            "reserve_doses",
            "need_doses",
            "reserve_doses",
            "max_stock_doses",
        ),
        _format(
            "Mức đặt hàng = {} × {} ngày ÷ {} ngày + {} = {}",
            "need_routine",
            "lead_time_days",
            pl.lit(days),
            "reserve_doses",
            "reorder_level_doses",
        ),
        _order_workings(),
    ]
    return pl.concat_str(parts, separator="\n", ignore_nulls=True).alias("workings")


def aggregate_workings() -> pl.Expr:
    return pl.concat_str(
        [
            _format(
                "Cộng {} cơ sở: nhu cầu kỳ {} (thường xuyên {} + tiêm bù {}); dự trữ {}; tối đa {};"
                " mức đặt hàng {}",
                "facilities",
                "need_doses",
                "need_routine",
                "need_catchup",
                "reserve_doses",
                "max_stock_doses",
                "reorder_level_doses",
            ),
            _order_workings(),
        ],
        separator="\n",
    ).alias("workings")
