// Small screens: the menu folds behind a button, and table rows become cards whose cells carry their
// column's header as a label (set here from the header row, so templates need not repeat it).
(function () {
  var toggle = document.getElementById("menu-toggle");
  if (toggle) {
    toggle.addEventListener("click", function () {
      var header = toggle.closest("header");
      var open = header.classList.toggle("open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }
  var tables = document.querySelectorAll("main table");
  for (var t = 0; t < tables.length; t++) {
    var table = tables[t], head = table.querySelector("tr");
    if (!head || !head.querySelector("th") || head.querySelector("td")) continue;
    var labels = [], cells = head.children;
    for (var c = 0; c < cells.length; c++) {
      for (var span = 0; span < (cells[c].colSpan || 1); span++) labels.push(cells[c].textContent.trim());
    }
    table.classList.add("cards");
    head.classList.add("head");
    var rows = table.querySelectorAll("tr");
    for (var r = 0; r < rows.length; r++) {
      if (rows[r] === head) continue;
      var col = 0, row = rows[r].children;
      for (var k = 0; k < row.length; k++) {
        if (!row[k].hasAttribute("data-label") && labels[col]) row[k].setAttribute("data-label", labels[col]);
        col += row[k].colSpan || 1;
      }
    }
  }
})();
