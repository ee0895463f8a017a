// livedesk money in the shop's currency, on every page that has a #shop-currency block (the
// shop's livedesk.Currency: {Code, Digits, Symbol, Suffix}; views.ShopCurrency renders it).
// livedesk.money(minor) is replaced by a formatter for it before the page scripts that come
// later in the page (deferred, so in document order) read it: 123456 → "¥1,234.56",
// "$1,234.56", VND 123456 → "123,456₫". Amounts on the wire are integers in the minor unit;
// livedesk.minorUnit is how many of them make one major unit (100, or 1 for VND).
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
    livedesk.minorUnit = unit;
  }
})();
