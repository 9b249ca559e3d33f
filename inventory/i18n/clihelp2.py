"""The `vaxstock --help` pages, part two: the register, the schedule, the forecast, reports, alerts and
temperatures (keys as in `clihelp`)."""

from __future__ import annotations

REGISTER_AND_FORECAST: dict[str, tuple[str, str]] = {
    "help.register": ("Sổ theo dõi tiêm chủng của trẻ.", "The children's register."),
    "help.register.import": (
        "Nhập trẻ và các mũi tiêm từ tệp CSV hoặc Excel, nhập hết hoặc không nhập gì; bản xuất mới hơn "
        "sẽ cập nhật dữ liệu đã có.",
        "Import children and their doses from CSV or Excel, all or nothing; a newer export updates.",
    ),
    "help.register.import.arg.path": (
        "Tệp CSV hoặc Excel (.xlsx) xuất từ sổ tiêm chủng.",
        "The register export, CSV or Excel (.xlsx).",
    ),
    "help.backlog": (
        "Tồn đọng tiêm bù theo xã × kháng nguyên × mũi: đến hạn, quá hạn, chưa tiêm mũi nào, số liều cần.",
        "The catch-up backlog by commune × antigen × dose: due, overdue, zero-dose, doses needed.",
    ),
    "help.backlog.as-of": ("Ngày tính tồn đọng (mặc định: hôm nay).", "Date of the backlog (default today)."),
    "help.backlog.commune": ("Chỉ xã có mã này.", "Only this commune code."),
    "help.schedule": (
        "Bảng lịch tiêm chủng TCMR (có phiên bản theo thông tư).",
        "The EPI schedule table (versioned by circular).",
    ),
    "help.schedule.export": (
        "Ghi lịch tiêm đang áp dụng ra tệp CSV để sửa.",
        "Write the schedule in force to a CSV file for editing.",
    ),
    "help.schedule.export.arg.path": ("Tệp CSV cần ghi.", "The CSV file to write."),
    "help.schedule.load": (
        "Thay lịch tiêm đang áp dụng bằng tệp CSV đã sửa (kiểm tra toàn bộ; lịch cũ vẫn được giữ).",
        "Replace the schedule in force with an edited CSV (checked whole; the old one is kept).",
    ),
    "help.schedule.load.arg.path": ("Tệp CSV lịch tiêm đã sửa.", "The edited schedule CSV."),
    "help.schedule.load.note": ("Vì sao đổi lịch tiêm.", "Why the schedule changed."),
    "help.forecast": (
        "Nhu cầu vắc xin cho một kỳ và dự trù gửi CDC tỉnh (bảng tính và công văn).",
        "Vaccine needs for a period and the request to the provincial CDC (workbook and letter).",
    ),
    "help.forecast.period": (
        "2026-12 (tháng), 2026-Q4 (quý), 2027 (năm) hoặc 2027-2029; mặc định là quý tới.",
        "2026-12 (month), 2026-Q4 (quarter), 2027 (year) or 2027-2029; the next quarter by default.",
    ),
    "help.forecast.facility": ("Kho lập dự trù.", "The store making the request."),
    "help.forecast.out": ("Ghi bảng tính Excel vào đây (.xlsx).", "Write the Excel workbook here (.xlsx)."),
    "help.forecast.letter": (
        "Ghi công văn dự trù vào đây (.docx).",
        "Write the proposal letter here (.docx).",
    ),
    "help.forecast.signer": ("Họ tên in dưới chữ ký.", "Name printed under the signature."),
    "help.forecast.signer-title": (
        "Chức vụ in trên họ tên người ký (mặc định: Giám đốc).",
        "Title (chức vụ) above the signer's name (default Giám đốc).",
    ),
}

