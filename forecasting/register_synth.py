"""A synthetic, deterministic child vaccination register for the Mường Tè communes (demo and bench data).

Every random draw is a splitmix64 hash of (seed, child index, draw number) computed with polars integer
expressions, so the same arguments give the same register, and millions of children are generated
without a Python loop over children. What the generator models:
- births spread over the last ``cohorts`` years before ``as_of``, shared between the 14 pre-2025 units
  (weights and remoteness are assumptions: commune populations are UNVERIFIED);
- zero-dose children, more of them in the remote border communes; series dropouts (DTP1 → DTP3);
  children who stop coming at some age, some of whom come back later and resume their series (no restart);
  delays that grow with remoteness; the 2023 national 5-in-1 stock-out (doses due in the first half of
  2023 given from July 2023);
- the 2025 merger: after 01/07/2025 children carry the new commune code, except that some born before
  the merger are still registered under their old unit's code.
Doses follow the rules of the schedule version in force on ``as_of`` (28-day "months"), and only doses
given on or before ``as_of`` are recorded, numbered 1, 2, … within each antigen.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from forecasting.backlog import CHILDREN, COMMUNE_MAP, DOSES, add_span
from forecasting.schedule import DoseRule, dose_rules, load_schedule, series_of

MERGER_DATE = date(2025, 7, 1)
"""Date the 14 Mường Tè units became 7 communes (Nghị quyết 1670/NQ-UBTVQH15)."""

MUONG_TE_UNITS = pl.DataFrame(
    [
        # old code, old unit, new code, new commune, remoteness 0..1 (assumed), share of births (assumed)
        ("03433", "Thị trấn Mường Tè", "03433", "Xã Bum Tở", 0.0, 0.11),
        ("03454", "Xã Bum Tở", "03433", "Xã Bum Tở", 0.3, 0.07),
        ("03469", "Xã Kan Hồ", "03433", "Xã Bum Tở", 0.5, 0.06),
        ("03466", "Xã Bum Nưa", "03466", "Xã Bum Nưa", 0.2, 0.08),
        ("03448", "Xã Pa Vệ Sủ", "03466", "Xã Bum Nưa", 0.8, 0.08),
        ("03445", "Xã Mường Tè", "03445", "Xã Mường Tè", 0.4, 0.08),
        ("03457", "Xã Nậm Khao", "03445", "Xã Mường Tè", 0.5, 0.05),
        ("03436", "Xã Thu Lũm", "03439", "Xã Thu Lũm", 0.9, 0.06),
        ("03439", "Xã Ka Lăng", "03439", "Xã Thu Lũm", 0.9, 0.08),
        ("03442", "Xã Pa Ủ", "03442", "Xã Pa Ủ", 1.0, 0.09),
        ("03440", "Xã Tá Bạ", "03442", "Xã Pa Ủ", 0.8, 0.07),
        ("03451", "Xã Mù Cả", "03451", "Xã Mù Cả", 1.0, 0.07),
        ("03463", "Xã Tà Tổng", "03463", "Xã Tà Tổng", 0.6, 0.08),
        ("03467", "Xã Vàng San", "03460", "Xã Hua Bum", 0.4, 0.02),
    ],
    schema={
        "old_code": pl.String,
        "old_name": pl.String,
        "new_code": pl.String,
        "new_name": pl.String,
        "remoteness": pl.Float64,
        "births_share": pl.Float64,
    },
    orient="row",
)

MUONG_TE_COMMUNE_MAP = MUONG_TE_UNITS.select(COMMUNE_MAP.names()).cast(dict(COMMUNE_MAP))
"""Old → new commune codes of the 2025 merger (vietnam-epi.md §5.2); unchanged codes map to themselves."""

OLD_CODE_SHARE = 0.25
"""Share of children born before the merger in a merged unit who are still registered under the old code."""

STOCKOUTS = {"PENTA": (date(2023, 1, 1), date(2023, 6, 30))}
"""Product → period it was out of stock; a dose that fell in it is given after it (2023 5-in-1 shortage)."""

_MASK64 = 0xFFFFFFFFFFFFFFFF


def synth_register(
    *,
    births_per_year: int = 1000,
    cohorts: int = 5,
    as_of: date = date(2025, 12, 31),
    seed: int = 20240101,
    schedule: pl.DataFrame | None = None,
) -> tuple[pl.LazyFrame, pl.LazyFrame]:
    """The children (``CHILDREN``) and doses given (``DOSES``) of a synthetic register as of a date."""
    rules = dose_rules(schedule if schedule is not None else load_schedule(), on=as_of)
    draws = _Draws(seed)
    base = _base(births_per_year, cohorts, as_of, draws)
    children = base.select(CHILDREN.names())
    doses = _doses(base, rules, draws, as_of)
    return children, doses


def _base(births_per_year: int, cohorts: int, as_of: date, draws: _Draws) -> pl.LazyFrame:
    """One row per child: code, sex, birth date, unit (index into MUONG_TE_UNITS), commune code, remoteness."""
    n_children = births_per_year * cohorts
    window_days = (as_of - as_of.replace(year=as_of.year - cohorts)).days
    units = MUONG_TE_UNITS.with_columns(pl.col("births_share") / pl.col("births_share").sum())
    cumulative = units["births_share"].cum_sum()
    unit = pl.lit(cumulative).search_sorted(draws.uniform(0) * cumulative[-1]).clip(0, units.height - 1)
    remoteness = pl.lit(units["remoteness"]).gather(pl.col("_unit"))
    old_code, new_code = (
        pl.lit(units["old_code"]).gather(pl.col("_unit")),
        pl.lit(units["new_code"]).gather(pl.col("_unit")),
    )
    birth_date = pl.lit(as_of) - pl.duration(days=(draws.uniform(1) * window_days).floor().cast(pl.Int64))
    keeps_old_code = (pl.col("birth_date") < MERGER_DATE) & (draws.uniform(3) < OLD_CODE_SHARE)
    if as_of >= MERGER_DATE:
        commune_code = pl.when(keeps_old_code).then(old_code).otherwise(new_code)
    else:
        commune_code = old_code
    return (
        pl.LazyFrame({"_i": pl.int_range(0, n_children, dtype=pl.UInt64, eager=True)})
        .with_columns(
            pl.format("MT{}", pl.col("_i").cast(pl.String).str.zfill(8)).alias("child_id"),
            pl.when(draws.uniform(2) < 0.528).then(pl.lit("M")).otherwise(pl.lit("F")).alias("sex"),
            birth_date.alias("birth_date"),
            unit.cast(pl.Int64).alias("_unit"),
        )
        .with_columns(commune_code.alias("commune_code"), remoteness.alias("_r"))
    )


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
    draws = _Draws(seed)
    base = _base(births_per_year, cohorts, as_of, draws).with_columns(
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


class _Draws:
    """Deterministic uniform draws in [0, 1) per child and draw number (splitmix64 of the child index)."""

    def __init__(self, seed: int) -> None:
        self.seed = (seed * 0xD1B54A32D192ED03) & _MASK64

    def uniform(self, draw: int) -> pl.Expr:
        """The ``draw``-th uniform number of each child (column ``_i``)."""
        z = pl.col("_i") * 4096 + pl.lit((self.seed + draw * 0x9E3779B97F4A7C15) & _MASK64, dtype=pl.UInt64)
        z = (z ^ (z // 2**30)) * pl.lit(0xBF58476D1CE4E5B9, dtype=pl.UInt64)
        z = (z ^ (z // 2**27)) * pl.lit(0x94D049BB133111EB, dtype=pl.UInt64)
        z = z ^ (z // 2**31)
        return (z // 2**11).cast(pl.Float64) / float(2**53)


def _miss_probability(rule: DoseRule) -> pl.Expr:
    """Chance that a child stops a series at this dose, growing with remoteness (assumed rates)."""
    remoteness = pl.col("_r")
    if rule.antigen == "HEPB":
        return 0.15 + 0.55 * remoteness  # home births: ethnic-minority HepB birth-dose coverage ~30 %
    if rule.antigen in ("JE", "TD", "PCV", "ROTA") or rule.dose_number >= 3:
        return 0.02 + 0.08 * remoteness
    return 0.01 + 0.04 * remoteness


def _doses(base: pl.LazyFrame, rules: tuple[DoseRule, ...], draws: _Draws, as_of: date) -> pl.LazyFrame:
    """The doses each child was given, following the rules with the child's delays, dropouts and misses."""
    r = pl.col("_r")
    birth = pl.col("birth_date")
    # Draws 0-15 are the child's own (commune, birth, sex, …); each dose then takes two more.
    people = base.with_columns(
        (draws.uniform(4) < 0.01 + 0.14 * r * r).alias("_zero"),
        pl.when(draws.uniform(5) < 0.03 + 0.12 * r)
        .then(60 + draws.uniform(6) * 900)
        .cast(pl.Int64)
        .alias("_drop_day"),
        (draws.uniform(7) < 0.45).alias("_resumes"),
        (90 + draws.uniform(8) * 540).cast(pl.Int64).alias("_pause_days"),
        (3 + 18 * r + 12 * draws.uniform(9)).alias("_delay_mean"),
    ).with_columns(
        (birth + pl.duration(days=pl.col("_drop_day"))).alias("_drop_on"),
        (birth + pl.duration(days=pl.col("_drop_day") + pl.col("_pause_days"))).alias("_resume_on"),
    )
    numbered: list[tuple[str, int]] = []
    for antigen, series in series_of(rules).items():
        people = people.with_columns(
            pl.lit(0, dtype=pl.Int16).alias("_count"),
            pl.lit(None, dtype=pl.Date).alias("_prev"),
            pl.lit(None, dtype=pl.Date).alias("_start"),
            pl.lit(False).alias("_stopped"),
        )
        for rule in series:
            people = _give(people, rule, draws, 16 + 2 * len(numbered), as_of)
            numbered.append((antigen, rule.dose_number))
    people = people.select(
        "_i", "child_id", *(f"_{kind}_{a}_{n}" for a, n in numbered for kind in ("on", "n"))
    )
    # Doses are numbered 1, 2, … among those given, as a health worker numbers them on the card.
    parts = [
        people.filter(pl.col(f"_on_{a}_{n}").is_not_null()).select(
            (pl.col("_i") * len(numbered) + position).alias("_order"),
            "child_id",
            pl.lit(a).alias("antigen"),
            pl.col(f"_n_{a}_{n}").alias("dose_number"),
            pl.col(f"_on_{a}_{n}").alias("given_on"),
        )
        for position, (a, n) in enumerate(numbered)
    ]
    # Ordered by child, then antigen and dose, as a register query with ORDER BY child_id returns them.
    return pl.concat(parts).sort("_order").select(DOSES.names()).cast(dict(DOSES))


