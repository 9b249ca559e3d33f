"""Who the synthetic register's children are: a name in the naming of the child's ethnic group, the carer to
call, the village and a mobile number (demo data; the groups, names and villages are assumed or illustrative)."""

from __future__ import annotations

from datetime import date

import polars as pl

from forecasting.register_synth_children import MUONG_TE_UNITS, Draws, children_base

PEOPLE = pl.Schema(
    {"child_id": pl.String, "name": pl.String, "carer": pl.String, "village": pl.String, "phone": pl.String}
)
"""Who the child is and who to call: the columns a due list needs besides ``CHILDREN``."""

ETHNIC_MIX: dict[str, tuple[tuple[str, float], ...]] = {
    "03433": (("Kinh", 0.35), ("Thái", 0.45), ("Hà Nhì", 0.1), ("Mông", 0.1)),
    "03454": (("Thái", 0.6), ("Hà Nhì", 0.25), ("Cống", 0.15)),
    "03469": (("Si La", 0.4), ("Hà Nhì", 0.4), ("Thái", 0.2)),
    "03466": (("Thái", 0.6), ("Cống", 0.2), ("Mông", 0.2)),
    "03448": (("La Hủ", 0.7), ("Hà Nhì", 0.3)),
    "03445": (("Thái", 0.5), ("Mông", 0.3), ("Dao", 0.2)),
    "03457": (("Mông", 0.5), ("Cống", 0.3), ("Thái", 0.2)),
    "03436": (("Hà Nhì", 0.8), ("La Hủ", 0.2)),
    "03439": (("La Hủ", 0.5), ("Hà Nhì", 0.5)),
    "03442": (("La Hủ", 0.9), ("Hà Nhì", 0.1)),
    "03440": (("Hà Nhì", 0.6), ("La Hủ", 0.4)),
    "03451": (("Hà Nhì", 1.0),),
    "03463": (("Mông", 0.6), ("La Hủ", 0.3), ("Thái", 0.1)),
    "03467": (("Thái", 0.5), ("Mông", 0.5)),
}
"""Ethnic group shares per pre-2025 unit (ASSUMED, loosely after vietnam-epi.md §3.1: Mù Cả is ≈ 98 % Hà
Nhì, Pa Ủ and Pa Vệ Sủ La Hủ, Kan Hồ has Si La); they only make the demo's names look like the district's."""

NAMES: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    # group: (family names, given names of boys and men, given names of girls and women)
    "Kinh": (
        ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ"),
        ("Văn Minh", "Đức Anh", "Quang Huy", "Minh Khôi", "Gia Bảo", "Văn Hùng"),
        ("Thị Lan", "Ngọc Anh", "Thu Trang", "Bảo Ngọc", "Khánh Linh", "Thị Hoa"),
    ),
    "Thái": (
        ("Lò", "Lường", "Tòng", "Điêu", "Vì", "Cầm", "Quàng"),
        ("Văn Thanh", "Văn Khánh", "Văn Pản", "Văn Ính", "Văn Xôm", "Văn Panh"),
        ("Thị Ơn", "Thị Hương", "Thị Pâng", "Thị Xuân", "Thị Ngoan", "Thị Phong"),
    ),
    "Hà Nhì": (
        ("Pờ", "Lỳ", "Chu", "Phìn", "Sừ", "Pó", "Lò"),
        ("Xá Dơ", "Gạ Xá", "Lồ Pà", "Chừ Gạ", "Dà Cà", "Hừ Xá", "Mò Xá"),
        ("Mé Xá", "Thị Gạ", "Xe Mé", "Chà Mé", "Thị Lé", "Ngừ Xá", "Thị Mơ"),
    ),
    "La Hủ": (
        ("Lò", "Chang", "Pờ", "Lý", "Vàng", "Phùng"),
        ("Gạ Cà", "Xé Phù", "Cà Nhù", "Xá Tư", "Phì Xé", "Là Chừ"),
        ("Na Mé", "Thị Cà", "Mỳ Xá", "Na Phù", "Chà Ma", "Thị Nhù"),
    ),
    "Mông": (
        ("Giàng", "Vàng", "Sùng", "Lầu", "Thào", "Hạng", "Lý"),
        ("A Páo", "A Chứ", "A Dế", "A Lử", "A Sào", "A Tủa"),
        ("Thị Mỷ", "Thị Dua", "Thị Chứ", "Thị Ly", "Thị Sua", "Thị Pà"),
    ),
    "Dao": (
        ("Đặng", "Triệu", "Bàn", "Chảo", "Lý"),
        ("Văn Phú", "Láo Lở", "Văn Quý", "Văn Tả", "Phù Sinh"),
        ("Thị Mai", "Mùi Xuân", "Thị Chang", "Thị Nhẩy", "Thị Kiều"),
    ),
    "Cống": (
        ("Chang", "Lò", "Pờ", "Hù", "Chu"),
        ("Văn Phí", "Văn Khừ", "Văn Sáng", "Văn Thi"),
        ("Thị Khay", "Thị Phin", "Thị Xuân", "Thị Chai"),
    ),
    "Si La": (
        ("Hù", "Lý", "Pờ", "Vàng"),
        ("Văn Xó", "Ché Hừ", "Văn Pa", "Văn Dơ"),
        ("Thị Chà", "Thị Mó", "Thị Phìn", "Thị Xé"),
    ),
}
"""Name stock per ethnic group (common family names of each group in Lai Châu; given names illustrative)."""

