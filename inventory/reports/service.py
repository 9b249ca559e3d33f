"""Monthly reports: vaccine usage and wastage, stock movement (nhập – xuất – tồn), immunization results;
submission of a frozen copy. Counts are summed set-based (SQL, then polars); rates come from the counts as
exact fractions and are rounded once (reports.domain)."""

from __future__ import annotations

import json
import math
from datetime import date
from fractions import Fraction
from typing import Any

import polars as pl
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from forecasting import needs
from forecasting.periods import SupplyPeriod, parse_period
from forecasting.schedule import schedule_in_force
from inventory.audit.service import record
from inventory.auth import Forbidden, Principal
from inventory.catalog.models import Product
from inventory.errors import NotFound, UnknownReference, ValidationFailed
from inventory.forecast.inputs import TARGET_GROUPS
from inventory.forecast.models import ForecastSetting
from inventory.i18n import translate
from inventory.register.reads import RegisterReads
from inventory.reports import documents, domain, repository, tables
from inventory.reports.configuration import ReportSettingsService
from inventory.reports.models import ReportSubmission
from inventory.reports.repository import month_index
from inventory.reports.summary import Report, previous_period, summary_text
from inventory.timeutil import today_vn, utcnow

KINDS = ("usage", "results", "stock")


def _months_back(day: date, months: int) -> date:
    index = month_index(day) - months
    return date(index // 12, index % 12 + 1, min(day.day, 28))


class ReportsService:
    """The reports of a facility and the facilities it supplies, as far as the principal may read them."""

    def __init__(self, session: AsyncSession, principal: Principal, *, today: date | None = None) -> None:
        self.session = session
        self.principal = principal
        self.today = today or today_vn()

    # ---- scope ---------------------------------------------------------------------------------------------

    def _period(self, text: str) -> SupplyPeriod:
        try:
            period = parse_period(text)
        except ValueError:
            period = None
        if period is None or period.kind == "years":
            raise ValidationFailed(message="error.reports.period", params={"period": text}, field="period")
        if period.start > self.today:
            raise ValidationFailed(message="error.reports.future", params={"period": text}, field="period")
        return period

    async def _tree(self, facility: str | None, period: SupplyPeriod) -> tuple[pl.DataFrame, dict[str, Any]]:
        """The root facility and every facility it supplies (directly or not), as far as readable."""
        tree = await repository.facilities(self.session, period.start, period.end)
        if facility is None:
            facility = self.principal.facility_code
        if facility is None:
            roots = tree.filter(pl.col("supplier_id").is_null())
            facility = roots["facility_code"][0] if roots.height else None
        root = tree.filter(pl.col("facility_code") == facility)
        if root.is_empty():
            raise UnknownReference(
                message="error.reports.facility", params={"facility": facility}, field="facility"
            )
        root_row = root.row(0, named=True)
        self.principal.require_read(root_row["facility_id"], root_row["facility_code"], field="facility")
        keep, todo = {root_row["facility_id"]}, [root_row["facility_id"]]
        children: dict[int, list[int]] = {}
        for fid, sid in tree.select("facility_id", "supplier_id").iter_rows():
            if sid is not None:
                children.setdefault(sid, []).append(fid)
        while todo:
            for child in children.get(todo.pop(), []):
                if child not in keep:
                    keep.add(child)
                    todo.append(child)
        scoped = tree.filter(
            pl.col("facility_id").is_in(sorted(keep)),
            pl.col("facility_id").map_batches(
                lambda s: pl.Series([self.principal.can_read(i) for i in s], dtype=pl.Boolean)
            ),
        )
        supplier = tree.select(
            pl.col("facility_id").alias("supplier_id"),
            pl.col("facility_code").alias("_supplier_code"),
            pl.col("level").alias("_supplier_level"),
        )
        scoped = (
            scoped.join(supplier, on="supplier_id", how="left", maintain_order="left")
            .with_columns(
                pl.when(pl.col("level") == "district")
                .then(pl.col("facility_code"))
                .when(pl.col("_supplier_level") == "district")
                .then(pl.col("_supplier_code"))
                .alias("district_code")
            )
            .drop("_supplier_code", "_supplier_level")
        )
        return scoped, root_row

    async def settings(self) -> dict[str, int]:
        """The report settings: defaults with the stored overrides."""
        return await ReportSettingsService(self.session, self.principal).values()

    # ---- vaccine usage and wastage ---------------------------------------------------------------------------

    async def usage(self, period_text: str, facility: str | None = None) -> Report:
        """Báo cáo sử dụng vắc xin: per facility × product, with district and total roll-ups, and by month."""
        period = self._period(period_text)
        await repository.tune(self.session)
        tree, root = await self._tree(facility, period)
        ids = tree["facility_id"].to_list()
        year_start = date(period.start.year, 1, 1)
        moves = await repository.monthly_movements(self.session, ids, year_start, period.end)
        given = await repository.administered(self.session, ids, year_start, period.end)
        last = month_index(period.end)
        rows, monthly = tables.usage_rows(moves, given, month_index(period.start), last)
        rows = tables.rolled_up(rows, tree, root, ["product_code"], tables.COUNTS)
        rows = rows.with_columns(tables.rate_columns())
        diluents = list(await self.session.scalars(select(Product.code).where(Product.is_diluent)))
        monthly_rows = tables.rolled_up(
            monthly,
            tree,
            root,
            ["product_code", "ym"],
            ("doses_used", "administered", "closed_vial_wastage", "open_vial_wastage"),
        ).sort("scope", "facility_code", "product_code", "ym")
        monthly_rows = monthly_rows.with_columns(
            pl.col("open_vial_wastage")
            .cum_sum()
            .over("scope", "facility_code", "product_code")
            .alias("open_vial_wastage_ytd"),
            pl.date(pl.col("ym") // 12, pl.col("ym") % 12 + 1, 1).alias("month"),
        ).drop("ym")
        monthly_rows = monthly_rows.with_columns(
            tables.half_up(
                pl.col("doses_used") + pl.col("closed_vial_wastage") - pl.col("administered"),
                pl.col("doses_used") + pl.col("closed_vial_wastage"),
                places=domain.PERCENT_DECIMALS,
            ).alias("wastage_rate")
        )
        rows = rows.with_columns(pl.col("product_code").is_in(diluents).alias("diluent"))
        monthly_rows = monthly_rows.with_columns(pl.col("product_code").is_in(diluents).alias("diluent"))
        return Report(
            "usage",
            period,
            root["facility_code"],
            root["facility_name"],
            {"usage": rows, "usage_by_month": monthly_rows},
        )

    # ---- stock movement (nhập – xuất – tồn) ----------------------------------------------------------------

    async def stock(self, period_text: str, facility: str | None = None) -> Report:
        """Báo cáo xuất – nhập – tồn of one facility: one row per product and lot."""
        period = self._period(period_text)
        await repository.tune(self.session)
        _tree, root = await self._tree(facility, period)
        moves = await repository.lot_movements(self.session, root["facility_id"], period.start, period.end)
        given = await repository.lot_administered(self.session, root["facility_id"], period.start, period.end)
        keys = ["product_code", "lot_number", "expires_on"]
        moves = moves.with_columns(tables.category()).with_columns(tables.signed().alias("value"))
        categories = tables.CATEGORIES
        rows = (
            moves.group_by(keys)
            .agg(
                pl.col("doses").filter(pl.col("before")).sum().alias("opening"),
                *(
                    pl.col("value").filter(~pl.col("before"), pl.col("category") == c).sum().alias(c)
                    for c in categories
                ),
            )
            .join(given, on=["product_code", "lot_number"], how="left")
            .with_columns(pl.col("administered").fill_null(0))
            .with_columns(pl.sum_horizontal(*tables.WASTED).alias("closed_vial_wastage"))
            .with_columns(tables.closing())
            .filter(pl.any_horizontal(pl.col("opening", "closing", *categories, "administered") != 0))
            .select(
                *keys,
                "opening",
                "received",
                "issued",
                "doses_used",
                "administered",
                *tables.WASTED,
                "closed_vial_wastage",
                "adjustments",
                "closing",
            )
            .sort(keys)
        )
        return Report("stock", period, root["facility_code"], root["facility_name"], {"stock": rows})

    # ---- immunization results ----------------------------------------------------------------------------

    async def _targets(
        self, communes: pl.DataFrame, product_of: dict[tuple[str, int], str]
    ) -> tuple[pl.DataFrame, tuple[int, int]]:
        """Annual target population per (commune facility, antigen, dose): population × the share of its
        target group (births for BCG and the HepB birth dose, surviving infants otherwise), and the coverage
        goal, from the forecast settings of that commune and product; as whole numbers over a common scale
        (the least common multiple of the settings' denominators), so their sums stay exact."""
        overrides = (await self.session.scalars(select(ForecastSetting))).all()
        defaults: dict[str, Any] = {}
        by_product: dict[str, dict[str, Any]] = {}
        by_facility: dict[str, dict[str, Any]] = {}
        by_pair: dict[tuple[str, str], dict[str, Any]] = {}
        for o in overrides:
            value = json.loads(o.value)
            if o.facility_code and o.product_code:
                by_pair.setdefault((o.facility_code, o.product_code), {})[o.name] = value
            elif o.facility_code:
                by_facility.setdefault(o.facility_code, {})[o.name] = value
            elif o.product_code:
                by_product.setdefault(o.product_code, {})[o.name] = value
            else:
                defaults[o.name] = value
        parameters = needs.Parameters(
            defaults=needs.Settings(**defaults),
            by_product=by_product,
            by_facility=by_facility,
            by_facility_product=by_pair,
        )
        # the settings are resolved once per commune × product (the forecast's own precedence)
        exact: list[tuple[str, str, int, Fraction, Fraction]] = []
        for code, population in communes.select("facility_code", "population").iter_rows():
            for product in sorted(set(product_of.values())):
                s = parameters.settings_for(code, product)
                group = TARGET_GROUPS.get(product, "surviving_infants")
                portion = s.share_births if group == "births" else s.share_surviving_infants
                target, goal = Fraction(population or 0) * Fraction(repr(portion)), Fraction(repr(s.coverage))
                exact += [(code, a, d, target, goal) for (a, d), p in product_of.items() if p == product]
        d1 = math.lcm(1, *(t.denominator for *_k, t, _g in exact))
        d2 = math.lcm(1, *(g.denominator for *_k, g in exact))
        if d1 * d2 > 10**24:  # 128-bit sums of products: decimals beyond any real share or coverage
            raise ValidationFailed(message="error.reports.share_precision", field="share_births")
        frame = pl.DataFrame(
            [(c, a, d, int(t * d1), int(g * d2)) for c, a, d, t, g in exact],
            schema={
                "facility_code": pl.String,
                "antigen": pl.String,
                "dose_number": pl.Int64,
                "target": pl.Int128,
                "goal": pl.Int128,
            },
            orient="row",
        )
        return frame, (d1, d2)

    async def results(self, period_text: str, facility: str | None = None) -> Report:
        """Báo cáo kết quả tiêm chủng: doses by antigen and dose, coverage, dropout, fully immunized and
        zero-dose children per commune, for the period and the year to date against the annual plan."""
        period = self._period(period_text)
        await repository.tune(self.session)
        tree, root = await self._tree(facility, period)
        settings = await self.settings()
        communes = tree.filter(
            pl.col("level") == "commune",
            pl.col("admin_unit_code").is_not_null(),
            pl.col("population").is_not_null(),
        )
        schedule = schedule_in_force(
            await RegisterReads(self.session, self.principal).schedule(), on=period.end
        )
        product_of = {
            (a, int(d)): p
            for a, d, p in schedule.select("antigen", "dose_number", "product_code").iter_rows()
        }
        fic = [
            (a, int(d))
            for a, d in schedule.filter(pl.col("fully_immunized"))
            .select("antigen", "dose_number")
            .iter_rows()
        ]
        markers = schedule.filter(pl.col("zero_dose_marker")).select("antigen", "dose_number").rows()
        marker = (markers[0][0], int(markers[0][1])) if markers else tables.DTP1
        codes = communes["admin_unit_code"].to_list()
        year_start = date(period.start.year, 1, 1)
        given = await repository.doses_given(self.session, codes, year_start, period.end)
        done, zero = await repository.completed_and_zero_dose(
            self.session,
            codes,
            fic,
            marker,
            year_start,
            period.end,
            born_after=_months_back(period.end, settings["zero_dose_max_age_months"]),
            born_on_or_before=_months_back(period.end, settings["zero_dose_min_age_months"]),
        )
        targets, scale = await self._targets(communes, product_of)
        by_code = communes.select(pl.col("admin_unit_code").alias("commune_code"), "facility_code")
        found = tables.results_tables(
            groups=tables.result_groups(communes, root),
            names=dict(tree.select("facility_code", "facility_name").iter_rows()),
            doses=list(product_of),
            given=given.join(by_code, on="commune_code"),
            done=done.join(by_code, on="commune_code"),
            zero=zero.join(by_code, on="commune_code"),
            targets=targets,
            scale=scale,
            months=(month_index(period.start), month_index(period.end), month_index(year_start)),
            limits=(settings["dropout_threshold"], settings["coverage_threshold"]),
        )
        return Report(
            "results",
            period,
            root["facility_code"],
            root["facility_name"],
            found,
            settings={k: settings[k] for k in ("dropout_threshold", "coverage_threshold")},
        )

    # ---- one entry for every kind ---------------------------------------------------------------------------

    async def report(self, kind: str, period_text: str, facility: str | None = None) -> Report:
        if kind == "usage":
            return await self.usage(period_text, facility)
        if kind == "results":
            return await self.results(period_text, facility)
        if kind == "stock":
            return await self.stock(period_text, facility)
        raise ValidationFailed(message="error.reports.kind", params={"kind": kind}, field="kind")

    # ---- files ---------------------------------------------------------------------------------------------

    def workbook(self, report: Report, lang: str = "vi") -> bytes:
        title = f"{translate(f'reports.title.{report.kind}', lang)} {report.period.label_vi} — {report.facility_name}"
        return documents.workbook(report.tables, title=title, lang=lang)

    def chart_pngs(self, report: Report, lang: str = "vi") -> dict[str, bytes]:
        threshold = report.settings.get("dropout_threshold", domain.DEFAULT_SETTINGS["dropout_threshold"])
        figures = documents.charts(report.tables, lang=lang, dropout_threshold=threshold)
        return {name: documents.png(fig) for name, fig in figures.items()}

    async def word(self, report: Report, lang: str = "vi", signer: str = "") -> bytes:
        """The Word report to the supplier, with a summary of what changed since the period before."""
        previous = None
        before = previous_period(report.period)
        try:
            previous = await self.report(report.kind, before.label, report.facility)
        except ValidationFailed:
            previous = None
        tree = await repository.facilities(self.session, report.period.start, report.period.end)
        names = dict(tree.select("facility_id", "facility_name").iter_rows())
        me = tree.filter(pl.col("facility_code") == report.facility).row(0, named=True)
        supplier = names.get(me["supplier_id"]) if me["supplier_id"] is not None else None
        province = tree.filter(pl.col("supplier_id").is_null(), pl.col("level") == "province")
        province_name = province["facility_name"][0] if province.height else ""
        parent = "Sở Y tế tỉnh " + province_name.split("tỉnh ", 1)[-1] if province_name else ""
        if me["level"] == "commune" and supplier:
            parent = supplier
        place = report.facility_name.split(" xã ")[-1].split(" huyện ")[-1].split(" tỉnh ")[-1]
        header = documents.ReportHeader(
            issuer_parent=parent,
            issuer=report.facility_name,
            recipient=supplier or "Sở Y tế",
            place=place,
            issued_on=self.today,
            period_vi=report.period.label_vi,
            signer_name=signer,
        )
        pictures = list(self.chart_pngs(report, lang).values())
        table = report.tables[report.kind]
        if "scope" in table.columns:
            table = table.filter(pl.col("scope") != "facility") if table.height > 60 else table
        return documents.word_report(
            kind=report.kind,
            header=header,
            table=table,
            summary=summary_text(report, previous, lang),
            pictures=pictures,
            lang=lang,
        )

    # ---- submission ----------------------------------------------------------------------------------------

    async def submit(
        self, kind: str, period_text: str, facility: str | None, note: str | None = None
    ) -> dict:
        """Freeze the report as it stands now, with who and when; a later submission is a new version."""
        report = await self.report(kind, period_text, facility)
        tree = await repository.facilities(self.session, report.period.start, report.period.end)
        fid = tree.filter(pl.col("facility_code") == report.facility)["facility_id"][0]
        if not self.principal.can_write(fid):
            raise Forbidden(
                message="error.reports.submit_forbidden",
                params={"facility": report.facility},
                field="facility",
            )
        latest = await self.session.scalar(
            select(func.max(ReportSubmission.version)).where(
                ReportSubmission.kind == kind,
                ReportSubmission.period == report.period.label,
                ReportSubmission.facility_code == report.facility,
            )
        )
        row = ReportSubmission(
            kind=kind,
            period=report.period.label,
            facility_code=report.facility,
            version=(latest or 0) + 1,
            submitted_at=utcnow(),
            submitted_by=self.principal.username,
            note=note,
            content=json.dumps(
                {name: frame.to_dicts() for name, frame in report.tables.items()}, default=str
            ),
        )
        self.session.add(row)
        await self.session.flush()
        record(
            self.session,
            self.principal,
            "report.submit",
            facility_code=row.facility_code,
            entity=f"report_submission:{row.id}",
            changes={
                "kind": kind,
                "period": row.period,
                "facility": row.facility_code,
                "version": row.version,
            },
        )
        return _submission(row)

    async def submitted(
        self, kind: str, period_text: str, facility: str, version: int | None = None
    ) -> Report:
        """A submitted report as it was frozen (the latest version unless one is asked for)."""
        period = self._period(period_text)
        await self._tree(facility, period)
        stmt = select(ReportSubmission).where(
            ReportSubmission.kind == kind,
            ReportSubmission.period == period.label,
            ReportSubmission.facility_code == facility,
        )
        stmt = (
            stmt.where(ReportSubmission.version == version)
            if version
            else stmt.order_by(ReportSubmission.version.desc())
        )
        row = (await self.session.scalars(stmt.limit(1))).first()
        if row is None:
            raise NotFound(
                message="error.reports.not_submitted", params={"facility": facility}, field="period"
            )
        content = json.loads(row.content)
        tables = {name: pl.DataFrame(rows, infer_schema_length=None) for name, rows in content.items()}
        name = (await repository.facilities(self.session, period.start, period.end)).filter(
            pl.col("facility_code") == facility
        )["facility_name"][0]
        return Report(kind, period, facility, name, tables, submitted=_submission(row))

    async def submissions(self, kind: str, period_text: str, facility: str | None = None) -> list[dict]:
        """Who in the tree has submitted this report for the period, and who has not (with the due date)."""
        period = self._period(period_text)
        tree, _root = await self._tree(facility, period)
        settings = await self.settings()
        calendar = {(d.route, d.period_kind): d for d in domain.calendar_from(settings)}
        rows = (
            await self.session.scalars(
                select(ReportSubmission)
                .where(
                    ReportSubmission.kind == kind,
                    ReportSubmission.period == period.label,
                    ReportSubmission.facility_code.in_(tree["facility_code"].to_list()),
                )
                .order_by(ReportSubmission.facility_code, ReportSubmission.version)
            )
        ).all()
        by_facility: dict[str, list[ReportSubmission]] = {}
        for r in rows:
            by_facility.setdefault(r.facility_code, []).append(r)
        out = []
        for code, name, level in tree.select("facility_code", "facility_name", "level").iter_rows():
            route = domain.route_of(level)
            if route is None:
                continue
            deadline = calendar.get((route, period.kind))
            due = domain.due_on(deadline, period.end) if deadline else None
            versions = by_facility.get(code, [])
            first = versions[0] if versions else None
            out.append(
                {
                    "facility_code": code,
                    "facility_name": name,
                    "route": route,
                    "due_on": due,
                    "submitted": bool(versions),
                    "versions": len(versions),
                    "first_submitted_at": first.submitted_at if first else None,
                    "late": (first.submitted_at.date() > due)
                    if first and due
                    else (due is not None and self.today > due and not versions),
                }
            )
        return out


def _submission(row: ReportSubmission) -> dict[str, Any]:
    return {
        "id": row.id,
        "kind": row.kind,
        "period": row.period,
        "facility": row.facility_code,
        "version": row.version,
        "submitted_at": row.submitted_at,
        "submitted_by": row.submitted_by,
        "note": row.note,
    }
