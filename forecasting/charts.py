"""Charts for the vaccine request: stock against need, and the catch-up backlog by commune.

Figures are built with the matplotlib object API (``Figure``, never pyplot, which leaks state in a
server). Each chart has a ``draw_x(ax, df)`` helper that tests inspect through ``ax.patches`` and
``ax.lines``, a figure builder, and the data preparation as a polars ``LazyFrame`` function. Text is
set in DejaVu Sans, which ships with matplotlib and has every Vietnamese glyph.
"""

from __future__ import annotations

import io
from datetime import date

import polars as pl
from matplotlib import colormaps, rc_context
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from forecasting.numbers import ratio_rounded

FONT_FAMILY = "DejaVu Sans"
_FONT_RC = {"font.family": "sans-serif", "font.sans-serif": [FONT_FAMILY]}

STOCK_VS_NEED = pl.Schema(
    {
        "product_code": pl.String,
        "product_name": pl.String,
        "month": pl.Date,
        "stock_doses": pl.Int64,  # closing stock summed over the facilities; null when not reported
        "used_doses": pl.Int64,
        "need_doses": pl.Int64,  # the forecast's need per month
    }
)

BACKLOG_BY_COMMUNE = pl.Schema(
    {
        "facility_code": pl.String,
        "commune": pl.String,
        "product_code": pl.String,
        "doses": pl.Int64,
    }
)

STOCK_LABEL = "Tồn kho cuối tháng"
USED_LABEL = "Đã sử dụng"
NEED_LABEL = "Nhu cầu/tháng (dự báo)"


