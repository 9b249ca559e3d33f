"""Cold chain: Fridge-tag reports, logger series, equipment, readings and excursions."""

from __future__ import annotations

ENTRIES: dict[str, tuple[str, str]] = {
    # Lot state per place (VVM stage and hold at a storage location).
    "error.rule_violated.vvm_goes_back": (
        "Lô {lot} đã ở giai đoạn VVM {stage}; VVM không bao giờ nhạt lại",
        "Lot {lot} is already at VVM stage {stage}; a VVM never goes back",
    ),
    "error.conflict.no_stock_here": (
        "Lô {lot} không có tồn kho ở nơi bạn được ghi",
        "Lot {lot} has no stock at a place you may record for",
    ),
    "error.conflict.already_held": (
        "Lô {lot} đã tạm dừng ở {place}",
        "Lot {lot} is already on hold at {place}",
    ),
    "error.conflict.not_held": ("Lô {lot} không tạm dừng ở {place}", "Lot {lot} is not on hold at {place}"),
    "error.validation_failed.location_needs_facility": (
        "Cần ghi cơ sở của vị trí bảo quản",
        "A storage location needs its facility",
    ),
    # Fridge-tag 2 report: every refusal names its line.
    "error.coldchain.report.encoding": (
        "Dòng {line}: tệp không phải văn bản UTF-8/ASCII",
        "Line {line}: the file is not UTF-8/ASCII text",
    ),
    "error.coldchain.report.not_fridgetag": (
        "Dòng {line}: không phải báo cáo Fridge-tag (thiếu dòng 'Device:')",
        "Line {line}: not a Fridge-tag report (no 'Device:' line)",
    ),
    "error.coldchain.report.indentation": (
        "Dòng {line}: thụt lề bằng ký tự tab, báo cáo dùng dấu cách",
        "Line {line}: indented with a tab; the report uses spaces",
    ),
    "error.coldchain.report.syntax": (
        "Dòng {line}: không đúng dạng 'khóa: giá trị'",
        "Line {line}: not of the form 'key: value'",
    ),
    "error.coldchain.report.truncated": (
        "Dòng {line}: báo cáo bị cắt ngang (không có chữ ký 'Sig:' ở cuối)",
        "Line {line}: the report is cut short (no 'Sig:' signature at its end)",
    ),
    "error.coldchain.report.missing": (
        "Dòng {line}: thiếu mục '{key}'",
        "Line {line}: '{key}' is missing",
    ),
    "error.coldchain.report.number": (
        "Dòng {line}: '{key}' phải là số nguyên, không phải '{value}'",
        "Line {line}: '{key}' must be a whole number, not '{value}'",
    ),
    "error.coldchain.report.temperature": (
        "Dòng {line}: '{key}' không phải nhiệt độ: '{value}'",
        "Line {line}: '{key}' is not a temperature: '{value}'",
    ),
    "error.coldchain.report.time": (
        "Dòng {line}: '{key}' không phải thời điểm: '{value}'",
        "Line {line}: '{key}' is not a time: '{value}'",
    ),
    "error.coldchain.report.date": (
        "Dòng {line}: ngày không hợp lệ: '{value}' (yyyy-mm-dd)",
        "Line {line}: not a date: '{value}' (yyyy-mm-dd)",
    ),
    "error.coldchain.report.unit": (
        "Dòng {line}: đơn vị nhiệt độ không rõ: '{value}' (C hoặc F)",
        "Line {line}: unknown temperature unit '{value}' (C or F)",
    ),
    "error.coldchain.report.duplicate_day": (
        "Dòng {line}: ngày {day} xuất hiện hai lần",
        "Line {line}: the day {day} appears twice",
    ),
    "error.coldchain.report.day_order": (
        "Dòng {line}: ngày {day} không theo thứ tự (báo cáo ghi ngày mới nhất trước)",
        "Line {line}: the day {day} is out of order (the report lists the newest day first)",
    ),
    "error.coldchain.report.no_days": (
        "Dòng {line}: báo cáo không có ngày nào",
        "Line {line}: the report holds no days",
    ),
    "error.coldchain.report.min_above_max": (
        "Dòng {line}: nhiệt độ thấp nhất cao hơn nhiệt độ cao nhất",
        "Line {line}: the minimum temperature is above the maximum",
    ),
    "error.coldchain.report.unknown_alarm": (
        "Dòng {line}: báo động {index} không có trong cấu hình (Conf)",
        "Line {line}: alarm {index} is not in the configuration (Conf)",
    ),
    "error.coldchain.report.minutes": (
        "Dòng {line}: số phút '{value}' không hợp lệ (0 đến 1.440 trong một ngày)",
        "Line {line}: '{value}' minutes is not possible (0 to 1,440 in a day)",
    ),
    # Generic logger CSV: every refusal names row and column.
    "error.coldchain.csv.syntax": ("Dòng {row}: tệp CSV không đọc được", "Row {row}: the CSV cannot be read"),
    "error.coldchain.csv.empty": ("Tệp trống", "The file is empty"),
    "error.coldchain.csv.no_rows": ("Tệp không có dòng dữ liệu", "The file has no data rows"),
    "error.coldchain.csv.column_missing": (
        "Dòng 1: không có cột '{column}' (các cột: {found})",
        "Row 1: no column '{column}' (columns: {found})",
    ),
    "error.coldchain.csv.unit": (
        "Dòng 1: đơn vị nhiệt độ không rõ: '{value}' (C hoặc F)",
        "Row 1: unknown temperature unit '{value}' (C or F)",
    ),
    "error.coldchain.csv.short_row": (
        "Dòng {row}: thiếu cột (chỉ có {cells} ô)",
        "Row {row}: columns are missing (only {cells} cells)",
    ),
    "error.coldchain.csv.time": (
        "Dòng {row}, cột {column}: '{value}' không phải thời điểm (yyyy-mm-dd HH:MM hoặc dd/mm/yyyy HH:MM)",
        "Row {row}, column {column}: '{value}' is not a time (yyyy-mm-dd HH:MM or dd/mm/yyyy HH:MM)",
    ),
    "error.coldchain.csv.duplicate": (
        "Dòng {row}, cột {column}: thời điểm '{value}' đã có ở dòng {first}",
        "Row {row}, column {column}: the time '{value}' is already on row {first}",
    ),
    "error.coldchain.csv.temperature": (
        "Dòng {row}, cột {column}: '{value}' không phải nhiệt độ",
        "Row {row}, column {column}: '{value}' is not a temperature",
    ),
    "error.coldchain.csv.implausible": (
        "Dòng {row}, cột {column}: nhiệt độ '{value}' không thể có trong thiết bị dây chuyền lạnh",
        "Row {row}, column {column}: the temperature '{value}' is not possible in cold-chain equipment",
    ),
    "error.coldchain.csv.zone": ("Múi giờ không rõ: '{zone}'", "Unknown time zone '{zone}'"),
    "error.coldchain.csv.conflicting_reading": (
        "Thời điểm {at} đã có nhiệt độ {stored} °C, tệp ghi {value} °C",
        "The time {at} already has {stored} °C; the file says {value} °C",
    ),
    "error.coldchain.equipment_exists": (
        "Vị trí {location} đã được ghi là thiết bị dây chuyền lạnh",
        "The location {location} is already recorded as cold-chain equipment",
    ),
    "error.coldchain.no_equipment": (
        "Vị trí {location} chưa được ghi là thiết bị dây chuyền lạnh",
        "The location {location} is not recorded as cold-chain equipment",
    ),
    "error.coldchain.device_elsewhere": (
        "Thiết bị ghi nhiệt {serial} đang gắn ở {place}: báo cáo của nó không nhập cho vị trí này",
        "The logger {serial} is attached at {place}: its report is not imported for this location",
    ),
    "error.coldchain.reading_exists": (
        "Đã có số đo {period} ngày {day}",
        "The {period} reading of {day} is already recorded",
    ),
    "error.coldchain.no_excursion": ("Không có sự cố nhiệt độ số {id}", "No temperature excursion {id}"),
    "error.coldchain.not_exposed": (
        "Lô {lot} không nằm trong sự cố này",
        "Lot {lot} is not exposed in this excursion",
    ),
    "error.coldchain.decided": ("Lô {lot} đã được quyết định", "Lot {lot} is decided already"),
    "error.coldchain.release_vvm": (
        "VVM giai đoạn {stage}: không được dùng, hãy hủy lô",
        "VVM stage {stage}: it may not be used; write the lot off",
    ),
    "error.coldchain.release_needs_vvm": (
        "Sau sự cố nóng, cần đọc VVM trước khi cho dùng lại",
        "After a heat excursion a VVM reading is needed before release",
    ),
    "error.coldchain.release_needs_shake_test": (
        "Sau sự cố đông băng, cần làm nghiệm pháp lắc trước khi cho dùng lại",
        "After a freeze excursion a shake test is needed before release",
    ),
    "error.coldchain.shake_test_failed": (
        "Nghiệm pháp lắc không đạt: vắc xin đã bị đông băng, hãy hủy lô",
        "The shake test failed: the vaccine was frozen; write the lot off",
    ),
    "reason.heat_exposure": ("Tiếp xúc nhiệt độ cao", "Heat exposure"),
    "cli.temps.fridgetag": (
        "{file} → {place}: {days} ngày mới, {known} ngày đã có, {excursions} sự cố nhiệt độ mới",
        "{file} → {place}: {days} new days, {known} already known, {excursions} new excursions",
    ),
    "cli.temps.csv": (
        "{file} → {place}: {readings} số đo mới, {known} số đo đã có, {excursions} sự cố nhiệt độ mới",
        "{file} → {place}: {readings} new readings, {known} already known, {excursions} new excursions",
    ),
    "cli.temps.already": (
        "{file} đã được nhập cho {place}: không ghi gì thêm",
        "{file} was imported for {place} already: nothing written",
    ),
    "nav.coldchain": ("Dây chuyền lạnh", "Cold chain"),
    "coldchain.title": ("Dây chuyền lạnh", "Cold chain"),
    "coldchain.equipment": ("Thiết bị", "Equipment"),
    "coldchain.location": ("Vị trí bảo quản", "Storage location"),
    "coldchain.type": ("Loại", "Type"),
    "coldchain.volume": ("Thể tích đang dùng / thể tích chứa", "Volume in use / net volume"),
    "coldchain.logger": ("Thiết bị ghi nhiệt", "Logger"),
    "coldchain.over_capacity": ("Quá sức chứa", "Over capacity"),
    "coldchain.no_equipment": ("Chưa có thiết bị nào", "No equipment recorded"),
    "coldchain.open_excursions": ("Sự cố nhiệt độ đang mở", "Open temperature excursions"),
    "coldchain.no_open_excursions": ("Không có sự cố nhiệt độ đang mở", "No open temperature excursion"),
    "coldchain.across_gap": ("qua khoảng mất dữ liệu", "across a data gap"),
    "coldchain.doses": ("Số liều", "Doses"),
    "coldchain.decision": ("Quyết định", "Decision"),
    "coldchain.decision.release": ("Cho dùng lại", "Release"),
    "coldchain.decision.write_off": ("Hủy", "Write off"),
    "coldchain.shake_test": ("Nghiệm pháp lắc", "Shake test"),
    "coldchain.shake_pass": ("Đạt", "Passed"),
    "coldchain.shake_fail": ("Không đạt", "Failed"),
    "coldchain.kind.heat": ("Nhiệt độ cao", "Heat"),
    "coldchain.kind.freeze": ("Đông băng", "Freeze"),
    "coldchain.type.refrigerator": ("Tủ lạnh", "Refrigerator"),
    "coldchain.type.freezer": ("Tủ đá", "Freezer"),
    "coldchain.type.ice_lined_refrigerator": ("Tủ lạnh lót đá (ILR)", "Ice-lined refrigerator"),
    "coldchain.type.solar_direct_drive": ("Tủ lạnh năng lượng mặt trời (SDD)", "Solar direct-drive"),
    "coldchain.type.cold_box": ("Hòm lạnh", "Cold box"),
    "coldchain.type.vaccine_carrier": ("Phích vắc xin", "Vaccine carrier"),
    "coldchain.type.cold_room": ("Kho lạnh", "Cold room"),
    "coldchain.status.working": ("Hoạt động", "Working"),
    "coldchain.status.needs_repair": ("Cần sửa", "Needs repair"),
    "coldchain.status.broken": ("Hỏng", "Broken"),
    "coldchain.status.decommissioned": ("Thanh lý", "Decommissioned"),
    "coldchain.period": ("Buổi", "Period"),
    "coldchain.period.morning": ("Sáng", "Morning"),
    "coldchain.period.afternoon": ("Chiều", "Afternoon"),
    "coldchain.freeze_indicator": ("Chỉ thị đông băng", "Freeze indicator"),
    "coldchain.indicator.ok": ("Bình thường", "OK"),
    "coldchain.indicator.alarm": ("Báo động", "Alarm"),
    "coldchain.save_reading": ("Ghi nhiệt độ", "Save the reading"),
    "coldchain.celsius_needed": ("Nhập nhiệt độ (°C), ví dụ 4,5", "Enter the temperature (°C), e.g. 4.5"),
    "coldchain.chart": ("Biểu đồ nhiệt độ", "Temperature chart"),
    "coldchain.month_sheet": ("Bảng theo dõi nhiệt độ tháng", "Temperature sheet of"),
    "coldchain.day": ("Ngày", "Day"),
    "coldchain.signature": ("Người đo (ký)", "Read by (signature)"),
    "coldchain.logger_day": ("Thiết bị ghi nhiệt (thấp … cao)", "Logger (min … max)"),
    "coldchain.missing": ("Chưa ghi", "Missing"),
    "coldchain.no_data": ("Không có dữ liệu", "No data"),
    "coldchain.checked_by": ("Người kiểm tra", "Checked by"),
    "coldchain.chart.band": ("+2 … +8 °C", "+2 … +8 °C"),
    "coldchain.chart.logger": ("Thiết bị ghi nhiệt", "Logger"),
    "coldchain.chart.manual": ("Số đo hằng ngày", "Twice-daily readings"),
    "coldchain.chart.days": ("Fridge-tag: thấp … cao trong ngày", "Fridge-tag: day min … max"),
}
