// livedesk traffic sources in the control room (views/control_sources.templ).
//
// 1. Money in the shop's currency: #shop-currency is the shop's livedesk.Currency ({Code,
//    Digits, Symbol, Suffix}); livedesk.money(minor) is replaced by a formatter for it before
//    control.js (later in the page, deferred) reads it: 123456 → "¥1,234.56", "$1,234.56",
//    VND 123456 → "123,456₫". Amounts on the wire are integers in the currency's minor unit.
// 2. The share of entries by source over the sliding window and the session from each "tick"
//    (live.SourceShares: {last:[{source, entries, share:{value,num,den}}], session:[…]}).
// User text never goes through innerHTML: labels are set with textContent.
(function () {
  "use strict";
  if (!window.livedesk) return;
  var cur = livedesk.json("shop-currency");
  if (cur && cur.Code) {
    var nf = new Intl.NumberFormat("en-US");
    var digits = cur.Digits || 0, unit = Math.pow(10, digits);
    livedesk.money = function (minor) {
      if (minor === null || minor === undefined || isNaN(minor)) return "—";
      var neg = minor < 0;
      var v = Math.round(Math.abs(minor));
      var s = nf.format(Math.floor(v / unit));
      if (digits > 0) s += "." + String(v % unit).padStart(digits, "0");
      s = cur.Suffix ? s + cur.Symbol : cur.Symbol + s;
      return neg ? "-" + s : s;
    };
  }
  var root = document.getElementById("sources");
  if (!root) return;
  var labels = livedesk.json("source-labels") || {};
  var el = livedesk.el, int = livedesk.int;

  function pct(r) {
    if (!r || r.value === null || r.value === undefined) return "—";
    return (r.value * 100).toFixed(1) + "%";
  }

  function draw(id, list) {
    var ul = document.getElementById(id);
    ul.textContent = "";
    (list || []).forEach(function (s) {
      var li = el("li", "source");
      li.setAttribute("data-source", s.source || "unknown");
      li.appendChild(el("span", "source-label", labels[s.source || ""] || s.source));
      var bar = el("span", "source-bar");
      var fill = el("span", "source-fill");
      fill.style.width = Math.max(0, Math.min(100, (s.share && s.share.value ? s.share.value : 0) * 100)).toFixed(1) + "%";
      bar.appendChild(fill);
      li.appendChild(bar);
      var v = el("span", "source-share num", pct(s.share));
      v.title = int(s.entries);
      li.appendChild(v);
      ul.appendChild(li);
    });
  }

  livedesk.on("tick", function (d) {
    var src = d && d.sources ? d.sources : {};
    draw("sources-last", src.last);
    draw("sources-session", src.session);
    document.getElementById("sources-empty").hidden = !!(src.session && src.session.length);
  });
})();