def _months_before(today: date, months: int) -> tuple[date, date]:
    end = today.replace(day=1)
    index = end.year * 12 + end.month - 1 - months
    return date(index // 12, index % 12 + 1, 1), end


def stock_vs_need(
    history: pl.LazyFrame, forecast: pl.LazyFrame, *, today: date, months: int = 12
) -> pl.LazyFrame:
    """Monthly stock and use before ``today`` with the forecast's monthly need (``STOCK_VS_NEED``)."""
    # history: forecasting.needs.CONSUMPTION; forecast: forecast_needs output (its total lines give the need).
    start, end = _months_before(today, months)
    calendar = pl.LazyFrame({"month": pl.date_range(start, end, "1mo", closed="left", eager=True)})
    totals = forecast.filter(pl.col("scope") == "total").select(
        "product_code",
        "product_name",
        ratio_rounded(pl.col("need_doses"), pl.col("period_months")).alias("need_doses"),
    )
    monthly = (
        history.filter(pl.col("month").is_between(start, end, closed="left"))
        .group_by("product_code", "month")
        .agg(
            pl.when(pl.col("closing_stock").is_not_null().any())
            .then(pl.col("closing_stock").sum())
            .alias("stock_doses"),
            pl.col("doses_used").sum().alias("used_doses"),
        )
    )
    return (
        totals.join(calendar, how="cross")
        .join(monthly, on=["product_code", "month"], how="left")
        .select(STOCK_VS_NEED.names())
        .cast(dict(STOCK_VS_NEED))
        .sort("product_code", "month")
    )


def backlog_by_commune(backlog: pl.LazyFrame, facilities: pl.LazyFrame) -> pl.LazyFrame:
    """Backlog doses per commune and vaccine with the commune's name (``BACKLOG_BY_COMMUNE``)."""
    names = facilities.select("facility_code", pl.col("name").alias("commune"))
    return (
        backlog.group_by("facility_code", "product_code")
        .agg(pl.col("doses").sum())
        .filter(pl.col("doses") > 0)
        .join(names, on="facility_code", how="left")
        .with_columns(pl.coalesce("commune", "facility_code").alias("commune"))
        .select(BACKLOG_BY_COMMUNE.names())
        .cast(dict(BACKLOG_BY_COMMUNE))
        .sort("commune", "product_code")
    )


def draw_stock_vs_need(ax: Axes, df: pl.DataFrame) -> Axes:
    """Bars of month-end stock, a line of doses used and a dashed line of the forecast need, one vaccine."""
    rows = df.sort("month")
    x = list(range(rows.height))
    stock = [0 if v is None else v for v in rows["stock_doses"].to_list()]
    ax.bar(x, stock, color="#9ecae1", label=STOCK_LABEL)
    ax.plot(x, rows["used_doses"].to_list(), color="#08519c", marker="o", label=USED_LABEL)
    ax.plot(x, rows["need_doses"].to_list(), color="#cb181d", linestyle="--", label=NEED_LABEL)
    labels = [f"{m.month:02d}/{m.year % 100:02d}" for m in rows["month"].to_list()]
    ax.set_xticks(x, labels, fontsize=7, rotation=90)
    if rows.height:
        ax.set_title(rows["product_name"][0], fontsize=9)
    ax.set_ylabel("liều", fontsize=8)
    ax.tick_params(axis="y", labelsize=7)
    return ax


def draw_backlog_by_commune(ax: Axes, df: pl.DataFrame) -> Axes:
    """Horizontal bars of backlog doses per commune, stacked by vaccine (one segment per non-zero dose count)."""
    # Alphabetical from the top, like the letter's table; a folded "other communes" row (no code) last.
    communes = (
        df.group_by("commune")
        .agg(pl.col("facility_code").is_null().all().alias("folded"))
        .sort("folded", "commune", descending=[False, True])
    )
    communes = communes.filter(pl.col("folded")).vstack(communes.filter(~pl.col("folded")))
    names = communes["commune"].to_list()
    position = {name: i for i, name in enumerate(names)}
    segments = (
        df.filter(pl.col("doses") > 0)
        .group_by("commune", "product_code")
        .agg(pl.col("doses").sum())
        .sort("product_code", "commune")
        .with_columns(
            (pl.col("doses").cum_sum().over("commune", order_by="product_code") - pl.col("doses")).alias(
                "left"
            )
        )
    )
    palette = colormaps["tab20"]
    for i, product in enumerate(segments["product_code"].unique(maintain_order=True).to_list()):
        rows = segments.filter(pl.col("product_code") == product)
        y = [position[c] for c in rows["commune"].to_list()]
        ax.barh(y, rows["doses"].to_list(), left=rows["left"].to_list(), label=product, color=palette(i % 20))
    ax.set_yticks(range(len(names)), names, fontsize=8)
    ax.set_xlabel("Số liều cần tiêm bù", fontsize=8)
    ax.tick_params(axis="x", labelsize=8)
    ax.set_title("Số liều tiêm bù tồn đọng theo xã", fontsize=10)
    if segments.height:
        ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    return ax


def largest_communes(df: pl.DataFrame, *, limit: int) -> pl.DataFrame:
    """Keep the ``limit`` communes with the largest backlog; fold the others into one "other communes" row."""
    totals = (
        df.group_by("commune").agg(pl.col("doses").sum()).sort("doses", "commune", descending=[True, False])
    )
    if totals.height <= limit:
        return df
    kept = totals.head(limit - 1)["commune"]
    others = totals.height - kept.len()
    label = f"Các xã khác ({others} xã)"
    return (
        df.with_columns(
            pl.when(pl.col("commune").is_in(kept.implode())).then(pl.col("commune")).otherwise(pl.lit(label))
        )
        .group_by("commune", "product_code")
        .agg(pl.col("facility_code").first(), pl.col("doses").sum())
        .with_columns(
            pl.when(pl.col("commune") != label).then(pl.col("facility_code")).alias("facility_code")
        )
        .select(df.columns)
    )


def stock_vs_need_figure(df: pl.DataFrame, *, columns: int = 3) -> Figure:
    """One small chart of stock against need per vaccine, with a shared legend."""
    with rc_context(_FONT_RC):
        codes = df["product_code"].unique(maintain_order=True).to_list()
        rows = max(1, -(-len(codes) // columns))
        height = 2.5 * rows + 1.2
        fig = Figure(figsize=(3.3 * columns, height))
        # Fixed margins: constrained layout costs seconds on a 15-panel figure.
        fig.subplots_adjust(
            left=0.07, right=0.99, top=1 - 0.75 / height, bottom=0.75 / height, hspace=0.75, wspace=0.3
        )
        axes = fig.subplots(rows, columns, squeeze=False).ravel()
        for ax, code in zip(axes, codes, strict=False):
            draw_stock_vs_need(ax, df.filter(pl.col("product_code") == code))
        for ax in axes[len(codes) :]:
            ax.set_axis_off()
        if codes:
            handles, labels = axes[0].get_legend_handles_labels()
            fig.legend(handles, labels, loc="lower center", ncols=3, fontsize=8, frameon=False)
        fig.suptitle("Tồn kho và nhu cầu vắc xin 12 tháng qua", fontsize=11)
    return fig


def backlog_figure(df: pl.DataFrame, *, max_communes: int = 30) -> Figure:
    """The backlog-by-commune chart, at most ``max_communes`` bars (the rest folded into one)."""
    with rc_context(_FONT_RC):
        shown = largest_communes(df, limit=max_communes)
        communes = max(shown["commune"].n_unique(), 1)
        longest = max((len(c) for c in shown["commune"].to_list()), default=10)
        height = 1.2 + 0.28 * communes
        fig = Figure(figsize=(8, height))
        fig.subplots_adjust(
            left=min(0.5, 0.03 + 0.0105 * longest), right=0.86, top=1 - 0.4 / height, bottom=0.55 / height
        )
        draw_backlog_by_commune(fig.subplots(), shown)
    return fig


def figure_to_png(fig: Figure, *, dpi: int = 110) -> bytes:
    """Render a figure to PNG bytes (Agg, no pyplot)."""
    buffer = io.BytesIO()
    with rc_context(_FONT_RC):
        fig.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


COMMUNE_BACKLOG = pl.Schema(
    {
        "antigen": pl.String,
        "dose_number": pl.Int16,
        "due": pl.Int64,
        "overdue": pl.Int64,
        "zero_dose": pl.Int64,
    }
)


def draw_commune_backlog(ax: Axes, df: pl.DataFrame, *, title: str) -> Axes:
    """One commune's backlog: overdue and due doses per antigen and dose, stacked; zero-dose children marked."""
    rows = df.sort("antigen", "dose_number")
    labels = [f"{a} {n}" for a, n in zip(rows["antigen"], rows["dose_number"], strict=True)]
    x = list(range(rows.height))
    ax.bar(x, rows["overdue"].to_list(), label="Quá hạn / overdue", color="#b3261e")
    ax.bar(x, rows["due"].to_list(), bottom=rows["overdue"].to_list(), label="Đến hạn / due", color="#e0a100")
    ax.plot(x, rows["zero_dose"].to_list(), "o", color="#1d2733", label="Trẻ chưa tiêm mũi nào / zero-dose")
    ax.set_xticks(x, labels, rotation=60, ha="right", fontsize=7)
    ax.set_ylabel("Số trẻ / children", fontsize=8)
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=7, frameon=False)
    return ax


def commune_backlog_figure(df: pl.DataFrame, *, title: str) -> Figure:
    """The backlog chart of one commune (``COMMUNE_BACKLOG`` rows)."""
    with rc_context(_FONT_RC):
        fig = Figure(figsize=(8, 3.4), layout="constrained")
        draw_commune_backlog(fig.subplots(), df, title=title)
    return fig