REPORTS_ALERTS_TEMPS: dict[str, tuple[str, str]] = {
    "help.report": (
        "Báo cáo tháng: sử dụng và hao phí vắc xin, kết quả tiêm chủng, hoặc xuất – nhập – tồn.",
        "A monthly report: vaccine usage and wastage, immunization results, or stock movement "
        "(nhập – xuất – tồn).",
    ),
    "help.report.arg.kind": (
        "usage (sử dụng vắc xin), results (kết quả tiêm chủng) hoặc stock (xuất – nhập – tồn).",
        "usage (vaccine usage), results (immunization results) or stock (stock movement).",
    ),
    "help.report.period": (
        "2026-11 (tháng), 2026-Q4 (quý) hoặc 2026 (năm).",
        "2026-11 (month), 2026-Q4 (quarter) or 2026 (year).",
    ),
    "help.report.facility": (
        "Cơ sở báo cáo (mặc định: cả tỉnh).",
        "The facility (default: the province, i.e. everything).",
    ),
    "help.report.out": ("Bảng tính Excel (.xlsx).", "Excel workbook (.xlsx)."),
    "help.report.doc": ("Báo cáo Word (.docx).", "Word report (.docx)."),
    "help.report.csv": ("Thư mục ghi mỗi bảng một tệp CSV.", "A folder for one CSV file per table."),
    "help.report.signer": (
        "Họ tên in dưới chữ ký của báo cáo Word.",
        "Name printed under the signature of the Word report.",
    ),
    "help.report.submit": (
        "Nộp báo cáo (lưu một bản cố định; nộp lại là một phiên bản mới).",
        "Submit the report (a frozen copy; again = a new version).",
    ),
    "help.report.note": ("Ghi chú lưu cùng lần nộp.", "A note kept with the submission."),
    "help.alerts": (
        "Đánh giá cảnh báo và in các cảnh báo đang mở; thoát với mã 1 khi có cảnh báo nghiêm trọng (để giám sát).",
        "Evaluate the alerts and print the open ones; exit 1 when a critical alert is open (for monitoring).",
    ),
    "help.alerts.facility": (
        "Chỉ cơ sở này và các cơ sở nó cấp phát.",
        "Only this facility and those it supplies.",
    ),
    "help.alerts.all": (
        "Cả cảnh báo thông tin (mặc định: nghiêm trọng và cần chú ý).",
        "Information alerts too (default: critical and warning).",
    ),
    "help.alerts.send": (
        "Đánh giá rồi gửi e-mail tổng hợp và webhook hôm nay (lần gửi lỗi được gửi lại ở lần chạy sau; "
        "đã gửi thì không gửi lại). Thoát với mã 1 nếu có lần gửi lỗi.",
        "Evaluate, then send today's digest e-mails and webhooks (a failed one is retried by the next run; "
        "one already sent is not sent again). Exit 1 if any delivery failed.",
    ),
    "help.alerts.subscribe": (
        "Gửi bản tổng hợp hằng ngày của USERNAME tới EMAIL, bằng một ngôn ngữ.",
        "Send USERNAME's daily digest to EMAIL, in a language.",
    ),
    "help.alerts.subscribe.arg.username": ("Tên đăng nhập của người nhận.", "The recipient's user name."),
    "help.alerts.subscribe.arg.email": (
        "Địa chỉ e-mail nhận bản tổng hợp.",
        "The address the digest goes to.",
    ),
    "help.alerts.subscribe.language": (
        "Ngôn ngữ của bản tổng hợp: vi (tiếng Việt) hoặc en (tiếng Anh).",
        "The digest's language: vi (Vietnamese) or en (English).",
    ),
    "help.alerts.subscribe.off": ("Thôi gửi bản tổng hợp.", "Stop the digest."),
    "help.alerts.webhook": (
        "Gửi (POST) bản tổng hợp hằng ngày của FACILITY (nó và các cơ sở nó cấp phát) tới URL, có ký; "
        "in ra khoá ký.",
        "POST FACILITY's daily digest (it and the facilities it supplies) to URL, signed; prints the key.",
    ),
    "help.alerts.webhook.arg.facility": ("Mã cơ sở.", "The facility code."),
    "help.alerts.webhook.arg.url": ("Địa chỉ http(s) nhận bản tổng hợp.", "The http(s) address to POST to."),
    "help.temps": (
        "Nhiệt độ dây chuyền lạnh: báo cáo Fridge-tag và tệp của thiết bị ghi nhiệt.",
        "Cold-chain temperatures: Fridge-tag reports and logger files.",
    ),
    "help.temps.import": (
        "Nhập báo cáo Fridge-tag 2 hoặc tệp CSV của thiết bị ghi nhiệt (tự nhận ra theo nội dung) cho một vị trí "
        "bảo quản, nhập hết hoặc không nhập gì.",
        "Import a Fridge-tag 2 report or a logger CSV (told apart by content) for a location, all or nothing.",
    ),
    "help.temps.import.arg.path": ("Tệp báo cáo hoặc tệp CSV cần nhập.", "The report or CSV file to import."),
    "help.temps.import.location": (
        "Vị trí bảo quản: CODE (kèm --facility) hoặc FACILITY/CODE.",
        "The storage location: CODE (with --facility) or FACILITY/CODE.",
    ),
    "help.temps.import.facility": (
        "Cơ sở của vị trí bảo quản, ví dụ TTYT-MT.",
        "The facility of the location, e.g. TTYT-MT.",
    ),
    "help.temps.import.time-column": (
        "CSV: cột thời gian (mặc định: timestamp, time...).",
        "CSV: the column with the time (default: timestamp, time...).",
    ),
    "help.temps.import.temperature-column": ("CSV: cột nhiệt độ.", "CSV: the column with the temperature."),
    "help.temps.import.unit": (
        "CSV: °C hoặc °F (mặc định: theo dòng tiêu đề).",
        "CSV: °C or °F (default: from the header).",
    ),
    "help.temps.import.zone": (
        "CSV: múi giờ của các thời điểm không ghi múi giờ.",
        "CSV: the time zone of times without one.",
    ),
}

ENTRIES: dict[str, tuple[str, str]] = {**REGISTER_AND_FORECAST, **REPORTS_ALERTS_TEMPS}
