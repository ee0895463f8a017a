// Control room: renders live.Snapshot ("tick" messages, every second) and live.MinuteSeries
// ("minutes" messages: the closed minutes, sent when a minute closes or is corrected) into the page. Every user-provided text
// (product ids and titles, comments, user names) goes through textContent, never innerHTML.
// Buttons post to the room's endpoints through livedesk.post (CSRF header included).
(function () {
  "use strict";
  var root = document.getElementById("control");
  if (!root || !window.livedesk) return;
  var room = root.getAttribute("data-room");
  var canChange = root.getAttribute("data-can-change") === "true";
  var lang = root.getAttribute("data-lang") || "zh-CN";
  var t = livedesk.strings("control-strings"); // t(key, vars); t.has(key)
  var titles = livedesk.json("product-titles") || {};
  var $ = livedesk.$, el = livedesk.el;
  function clear(e) { while (e.firstChild) e.removeChild(e.firstChild); }

  // ---- formatting (money is integer fen; times are unix ms shown in the shop's zone) ----
  var tz = (document.querySelector('meta[name="livedesk-tz"]') || {}).content || "Asia/Shanghai";
  var nf = new Intl.NumberFormat("en-US");
  var money = livedesk.money, int = livedesk.int;
  function pct(v, digits) {
    if (v === null || v === undefined || !isFinite(v)) return "—";
    return (v * 100).toFixed(digits === undefined ? 1 : digits) + "%";
  }
  function ratio(v) { return (v === null || v === undefined || !isFinite(v)) ? "—" : v.toFixed(2); }
  var clockFmt = new Intl.DateTimeFormat(lang === "en" ? "en-GB" : "zh-CN", { timeZone: tz, hour: "2-digit", minute: "2-digit", hour12: false });
  var secFmt = new Intl.DateTimeFormat(lang === "en" ? "en-GB" : "zh-CN", { timeZone: tz, hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });
  function hm(ms) { return ms ? clockFmt.format(new Date(ms)) : "—"; }
  function hms(ms) { return ms ? secFmt.format(new Date(ms)) : "—"; }
  function duration(s) {
    s = Math.max(0, Math.floor(s));
    return Math.floor(s / 3600) + ":" + String(Math.floor(s / 60) % 60).padStart(2, "0") + ":" + String(s % 60).padStart(2, "0");
  }
  // rateText shows a Rate {value,num,den} as a percentage (or a ratio / money for kind).
  function rateValue(r, kind) {
    if (!r || r.value === null || r.value === undefined) return "—";
    if (kind === "fen") return money(r.value);
    if (kind === "ratio") return ratio(r.value);
    return pct(r.value);
  }
  function rateDen(r, kind) {
    if (!r) return "";
    if (kind === "fen" || kind === "roi") return money(r.num) + " / " + (kind === "roi" ? money(r.den) : int(r.den));
    return int(r.num) + " / " + int(r.den);
  }
  function productName(id) { return titles[id] ? titles[id] + " (" + id + ")" : id; }

  // ---- session header and buttons ----
  var clockBase = null; // {clockS, at}
  var lastSnap = null;
  function renderSession(snap) {
    var s = snap.session || {};
    var badge = $("session-state");
    var live = s.state === "live";
    badge.setAttribute("data-state", live ? "live" : "idle");
    badge.textContent = live ? t("state.live") + (s.auto ? " · " + t("state.auto") : "") : t("state.idle");
    clockBase = live ? { clockS: s.clock_s || 0, at: Date.now() } : null;
    $("session-clock").textContent = live ? duration(s.clock_s || 0) : "0:00:00";
    var pinned = snap.pinned || "";
    $("pinned").textContent = pinned ? productName(pinned) : "—";
    var start = $("session-start"), end = $("session-end");
    if (start && end) {
      start.hidden = live;
      end.hidden = !live;
    }
    $("updated").textContent = t("updated") + " " + hms(snap.server_time);
  }
  setInterval(function () {
    if (clockBase) $("session-clock").textContent = duration(clockBase.clockS + (Date.now() - clockBase.at) / 1000);
    if (lastSnap && Date.now() - lastSnap.receivedAt > 5000) {
      $("updated").textContent = t("stale") + " · " + hms(lastSnap.snap.server_time);
      $("updated").classList.add("error");
    } else {
      $("updated").classList.remove("error");
    }
  }, 1000);

  function showError(err) {
    var e = $("action-error");
    if (e) e.textContent = t("failed") + (err && err.message ? err.message : String(err));
  }
  function act(url, btn) {
    if (btn) btn.disabled = true;
    $("action-error").textContent = "";
    return livedesk.post(url, {}).catch(showError).then(function () { if (btn) btn.disabled = false; });
  }
  var base = "/rooms/" + encodeURIComponent(room);
  if ($("session-start")) {
    $("session-start").addEventListener("click", function (ev) { act(base + "/session/start", ev.currentTarget); });
    $("session-end").addEventListener("click", function (ev) {
      if (window.confirm(t("confirm.end"))) act(base + "/session/end", ev.currentTarget);
    });
  }

  // ---- tiles ----
  var tileOrder = ["gmv", "orders", "buyers", "online", "views", "viewers", "clicks", "ctr", "cvr", "gpm", "uv_value", "ad_spend", "roi"];
  var rateOf = { ctr: "ctr", cvr: "cvr", gpm: "gpm", uv_value: "uv_value", roi: "roi" };
  var upIsGood = { ad_spend: null };
  function tileValue(tile, v) {
    if (tile.unit === "fen") return money(v);
    if (tile.unit === "ratio") return tile.key === "roi" ? ratio(v) : pct(v);
    return int(v);
  }
  function renderTiles(snap) {
    var box = $("tiles");
    var byKey = {};
    (snap.tiles || []).forEach(function (x) { byKey[x.key] = x; });
    var keys = tileOrder.filter(function (k) { return byKey[k]; });
    (snap.tiles || []).forEach(function (x) { if (keys.indexOf(x.key) < 0) keys.push(x.key); });
    clear(box);
    keys.forEach(function (k) {
      var tile = byKey[k];
      var card = el("div", "tile");
      card.setAttribute("data-key", k);
      var label = el("div", "tile-label", t("tile." + k));
      // Distinct-user counts (and rates on them) are live estimates (snap.estimated).
      if ((snap.estimated || []).indexOf(k) >= 0) {
        var est = el("span", "estimate-mark", " ≈");
        est.title = t("tile.estimate");
        label.appendChild(est);
        card.setAttribute("data-estimate", "true");
      }
      card.appendChild(label);
      var val = el("div", "tile-value", tile.na ? t("tile.na") : tileValue(tile, tile.value));
      val.setAttribute("data-value", tile.na ? "na" : String(tile.value));
      if (tile.na) { val.title = t("tile.na_why"); card.setAttribute("data-na", "true"); }
      card.appendChild(val);
      // what the rate is divided by, from the session totals
      if (rateOf[k] && snap.session_totals) {
        var r = snap.session_totals[rateOf[k]];
        var kind = k === "gpm" || k === "uv_value" ? "fen" : (k === "roi" ? "roi" : "");
        var den = el("div", "tile-den", t("den." + k) + " = " + rateDen(r, kind));
        den.title = t("den." + k);
        card.appendChild(den);
      }
      var d = el("div", "tile-delta");
      var last = el("span", "", t("last5") + " " + tileValue(tile, tile.last5));
      d.appendChild(last);
      if (tile.delta_pct !== null && tile.delta_pct !== undefined) {
        var up = tile.delta > 0, down = tile.delta < 0;
        var arrow = up ? "▲" : (down ? "▼" : "＝");
        var cls = "chg";
        if (!(k in upIsGood)) cls += up ? " good" : (down ? " bad" : "");
        var chg = el("span", cls, " " + arrow + " " + pct(Math.abs(tile.delta_pct), 0));
        chg.title = t("vs_prev5") + ": " + tileValue(tile, tile.prev5) + " → " + tileValue(tile, tile.last5);
        d.appendChild(chg);
      }
      card.appendChild(d);
      box.appendChild(card);
    });
  }

  // ---- chart (uPlot, per minute) ----
  var plot = null;
  var chartBox = $("chart");
  // series is the latest "minutes" message (closed minutes, oldest first); seriesVersion counts
  // them so the chart is redrawn when either the series or the tick's open minute changes.
  var series = { minutes: [] };
  var seriesVersion = 0;
  function chartData(snap) {
    var mins = (series.minutes || []).slice();
    if (snap.current && snap.current.start) mins.push(snap.current);
    var xs = [], gmv = [], online = [], clicks = [], orders = [];
    mins.forEach(function (m) {
      xs.push(m.start / 1000);
      gmv.push(m.gmv / 100);
      online.push(m.online);
      clicks.push(m.clicks);
      orders.push(m.orders);
    });
    // A short session still gets a 10-minute axis: pad with an empty point (uPlot cannot range
    // a time axis over a single point).
    if (xs.length && xs[xs.length - 1] - xs[0] < 600) {
      xs.push(xs[0] + 600);
      [gmv, online, clicks, orders].forEach(function (a) { a.push(null); });
    }
    return [xs, gmv, online, clicks, orders];
  }
  function makePlot(data) {
    if (!window.uPlot) return null;
    var axisStroke = "#8b95a3", grid = { stroke: "#232a33", width: 1 };
    var fmtTime = function (u, splits) { return splits.map(function (v) { return hm(v * 1000); }); };
    var opts = {
      width: Math.max(300, chartBox.clientWidth),
      height: 230,
      tzDate: function (ts) { return uPlot.tzDate(new Date(ts * 1000), tz); },
      cursor: { drag: { x: false, y: false } },
      hooks: { draw: [latestLegend], setCursor: [latestLegend] },
      legend: { live: true },
      scales: {
        x: { time: true },
        yuan: { range: function (u, min, max) { return [0, Math.max(max * 1.1, 10)]; } },
        n: { range: function (u, min, max) { return [0, Math.max(max * 1.1, 10)]; } }
      },
      series: [
        { label: t("series.time"), value: function (u, v) { return v === null ? "—" : hm(v * 1000); } },
        { label: t("series.gmv"), scale: "yuan", stroke: "#e7b453", width: 2, fill: "rgba(231,180,83,0.08)", value: function (u, v) { return v === null ? "—" : money(Math.round(v * 100)); } },
        { label: t("series.online"), scale: "n", stroke: "#5aa9e6", width: 2, value: function (u, v) { return int(v); } },
        { label: t("series.clicks"), scale: "n", stroke: "#a98be6", width: 1.5, value: function (u, v) { return int(v); } },
        { label: t("series.orders"), scale: "n", stroke: "#4cc38a", width: 2, value: function (u, v) { return int(v); } }
      ],
      axes: [
        { stroke: axisStroke, grid: grid, ticks: grid, values: fmtTime },
        { scale: "yuan", stroke: "#e7b453", grid: grid, ticks: grid, size: 70, values: function (u, s) { return s.map(function (v) { return "¥" + nf.format(v); }); } },
        { scale: "n", side: 1, stroke: axisStroke, grid: { show: false }, ticks: grid, size: 56 }
      ]
    };
    return new uPlot(opts, data, chartBox);
  }
  function renderChart(snap) {
    var data = chartData(snap);
    if (!plot) plot = makePlot(data);
    else plot.setData(data);
  }
  // Without the pointer on the chart, the legend shows the latest minute's values (after every
  // redraw, since uPlot clears the legend when the cursor is away).
  function latestLegend(u) {
    var n = u.data[0].length;
    while (n > 0 && u.data[1][n - 1] === null) n--; // skip the axis padding
    if (n && (u.cursor.left === undefined || u.cursor.left < 0)) u.setLegend({ idx: n - 1 }, false);
  }
  var resizeTimer = null;
  window.addEventListener("resize", function () {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(function () { if (plot) plot.setSize({ width: Math.max(300, chartBox.clientWidth), height: 230 }); }, 150);
  });

  // ---- closed minutes table (newest first, last 6) ----
  // A minute is exact (computed from the stored raw events) a few seconds after it closes; until
  // then it shows the live estimate, marked with the "estimate" class and a tooltip.
  function renderMinutes() {
    var body = $("minutes").tBodies[0];
    clear(body);
    var mins = (series.minutes || []).slice(-6).reverse();
    mins.forEach(function (m) {
      var tr = el("tr", m.exact ? "" : "estimate");
      tr.setAttribute("data-minute", String(m.start));
      tr.setAttribute("data-exact", m.exact ? "true" : "false");
      if (!m.exact) tr.title = t("minute.estimate");
      [hm(m.start), int(m.views), int(m.viewers), int(m.online), int(m.impressions), int(m.clicks), int(m.orders), money(m.gmv), int(m.comments), money(m.ad_spend)]
        .forEach(function (v, i) {
          var td = el("td", i === 0 ? "" : "num", v);
          td.setAttribute("data-col", ["minute", "views", "viewers", "online", "impressions", "clicks", "orders", "gmv", "comments", "ad_spend"][i]);
          tr.appendChild(td);
        });
      body.appendChild(tr);
    });
  }

  // ---- products ----
  function renderProducts(snap) {
    var body = $("products").tBodies[0];
    clear(body);
    var list = snap.products || [];
    $("products-empty").hidden = list.length > 0;
    $("products-window").textContent = t("products.window", { window: Math.round((snap.window_s || 300) / 60) });
    list.forEach(function (p) {
      var tr = el("tr", p.flag ? "flagged flag-" + p.flag : "");
      tr.setAttribute("data-product", p.product);
      var name = el("td", "pname");
      name.appendChild(el("span", "", productName(p.product)));
      if (p.pinned) name.appendChild(el("span", "tag pin", t("pinned")));
      tr.appendChild(name);
      tr.appendChild(el("td", "num", int(p.impressions)));
      tr.appendChild(el("td", "num strong", int(p.clicks)));
      var ctr = el("td", "num", rateValue(p.ctr));
      ctr.appendChild(el("div", "den", rateDen(p.ctr)));
      ctr.title = t("den.ctr");
      tr.appendChild(ctr);
      tr.appendChild(el("td", "num", int(p.orders)));
      // Clickers or buyers from running totals have no users: the rate is not available.
      var cvrNA = (p.people_na || []).length > 0;
      var cvr = el("td", "num", cvrNA ? t("tile.na") : rateValue(p.cvr));
      if (!cvrNA) cvr.appendChild(el("div", "den", rateDen(p.cvr)));
      cvr.title = cvrNA ? t("tile.na_why") : t("den.cvr");
      tr.appendChild(cvr);
      tr.appendChild(el("td", "num", money(p.gmv)));
      var stock = el("td", "num" + (p.stock !== null && p.stock !== undefined && p.stock < 10 ? " bad" : ""), p.stock === null || p.stock === undefined ? "—" : int(p.stock));
      tr.appendChild(stock);
      var f = el("td", "");
      if (p.flag) f.appendChild(el("span", "tag flag-" + p.flag, t("flag." + p.flag)));
      tr.appendChild(f);
      body.appendChild(tr);
    });
  }

  // ---- flags ----
  // Rules are data (live.Rule): a flag names its rule (a default rule in the user's language, an
  // operator's rule by the name they gave it) and carries the conditions with the values they saw.
  var meta = livedesk.json("rule-meta") || { metrics: [], names: {}, topics: {} };
  var rt = livedesk.strings("rules-i18n");
  function metricLabel(k) {
    for (var i = 0; i < meta.metrics.length; i++) {
      if (meta.metrics[i].key === k) return lang === "en" ? meta.metrics[i].en : meta.metrics[i].zh;
    }
    return k;
  }
  function ruleName(f) {
    var n = meta.names[f.rule];
    if (n && (!f.name || f.name === n[0] || f.name === n[1])) return t.has("rule." + f.rule) ? t("rule." + f.rule) : n[lang === "en" ? 1 : 0];
    return f.name || f.rule;
  }
  function numText(x) { return Math.round(x) === x ? nf.format(x) : String(Math.round(x * 100) / 100); }
  function flagDetail(f) {
    if (f.when && f.when.length) {
      var s = f.when.map(function (c) {
        return metricLabel(c.metric) + (c.topic ? "（" + (meta.topics[c.topic] || c.topic) + "）" : "") + " " + numText(c.actual) + " " + c.op + " " + numText(c.value);
      }).join(lang === "en" ? ", " : "，");
      if (f.window_s) s += " · " + t("flag.window", { window: numText(Math.round(f.window_s / 6) / 10) });
      return s;
    }
    var d = f.detail || {};
    var vars = {};
    for (var k in d) vars[k] = int(d[k]);
    if (d.window_s !== undefined) vars.window = Math.round(d.window_s / 60);
    if (d.roi_milli !== undefined) vars.roi = (d.roi_milli / 1000).toFixed(2);
    if (d.target_milli !== undefined) vars.target = (d.target_milli / 1000).toFixed(2);
    var key = "flag." + f.rule;
    return t.has(key) ? t(key, vars) : "";
  }
  // responseWill says what a response will do (the first tap shows it, the second confirms).
  function responseWill(r, f) {
    var product = productName(r.product || f.product || snapPinned());
    switch (r.kind) {
      case "flash_sale":
        return rt("rules.flash.will", { product: product, price: (r.price_fen / 100).toFixed(2), qty: r.qty, duration: duration(r.duration_s) });
      case "coupon": return rt("rules.coupon.will", { text: r.text, qty: r.qty });
      case "pin": return rt("rules.pin.will", { product: productName(r.product) });
      case "pin_next": return rt("rules.pin_next.will");
    }
    return rt("rules.cue.will", { text: r.text });
  }
  // responseLabel is a response's button text: a default response still worded as shipped is
  // translated; an operator's own text is shown as written.
  function responseLabel(r) {
    return (meta.labels && meta.labels[r.text]) || r.text;
  }
  function snapPinned() { return (lastSnap && lastSnap.pinned) || ""; }
  function renderFlags(snap) {
    var box = $("flags");
    clear(box);
    var flags = snap.flags || [];
    $("flags-count").textContent = String(flags.filter(function (f) { return f.state === "raised"; }).length);
    $("flags-count").classList.toggle("hot", flags.some(function (f) { return f.state === "raised"; }));
    $("flags-empty").hidden = flags.length > 0;
    flags.forEach(function (f) {
      var card = el("div", "flag flag-" + f.state);
      card.setAttribute("data-flag", f.id);
      card.setAttribute("data-rule", f.rule);
      card.setAttribute("data-raised", String(f.raised));
      if (f.product) card.setAttribute("data-product", f.product);
      var head = el("div", "flag-head");
      head.appendChild(el("span", "flag-rule", ruleName(f)));
      if (f.product) head.appendChild(el("span", "flag-product", productName(f.product)));
      if (f.topic) head.appendChild(el("span", "flag-product", meta.topics[f.topic] || f.topic));
      head.appendChild(el("span", "tag flag-" + f.state, t("flag." + f.state)));
      card.appendChild(head);
      var det = flagDetail(f);
      if (det) card.appendChild(el("div", "flag-detail", det));
      card.appendChild(el("div", "flag-time muted small", t("flag.since") + " " + hms(f.raised)));
      if (f.responses && f.responses.length) {
        var rs = el("div", "flag-responses");
        rs.appendChild(el("span", "muted small", t("flag.responses")));
        f.responses.forEach(function (r) {
          if (canChange) {
            // static/js/actions.js handles every .js-flag-respond click: the first tap shows
            // data-will, the second runs the response (an action on the stage and/or a cue to
            // the prompter) and records it against the flag.
            var b = el("button", "response js-flag-respond" + (f.responded === r.key ? " chosen" : ""), responseLabel(r));
            b.setAttribute("data-kind", r.kind || "cue");
            b.setAttribute("data-will", responseWill(r, f));
            b.type = "button";
            b.setAttribute("data-flag", f.id);
            b.setAttribute("data-rule", f.rule);
            b.setAttribute("data-response", r.key);
            b.setAttribute("data-product", f.product || "");
            b.setAttribute("data-text", r.text);
            rs.appendChild(b);
          } else {
            rs.appendChild(el("span", "tag", responseLabel(r)));
          }
        });
        card.appendChild(rs);
      }
      if (canChange && f.state === "raised") {
        var actions = el("div", "flag-actions");
        var ack = el("button", "primary", t("flag.ack"));
        ack.type = "button";
        ack.setAttribute("data-action", "ack");
        ack.addEventListener("click", function () { act(base + "/flags/" + encodeURIComponent(f.id) + "/ack", ack); });
        var snooze = el("button", "ghost", t("flag.snooze"));
        snooze.type = "button";
        snooze.setAttribute("data-action", "snooze");
        snooze.addEventListener("click", function () { act(base + "/flags/" + encodeURIComponent(f.id) + "/snooze", snooze); });
        actions.appendChild(ack);
        actions.appendChild(snooze);
        card.appendChild(actions);
      }
      box.appendChild(card);
    });
  }

  // ---- ads ----
  function renderAds(snap) {
    var a = snap.ads || {};
    var box = $("ads");
    clear(box);
    function row(key, value, title, cls) {
      var dt = el("dt", "", t(key));
      var dd = el("dd", cls || "", value);
      if (title) dd.title = title;
      dd.setAttribute("data-key", key.replace("ads.", ""));
      box.appendChild(dt);
      box.appendChild(dd);
    }
    row("ads.spend", money(a.spend));
    row("ads.gmv", money(a.gmv));
    row("ads.roi", rateValue(a.roi, "ratio"), t("den.roi") + " = " + rateDen(a.roi, "roi"), a.below_target ? "bad" : "");
    row("ads.last5_spend", money(a.last5_spend));
    row("ads.last5_roi", rateValue(a.last5_roi, "ratio"), t("den.roi") + " = " + rateDen(a.last5_roi, "roi"));
    row("ads.target", a.target_roi ? ratio(a.target_roi) + (a.below_target ? " · " + t("ads.below") : "") : t("ads.none"), "", a.below_target ? "bad" : "");
  }

  // ---- questions and comments ----
  var questionsOnly = false;
  var qToggle = $("questions-only");
  if (qToggle) qToggle.addEventListener("change", function () { questionsOnly = qToggle.checked; if (lastSnap) renderComments(lastSnap.snap); });
  function topicLabel(topic, fallback) { return t.has("topic." + topic) ? t("topic." + topic) : (fallback || topic); }
  function renderQuestions(snap) {
    var box = $("questions");
    clear(box);
    (snap.questions || []).forEach(function (q) {
      var li = el("li", q.count ? "" : "muted");
      li.setAttribute("data-topic", q.topic);
      var head = el("div", "topic-head");
      head.appendChild(el("span", "topic-label", topicLabel(q.topic, q.label)));
      var n = el("span", "topic-count", int(q.count) + " / " + int(q.last5));
      n.setAttribute("data-count", String(q.count));
      head.appendChild(n);
      li.appendChild(head);
      if (q.example) li.appendChild(el("div", "topic-example", q.example));
      box.appendChild(li);
    });
  }
  function renderComments(snap) {
    var box = $("comments");
    clear(box);
    var list = (snap.comments || []).filter(function (c) { return !questionsOnly || c.topic; });
    $("comments-empty").hidden = list.length > 0;
    list.slice(0, 40).forEach(function (c) {
      var li = el("li", c.topic ? "question" : "");
      li.appendChild(el("span", "c-time", hm(c.ts)));
      if (c.topic) li.appendChild(el("span", "tag topic", topicLabel(c.topic)));
      li.appendChild(el("span", "c-user", c.user));
      li.appendChild(el("span", "c-text", c.text));
      // The product a question is about: its title, or "on air" for the pinned one.
      if (c.product_title) li.appendChild(el("span", "c-product", "→ " + c.product_title));
      else if (c.product && c.on_pinned) li.appendChild(el("span", "c-product", "→ " + t("cr.on_pinned")));
      box.appendChild(li);
    });
  }

  // Each panel is rebuilt only when its part of the snapshot changed: a button must not be
  // replaced between the operator's mousedown and mouseup (the click would be lost), and an
  // unchanged panel costs nothing.
  var parts = [
    { f: renderSession, key: function (s) { return [s.session, s.pinned, s.server_time]; } },
    { f: renderTiles, key: function (s) { return [s.tiles, s.session_totals]; } },
    { f: renderChart, key: function (s) { return [seriesVersion, s.current]; } },
    { f: renderProducts, key: function (s) { return [s.products, s.window_s]; } },
    { f: renderFlags, key: function (s) { return s.flags; } },
    { f: renderAds, key: function (s) { return s.ads; } },
    { f: renderQuestions, key: function (s) { return s.questions; } },
    { f: renderComments, key: function (s) { return [s.comments, questionsOnly]; } }
  ];
  function render(snap) {
    lastSnap = { snap: snap, receivedAt: Date.now() };
    root.setAttribute("data-server-time", String(snap.server_time || 0));
    renderParts(snap);
  }
  function renderParts(snap) {
    parts.forEach(function (p) {
      var k;
      try { k = JSON.stringify(p.key(snap)); } catch (e) { k = null; }
      if (k !== null && k === p.last) return;
      try { p.f(snap); p.last = k; } catch (e) { console.error("control room render", e); }
    });
  }

  livedesk.on("tick", function (snap) { if (snap && snap.room === room) render(snap); });
  livedesk.on("minutes", function (m) {
    if (!m || m.room !== room) return;
    series = m;
    seriesVersion++;
    try { renderMinutes(); } catch (e) { console.error("control room minutes", e); }
    if (lastSnap) renderParts(lastSnap.snap);
  });
  livedesk.connect();
})();
