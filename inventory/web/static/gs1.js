// GS1 element strings from a DataMatrix scanner: (01) GTIN, (17) expiry YYMMDD, (10) lot.
// Accepts the FNC1/GS separator (\x1d), parentheses, or neither (fixed-length AIs first).
(function () {
  var GS = "\x1d";
  function expiry(yymmdd) {
    var y = 2000 + parseInt(yymmdd.slice(0, 2), 10), m = parseInt(yymmdd.slice(2, 4), 10), d = parseInt(yymmdd.slice(4, 6), 10);
    if (d === 0) { d = new Date(y, m, 0).getDate(); }
    return y + "-" + String(m).padStart(2, "0") + "-" + String(d).padStart(2, "0");
  }
  function parse(raw) {
    // a symbology identifier (]d2 DataMatrix, ]C1 GS1-128, ]Q3 QR) may lead the string
    var s = raw.trim().replace(/^\][A-Za-z]\d/, ""), out = {};
    if (s.indexOf("(") >= 0) {
      var re = /\((\d{2,4})\)([^(]*)/g, m;
      // the printed form has spaces between the elements; no AI here may contain a space or a GS
      while ((m = re.exec(s))) { out[m[1]] = m[2].replace(/[\s\x1d]/g, ""); }
    } else {
      while (s.length) {
        if (s[0] === GS) { s = s.slice(1); continue; }
        var ai = s.slice(0, 2);
        if (ai === "01") { out["01"] = s.slice(2, 16); s = s.slice(16); }
        else if (ai === "17" || ai === "11" || ai === "15") { out[ai] = s.slice(2, 8); s = s.slice(8); }
        else if (ai === "10" || ai === "21") { var end = s.indexOf(GS, 2); if (end < 0) end = s.length; out[ai] = s.slice(2, end); s = s.slice(end); }
        else break;
      }
    }
    return { gtin: out["01"], expiry: out["17"] ? expiry(out["17"]) : undefined, lot: out["10"] };
  }
  window.vaxstockGS1 = parse;

  // GTINs seen before: the server's (lots received with a GTIN) and those this browser was told about
  var KEY = "vaxstock.gtins";
  function known() {
    var map = {};
    var el = document.getElementById("gtins");
    if (el) { try { map = JSON.parse(el.textContent || "{}"); } catch (e) { map = {}; } }
    try { var local = JSON.parse(window.localStorage.getItem(KEY) || "{}"); for (var g in local) { if (!map[g]) map[g] = local[g]; } } catch (e) { /* storage off */ }
    return map;
  }
  function remember(gtin, product) {
    try { var local = JSON.parse(window.localStorage.getItem(KEY) || "{}"); local[gtin] = { product: product }; window.localStorage.setItem(KEY, JSON.stringify(local)); } catch (e) { /* storage off */ }
  }
  function field(row, name) { return document.querySelector('[name="lines[' + row + '].' + name + '"]'); }

  // a scan fills its row; a GTIN never seen asks for the product once, and the answer is remembered
  function fill(el) {
    var row = el.dataset.scan, parsed = parse(el.value), map = known(), note = document.querySelector('[data-scan-note="' + row + '"]');
    var set = function (name, value) { var f = field(row, name); if (f && value) f.value = value; };
    set("lot_number", parsed.lot); set("expires_on", parsed.expiry); set("gtin", parsed.gtin);
    if (note) note.textContent = "";
    if (!parsed.gtin) return true;
    if (map[parsed.gtin]) { set("product", map[parsed.gtin].product); return true; }
    var product = field(row, "product");
    if (product && product.value) { remember(parsed.gtin, product.value); return true; }
    if (note) note.textContent = el.form ? el.form.dataset.gtinUnknown || "" : "";
    if (product) {
      product.dataset.learnGtin = parsed.gtin;
      product.focus();
    }
    return false;
  }
  document.addEventListener("change", function (ev) {
    var el = ev.target;
    if (el.dataset && el.dataset.scan) { fill(el); return; }
    if (el.dataset && el.dataset.learnGtin && el.value) {
      remember(el.dataset.learnGtin, el.value);
      delete el.dataset.learnGtin;
      var row = (el.name.match(/^lines\[(\d+)\]/) || [])[1], note = document.querySelector('[data-scan-note="' + row + '"]');
      if (note) note.textContent = "";
    }
  });

  // a scanner ends its input with Enter: in a form that asks for it, Enter never submits; in a scan field
  // it fills the row and moves on to the next empty scan field
  document.addEventListener("keydown", function (ev) {
    var el = ev.target;
    if (ev.key !== "Enter" || !el.form || !("enterMoves" in el.form.dataset)) return;
    if (el.tagName === "BUTTON" || el.tagName === "TEXTAREA" || el.type === "submit") return;
    ev.preventDefault();
    if (!(el.dataset && el.dataset.scan)) return;
    if (!fill(el)) return;
    var scans = Array.prototype.slice.call(el.form.querySelectorAll("[data-scan]"));
    var next = scans.filter(function (s) { return Number(s.dataset.scan) > Number(el.dataset.scan) && !s.value; })[0];
    if (next) next.focus();
  });
})();
