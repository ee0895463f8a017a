// Post-stream report page: four per-minute charts (uPlot) with markers for pins, cues, flash
// sales, coupons and flags, and the print button. Data comes from the JSON script #report-chart
// (rendered by the server); labels are set with textContent only.
(function () {
  "use strict";
  var src = document.getElementById("report-chart");
  if (!src) return;
  var d = JSON.parse(src.textContent);
  var tz = d.tz || "Asia/Shanghai";
  var printBtn = document.getElementById("report-print");
  if (printBtn) printBtn.addEventListener("click", function () { window.print(); });
  if (!window.uPlot || !window.livedesk || !d.t || d.t.length === 0) return;
  var $ = livedesk.$, el = livedesk.el;

  var colors = { pin: "#5aa9e6", unpin: "#5d6673", cue: "#a98be6", flash_sale: "#e7b453", coupon: "#4cc38a", flag: "#f0616d" };
  var hm = function (sec) {
    return new Date(sec * 1000).toLocaleTimeString("zh-CN", { timeZone: tz, hour: "2-digit", minute: "2-digit", hour12: false });
  };
  // Draws a vertical line per marker; the legend below the charts names the colours.
  function markerPlugin() {
    return {
      hooks: {
        draw: [function (u) {
          var ctx = u.ctx, top = u.bbox.top, h = u.bbox.height;
          ctx.save();
          d.markers.forEach(function (m) {
            var x = Math.round(u.valToPos(m.t, "x", true));
            if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) return;
            ctx.strokeStyle = colors[m.kind] || "#8b95a3";
            ctx.lineWidth = m.kind === "flag" ? 2 : 1;
            ctx.setLineDash(m.kind === "pin" || m.kind === "flag" ? [] : [4, 3]);
            ctx.beginPath();
            ctx.moveTo(x, top);
            ctx.lineTo(x, top + h);
            ctx.stroke();
          });
          ctx.restore();
        }]
      }
    };
  }
  function chart(id, label, values, color, fmt) {
    var box = $(id);
    if (!box) return;
    var grid = { stroke: "#232a33", width: 1 };
    var opts = {
      width: Math.max(280, box.clientWidth),
      height: 180,
      title: label,
      tzDate: function (ts) { return uPlot.tzDate(new Date(ts * 1000), tz); },
      cursor: { drag: { x: false, y: false } },
      plugins: [markerPlugin()],
      scales: { y: { range: function (u, min, max) { return [0, Math.max(max * 1.1, 1)]; } } },
      series: [
        { label: d.labels.minute, value: function (u, v) { return v === null ? "—" : hm(v); } },
        { label: label, stroke: color, width: 2, fill: color + "14", value: function (u, v) { return v === null ? "—" : fmt(v); } }
      ],
      axes: [
        { stroke: "#8b95a3", grid: grid, ticks: grid, values: function (u, s) { return s.map(hm); } },
        { stroke: "#8b95a3", grid: grid, ticks: grid, size: 64 }
      ]
    };
    new uPlot(opts, [d.t, values], box);
  }
  // GMV comes in the major unit; livedesk.money takes the minor unit and writes it as the server
  // does (¥1,234.56; the shop's currency through shop_money.js).
  var yuan = function (v) { return livedesk.money(Math.round(v * (livedesk.minorUnit || 100))); };
  chart("chart-gmv", d.labels.gmv, d.gmv, "#e7b453", yuan);
  chart("chart-online", d.labels.online, d.online, "#5aa9e6", livedesk.int);
  chart("chart-clicks", d.labels.clicks, d.clicks, "#a98be6", livedesk.int);
  chart("chart-orders", d.labels.orders, d.orders, "#4cc38a", livedesk.int);

  // Marker list under the charts, for reading (and for print, where hover is not available).
  var legend = $("report-markers-legend");
  if (legend && d.markers.length) {
    var ul = el("ul", "report-marker-list");
    d.markers.forEach(function (m) {
      var li = el("li");
      var dot = el("span", "dot");
      dot.style.background = colors[m.kind] || "#8b95a3";
      li.appendChild(dot);
      li.appendChild(document.createTextNode(hm(m.t) + " " + m.label));
      ul.appendChild(li);
    });
    legend.after(ul);
  }
})();
