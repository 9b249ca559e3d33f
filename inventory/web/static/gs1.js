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
  document.addEventListener("change", function (ev) {
    var el = ev.target;
    if (!el.dataset || !el.dataset.scan) return;
    var row = el.dataset.scan, parsed = parse(el.value), map = JSON.parse(document.getElementById("gtins").textContent || "{}");
    var set = function (name, value) { var f = document.querySelector('[name="lines[' + row + '].' + name + '"]'); if (f && value) f.value = value; };
    set("lot_number", parsed.lot); set("expires_on", parsed.expiry); set("gtin", parsed.gtin);
    if (parsed.gtin && map[parsed.gtin]) set("product", map[parsed.gtin].product);
  });
})();
