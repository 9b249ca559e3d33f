"""The paged backlog and due list pages: their sums, the whole due list to print and its CSV file."""

ENTRIES: dict[str, tuple[str, str]] = {
    "backlog.totals": ("Tổng cộng {communes} xã", "All {communes} communes"),
    "due.totals": ("Số mũi cần tiêm theo vắc xin", "Doses to give by antigen"),
    "due.all_doses": ("Tổng số mũi cần tiêm", "All doses to give"),
    "due.print_all": ("In toàn bộ danh sách", "Print the whole list"),
    "due.download_csv": ("Tải danh sách (CSV)", "Download the list (CSV)"),
    "due.back_to_pages": ("Quay lại danh sách theo trang", "Back to the paged list"),
    "due.whole_list": ("toàn bộ, để in", "whole list, to print"),
    "due.overdue_doses": ("Mũi quá hạn", "Overdue doses"),
}