VILLAGES: dict[str, tuple[str, ...]] = {
    "03433": ("Tổ dân phố số 1", "Tổ dân phố số 3", "Tổ dân phố số 5", "Bản Phìn Khò"),
    "03454": ("Bản Bum Tở", "Bản Nậm Củm", "Bản Xì Thâu Chải", "Bản Nậm Tần"),
    "03469": ("Bản Seo Hai", "Bản Nậm Sẻ", "Bản Kan Hồ"),
    "03466": ("Bản Bum Nưa", "Bản Nậm Hàng", "Bản Mé Gióng"),
    "03448": ("Bản Pa Vệ Sủ", "Bản Xì Xí", "Bản Phìn Hồ", "Bản Lò Ma"),
    "03445": ("Bản Nậm Cúm", "Bản Phìn Khò", "Bản Nậm Pục"),
    "03457": ("Bản Nậm Khao", "Bản Phìn Hồ", "Bản Huổi Van"),
    "03436": ("Bản Thu Lũm", "Bản Nhóm Pố", "Bản Lòng Thàng", "Bản Ang Lạc"),
    "03439": ("Bản Ka Lăng", "Bản Là Pê", "Bản Mò Phu Chải", "Bản Hà Xe"),
    "03442": ("Bản Pa Ủ", "Bản Nhu Tè", "Bản Pa Ha", "Bản Xà Hồ"),
    "03440": ("Bản Tá Bạ", "Bản Chang Pa", "Bản Hà Xe"),
    "03451": ("Bản Mù Cả", "Bản Ma Ký", "Bản Nhù Kố", "Bản Gò Cứ", "Bản Tìa Ma Mủ", "Bản Xà Hồ"),
    "03463": ("Bản Tà Tổng", "Bản Nậm Pục", "Bản Chà Lá", "Bản Tà Phìn"),
    "03467": ("Bản Vàng San", "Bản Nậm Luồng", "Bản Nậm Ngà"),
}
"""Villages (bản, tổ dân phố) per pre-2025 unit: ILLUSTRATIVE names for the demo, not a gazetteer."""

PHONE_PREFIXES = ("032", "033", "034", "035", "036", "037", "038", "039", "086", "096", "097", "098", "091")
CARERS = (("mẹ", 0.6), ("bố", 0.33), ("bà", 0.07))
"""Who brings the child (mother, father, grandmother) and how often (assumed)."""


