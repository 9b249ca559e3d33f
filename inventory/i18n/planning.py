"""Refusals of the children's register, the EPI schedule, the vaccine forecast and the temperature import.
Vietnamese first, English second; the parameters in braces are the error's `params`."""

from __future__ import annotations

ENTRIES: dict[str, tuple[str, str]] = {
    "error.commune.unknown": ("Không có xã mã «{code}»", "Unknown commune «{code}»"),
    "error.child.not_found": ("Không có trẻ mã «{code}»", "No child «{code}»"),
    "error.schedule.unknown_version": (
        "Không có phiên bản lịch tiêm «{version}»",
        "Unknown schedule version «{version}»",
    ),
    "error.schedule.none_in_force": (
        "Không có phiên bản lịch tiêm nào có hiệu lực ngày {day}",
        "No schedule version is in force on {day}",
    ),
    "error.schedule.problems": ("Lịch tiêm có lỗi: {problems}", "The schedule has problems: {problems}"),
    "error.schedule.problem": ("Lịch tiêm: {problem}", "Schedule: {problem}"),
    "error.schedule.unreadable": (
        "Không đọc được tệp lịch tiêm ({error})",
        "The schedule file cannot be read ({error})",
    ),
    "error.forecast.invalid": ("Giá trị «{value}» không hợp lệ", "The value «{value}» is not valid"),
    "error.forecast.doses_used": (
        "{value} liều đã dùng: tỷ lệ sử dụng cần có số liều đã dùng",
        "{value} doses used: a usage rate needs doses used",
    ),
    "error.forecast.indicative_wastage": (
        "Không có tỷ lệ hao phí tham khảo cho lọ {presentation} {doses_per_vial} liều",
        "No indicative wastage rate for {doses_per_vial}-dose {presentation} vials",
    ),
    "error.forecast.period.months_or_weeks": (
        "Hãy ghi kỳ cung ứng theo tháng hoặc theo tuần, không cả hai",
        "Give the supply period in months or in weeks, not both",
    ),
    "error.forecast.stockout_days": (
        "{value} ngày hết hàng không để lại tháng nào có hàng trong {months} tháng",
        "{value} stock-out days leave no month with stock in {months} months",
    ),
    "error.forecast.setting.stored": (
        "Một tham số đã lưu không còn dùng được; các tham số: {known}",
        "A stored setting is no longer known; the settings are: {known}",
    ),
    "error.forecast.defaults_admin": (
        "{user} chỉ đặt tham số cho một cơ sở (tham số chung cho mọi cơ sở do quản trị viên đặt)",
        "{user} may set parameters for a facility only (defaults for every facility are an administrator's)",
    ),
    "error.forecast.not_your_facility": (
        "{user} không được đặt tham số cho {facility}",
        "{user} may not set parameters for {facility}",
    ),
    "error.forecast.letter_no_supplier": (
        "{facility} không có đơn vị cấp trên để gửi công văn dự trù; công văn là của huyện hoặc xã gửi kho cấp "
        "trên (bảng tính vẫn tải được)",
        "{facility} has no supplier to send a request letter to; the letter is from a district or a commune to "
        "the store that supplies it (the workbook is still available)",
    ),
    "error.forecast.no_such_vaccine": (
        "Dự trù này không có vắc xin «{product}»",
        "No vaccine «{product}» in this request",
    ),
    "error.coldchain.cli_facility": (
        "Hãy ghi --facility, hoặc vị trí dạng CƠ_SỞ/MÃ",
        "Give --facility, or the location as FACILITY/CODE",
    ),
}