def _give(people: pl.LazyFrame, rule: DoseRule, draws: _Draws, draw: int, as_of: date) -> pl.LazyFrame:
    """Whether and when each child got this dose, given the series so far (``_prev``, ``_start``, ``_count``)."""
    birth = pl.col("birth_date")
    planned = add_span(birth, rule.recommended_age)
    if rule.min_interval is not None:
        after = add_span(pl.col("_prev"), rule.min_interval)
        if rule.late_start_age is not None and rule.late_interval is not None:
            late = pl.col("_start") >= add_span(birth, rule.late_start_age)
            after = pl.when(late).then(add_span(pl.col("_prev"), rule.late_interval)).otherwise(after)
        planned = pl.max_horizontal(planned, after)
    dropped = pl.col("_drop_on").is_not_null() & (pl.col("_planned") >= pl.col("_drop_on"))
    delay = (-(1 - draws.uniform(draw)).log() * pl.col("_delay_mean")).floor().cast(pl.Int64)
    if rule.upper_age is not None and rule.upper_age.months == 0:
        delay = pl.lit(0, dtype=pl.Int64)  # a birth dose is given at the birth, or not at all
    missed = draws.uniform(draw + 1) < _miss_probability(rule)
    came = pl.when(dropped).then(pl.max_horizontal("_planned", "_resume_on")).otherwise("_planned")
    stopped = pl.col("_stopped") if rule.requires_previous else pl.lit(False)
    given = (
        ~pl.col("_zero")
        & ~stopped
        & ~missed
        & (~dropped | pl.col("_resumes"))
        & (pl.col("_given_on") <= as_of)
    )
    if rule.upper_age is not None:
        given = given & (pl.col("_given_on") < add_span(birth, rule.upper_age))
    if rule.born_from is not None:
        given = given & (birth >= rule.born_from)
    return (
        people.with_columns(planned.alias("_planned"))
        .with_columns((came + pl.duration(days=delay)).alias("_given_on"))
        .with_columns(_given_in_stock(rule, delay))
        .with_columns(given.alias("_given"))
        .with_columns(
            (pl.col("_count") + pl.col("_given").cast(pl.Int16)).alias("_count"),
            pl.when("_given").then("_given_on").otherwise("_prev").alias("_prev"),
            pl.when(pl.col("_given") & pl.col("_start").is_null())
            .then("_given_on")
            .otherwise("_start")
            .alias("_start"),
            (pl.col("_stopped") | ~pl.col("_given")).alias("_stopped"),
        )
        .with_columns(
            pl.when("_given").then("_given_on").alias(f"_on_{rule.antigen}_{rule.dose_number}"),
            pl.col("_count").alias(f"_n_{rule.antigen}_{rule.dose_number}"),
        )
    )


def _given_in_stock(rule: DoseRule, delay: pl.Expr) -> pl.Expr:
    """The date a dose is given, moved past a stock-out of its product (then the child's usual delay again)."""
    period = STOCKOUTS.get(rule.product_code)
    if period is None:
        return pl.col("_given_on")
    first, last = period
    return (
        pl.when(pl.col("_given_on").is_between(first, last))
        .then(pl.lit(last) + pl.duration(days=delay + 1))
        .otherwise(pl.col("_given_on"))
        .alias("_given_on")
    )
