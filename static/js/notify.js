// Shop-wide notices on any page that loads this script (jobs area):
//   "notify" — a new urgent task or a recap: a toast in the corner for 12 s (textContent only).
//   "stock"  — the shop's 即将售罄 list ({below, products:[{product, stock, label}]}): every element
//              with data-product="<id>" gets the label after its first child, via one generated
//              stylesheet, so the marker survives pages re-rendering their rows every tick.
// Pages with their own socket handlers keep working: this only adds handlers.
(function () {
  "use strict";
  if (!window.livedesk) return;
  var el = livedesk.el;
  var box = null;
  function toasts() {
    if (!box) {
      box = el("div", "ld-toasts");
      box.setAttribute("role", "status");
      document.body.appendChild(box);
    }
    return box;
  }
  livedesk.on("notify", function (n) {
    if (!n || !n.title) return;
    var t = el("div", "ld-toast sev-" + (n.severity || "info"));
    var a = el("a", "", n.title);
    a.href = "/tasks";
    t.appendChild(a);
    toasts().insertBefore(t, toasts().firstChild);
    setTimeout(function () { if (t.parentNode) t.parentNode.removeChild(t); }, 12000);
  });
  var sheet = null;
  livedesk.on("stock", function (d) {
    if (!d || !d.products) return;
    if (!sheet) {
      sheet = el("style");
      document.head.appendChild(sheet);
    }
    var esc = window.CSS && CSS.escape ? CSS.escape : function (s) { return String(s).replace(/["\\]/g, "\\$&"); };
    var rules = [];
    document.documentElement.setAttribute("data-soldout", String(d.products.length));
    for (var i = 0; i < d.products.length; i++) {
      var p = d.products[i];
      rules.push('[data-product="' + esc(p.product) + '"] > :first-child::after{content:"' +
        (p.label === "即将售罄" ? "即将售罄" : "low") + '";margin-left:6px;padding:1px 6px;border-radius:4px;' +
        'font-size:12px;background:#5a1f26;color:#ffd1d5;border:1px solid #8a2f3a}');
    }
    sheet.textContent = rules.join("\n");
  });
})();
