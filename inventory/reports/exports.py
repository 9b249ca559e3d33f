"""A report as files: the Excel workbook, the charts as PNG, and the Word report to the supplier with a
summary of what changed since the period before."""

from __future__ import annotations

import polars as pl

from inventory.errors import ValidationFailed
from inventory.i18n import translate
from inventory.reports import documents, domain, repository
from inventory.reports.building import ReportBuilder
from inventory.reports.summary import Report, previous_period, summary_text


class ReportExports(ReportBuilder):
    """The files of a report, in the reader's language."""

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
