"""Monthly reports: vaccine usage and wastage, stock movement (nhập – xuất – tồn), immunization results;
their files; submission of a frozen copy. One service for the API, the pages and the command line; each
concern lives in its own module:

- reports.scope: the period asked for and the facilities in scope;
- reports.building: the usage and stock movement reports, and one entry for every kind;
- reports.results: the immunization results report;
- reports.exports: the workbook, the charts and the Word report;
- reports.submission: submitting, reading a submitted copy, who has submitted by the deadline.
"""

from __future__ import annotations

from inventory.reports.building import KINDS
from inventory.reports.exports import ReportExports
from inventory.reports.submission import ReportSubmissions

__all__ = ["KINDS", "ReportsService"]


class ReportsService(ReportSubmissions, ReportExports):
    """The reports of a facility and the facilities it supplies, as far as the principal may read them."""
