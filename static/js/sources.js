// livedesk traffic sources in the control room (views/control_sources.templ): the share of entries by source over the sliding window and the session from each "tick"
//    (live.SourceShares: {last:[{source, entries, share:{value,num,den}}], session:[…]}).
// User text never goes through innerHTML: labels are set with textContent.
(function () {
  "use strict";
  if (!window.livedesk) return;
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