def synth_people(
    *,
    births_per_year: int = 1000,
    cohorts: int = 5,
    as_of: date = date(2025, 12, 31),
    seed: int = 20240101,
) -> pl.LazyFrame:
    """``PEOPLE`` for the children ``synth_register`` makes with the same arguments: a name in the naming of
    the child's ethnic group, the carer to call (mother, father or grandmother, with that person's name),
    the village, and a mobile number for most families (fewer in the remote communes)."""
    draws = Draws(seed)
    base = children_base(births_per_year, cohorts, as_of, draws).with_columns(
        pl.lit(MUONG_TE_UNITS["old_code"]).gather(pl.col("_unit")).alias("_old")
    )
    mix = pl.LazyFrame(
        [
            (
                old,
                group,
                sum(share for _, share in shares[:k]),
                # the last group takes whatever rounding leaves of [0, 1)
                sum(share for _, share in shares[: k + 1]) if k < len(shares) - 1 else 2.0,
            )
            for old, shares in ETHNIC_MIX.items()
            for k, (group, _) in enumerate(shares)
        ],
        schema={"_old": pl.String, "_group": pl.String, "_lo": pl.Float64, "_hi": pl.Float64},
        orient="row",
    )
    names = pl.LazyFrame(
        [(group, list(f), list(m), list(w)) for group, (f, m, w) in NAMES.items()],
        schema={
            "_group": pl.String,
            "_family": pl.List(pl.String),
            "_men": pl.List(pl.String),
            "_women": pl.List(pl.String),
        },
        orient="row",
    )
    villages = pl.LazyFrame(
        [(old, list(v)) for old, v in VILLAGES.items()],
        schema={"_old": pl.String, "_villages": pl.List(pl.String)},
        orient="row",
    )

    def pick(options: str, draw: int) -> pl.Expr:
        index = (draws.uniform(draw) * pl.col(options).list.len()).floor().cast(pl.Int64)
        return pl.col(options).list.get(index)

    u = draws.uniform(24)
    carer_kind = (
        pl.when(u < CARERS[0][1])
        .then(pl.lit(CARERS[0][0]))
        .when(u < CARERS[0][1] + CARERS[1][1])
        .then(pl.lit(CARERS[1][0]))
        .otherwise(pl.lit(CARERS[2][0]))
    )
    boy = pl.col("sex") == "M"
    has_phone = draws.uniform(28) < 0.9 - 0.35 * pl.col("_r")
    number = pl.format(
        "{}{}",
        pl.lit(pl.Series(PHONE_PREFIXES)).gather(
            (draws.uniform(29) * len(PHONE_PREFIXES)).floor().cast(pl.Int64)
        ),
        (draws.uniform(30) * 10_000_000).floor().cast(pl.Int64).cast(pl.String).str.zfill(7),
    )
    return (
        base.with_columns(draws.uniform(20).alias("_u"))
        .join(mix, on="_old")
        .filter((pl.col("_u") >= pl.col("_lo")) & (pl.col("_u") < pl.col("_hi")))
        .join(names, on="_group")
        .join(villages, on="_old")
        .with_columns(
            pick("_family", 21).alias("_surname"),
            pl.when(boy).then(pick("_men", 22)).otherwise(pick("_women", 22)).alias("_given"),
            pick("_family", 25).alias("_mother_surname"),
            pick("_men", 26).alias("_father_given"),
            pick("_women", 27).alias("_mother_given"),
            pick("_family", 31).alias("_grandmother_surname"),
            pick("_women", 32).alias("_grandmother_given"),
        )
        .with_columns(
            pl.format("{} {}", "_surname", "_given").alias("name"),
            pl.when(carer_kind == "bố")
            .then(pl.format("{} {} (bố)", "_surname", "_father_given"))
            .when(carer_kind == "mẹ")
            .then(pl.format("{} {} (mẹ)", "_mother_surname", "_mother_given"))
            .otherwise(pl.format("{} {} (bà)", "_grandmother_surname", "_grandmother_given"))
            .alias("carer"),
            pick("_villages", 23).alias("village"),
            pl.when(has_phone).then(number).otherwise(pl.lit(None, dtype=pl.String)).alias("phone"),
        )
        .sort("_i")
        .select(PEOPLE.names())
    )
