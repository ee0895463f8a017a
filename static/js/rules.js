// Settings panel and rules editor (views/rules_panel.templ): the room's window, auto start, quiet
// end and built-in thresholds; its rules as data (add, edit, duplicate, disable, delete, preview
// "would fire now for: …"); the change log. In the control room it edits one room; on
// /live-defaults the shop's defaults. Loads data-get, posts to data-post + "/settings", "/rules",
// "/reset", "/preview" (CSRF through livedesk.post). Every user text goes through textContent.
(function () {
  "use strict";
  var root = document.getElementById("rules");
  if (!root || !window.livedesk) return;
  var getURL = root.getAttribute("data-get"), postURL = root.getAttribute("data-post");
  var defaults = root.getAttribute("data-defaults") === "true";
  var t = livedesk.strings("rules-i18n");
  var meta = livedesk.json("rule-meta") || { metrics: [], names: {}, topics: {}, ops: [] };
  var lang = (document.documentElement.getAttribute("lang") || "zh-CN");
  var $ = livedesk.$, el = livedesk.el;
  var state = null; // {config:{settings,rules,own_settings,own_rules}, changes, meta}
  var editing = -1; // index being edited, rules.length for a new one

  function clear(e) { while (e.firstChild) e.removeChild(e.firstChild); }
  var msgTimer = null;
  function say(text, bad) {
    var m = $("rules-msg");
    m.textContent = text;
    m.classList.toggle("error", !!bad);
    clearTimeout(msgTimer);
    msgTimer = setTimeout(function () { m.textContent = ""; }, bad ? 12000 : 4000);
  }
  function metric(k) {
    for (var i = 0; i < meta.metrics.length; i++) if (meta.metrics[i].key === k) return meta.metrics[i];
    return { key: k, zh: k, en: k };
  }
  function label(m) { return lang === "en" ? m.en : m.zh; }
  function ruleName(r) {
    var n = meta.names[r.id];
    if (n && (r.name === n[0] || r.name === n[1])) return n[lang === "en" ? 1 : 0];
    return r.name;
  }
  function scopeText(s) {
    if (["product", "pinned", "room", "topic"].indexOf(s) >= 0) return t("rules.scope." + s);
    return t("rules.scope.one") + " " + s;
  }
  function num(x) { return Math.round(x) === x ? String(x) : String(Math.round(x * 100) / 100); }
  function condText(c) {
    return label(metric(c.metric)) + (c.topic ? "（" + (meta.topics[c.topic] || c.topic) + "）" : "") + " " + c.op + " " + num(c.value);
  }

  function load() {
    return fetch(getURL, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.json().then(function (d) { if (!r.ok) throw new Error(d.error || ("HTTP " + r.status)); return d; }); })
      .then(apply, function (e) { say(e.message, true); });
  }
  function apply(d) {
    state = d;
    if (d.meta) meta = d.meta;
    renderSettings();
    renderRules();
    renderChanges();
  }
  function post(path, body) {
    return livedesk.post(postURL + path, body).then(function (d) { apply(d); say(t("rules.saved")); return d; },
      function (e) { say(e.message, true); throw e; });
  }

  // ---- settings ----
  var settingFields = [
    { key: "window_s", label: "rules.s.window_s", minutes: true },
    { key: "auto_start", label: "rules.s.auto_start", bool: true },
    { key: "quiet_s", label: "rules.s.quiet_s", minutes: true },
    { key: "no_sale_clicks", label: "rules.s.no_sale_clicks" },
    { key: "online_drop_pct", label: "rules.s.online_drop" },
    { key: "target_roi", label: "rules.s.target_roi", step: "0.1" },
    { key: "low_stock", label: "rules.s.low_stock" }
  ];
  function renderSettings() {
    var f = $("rules-settings");
    clear(f);
    var s = state.config.settings;
    $("rules-settings-own").textContent = state.config.own_settings ? (defaults ? t("rules.shop") : t("rules.own")) : t("rules.inherited");
    settingFields.forEach(function (x) {
      var lab = el("label", "rules-field");
      var inp = el("input");
      inp.name = x.key;
      inp.id = "setting-" + x.key;
      if (x.bool) { inp.type = "checkbox"; inp.checked = !!s[x.key]; lab.className += " check"; lab.appendChild(inp); lab.appendChild(el("span", "", t(x.label))); }
      else {
        inp.type = "number";
        inp.step = x.step || "1";
        inp.value = x.minutes ? num(s[x.key] / 60) : String(s[x.key]);
        if (x.minutes) inp.step = "any";
        lab.appendChild(el("span", "", t(x.label)));
        lab.appendChild(inp);
      }
      f.appendChild(lab);
    });
    var save = el("button", "primary", t("rules.save"));
    save.type = "submit";
    save.id = "settings-save";
    f.appendChild(save);
  }
  $("rules-settings").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var body = {};
    settingFields.forEach(function (x) {
      var inp = $("setting-" + x.key);
      if (x.bool) body[x.key] = inp.checked;
      else if (x.minutes) body[x.key] = Math.round(parseFloat(inp.value) * 60);
      else if (x.step) body[x.key] = parseFloat(inp.value);
      else body[x.key] = parseInt(inp.value, 10);
    });
    post("/settings", body).catch(function () {});
  });

  // ---- rules list ----
  function renderRules() {
    var box = $("rules-list");
    clear(box);
    var c = state.config;
    $("rules-own").textContent = c.own_rules ? (defaults ? t("rules.shop") : t("rules.own")) : t("rules.inherited");
    $("rules-reset").textContent = defaults ? t("rules.reset.defaults") : t("rules.reset");
    $("rules-reset").hidden = !c.own_rules;
    c.rules.forEach(function (r, i) {
      var row = el("div", "rule-row" + (r.enabled ? "" : " off"));
      row.setAttribute("data-rule", r.id);
      var head = el("div", "rule-head");
      head.appendChild(el("span", "rule-name strong", ruleName(r)));
      if (!r.enabled) head.appendChild(el("span", "tag", t("rules.disabled")));
      row.appendChild(head);
      row.appendChild(el("div", "muted small", scopeText(r.scope) + " · " + num(r.window_s / 60) + " min · " +
        r.when.map(condText).join(lang === "en" ? " and " : " 且 ")));
      var acts = el("div", "rule-acts");
      [["edit", function () { openEditor(i); }],
       ["duplicate", function () { duplicate(i); }],
       [r.enabled ? "disable" : "enable", function () { toggle(i); }],
       ["delete", function () { remove(i); }]].forEach(function (a) {
        var b = el("button", "ghost small rule-" + a[0], t("rules." + a[0]));
        b.type = "button";
        b.addEventListener("click", a[1]);
        acts.appendChild(b);
      });
      row.appendChild(acts);
      box.appendChild(row);
    });
  }
  function copyRules() { return JSON.parse(JSON.stringify(state.config.rules)); }
  function saveRules(rules) { return post("/rules", { rules: rules }); }
  function duplicate(i) {
    var rs = copyRules();
    var r = JSON.parse(JSON.stringify(rs[i]));
    r.id = "";
    r.name = (ruleName(rs[i]) + " " + t("rules.copy")).slice(0, 40);
    rs.splice(i + 1, 0, r);
    saveRules(rs).catch(function () {});
  }
  function toggle(i) {
    var rs = copyRules();
    rs[i].enabled = !rs[i].enabled;
    saveRules(rs).catch(function () {});
  }
  function remove(i) {
    var rs = copyRules();
    rs.splice(i, 1);
    saveRules(rs).catch(function () {});
  }
  $("rules-add").addEventListener("click", function () { openEditor(state.config.rules.length); });
  $("rules-reset").addEventListener("click", function () { post("/reset", {}).catch(function () {}); });

  // ---- editor ----
  function option(sel, value, text, selected) {
    var o = el("option", "", text);
    o.value = value;
    if (selected) o.selected = true;
    sel.appendChild(o);
  }
  function field(parent, key, input) {
    var lab = el("label", "rules-field");
    lab.appendChild(el("span", "", t(key)));
    lab.appendChild(input);
    parent.appendChild(lab);
    return input;
  }
  function input(type, value, id, cls) {
    var i = el("input", cls || "");
    i.type = type;
    if (type === "number") i.step = "any";
    i.value = value === undefined || value === null ? "" : String(value);
    if (id) i.id = id;
    return i;
  }
  function condRow(c) {
    var row = el("div", "rule-cond");
    var m = el("select", "cond-metric");
    meta.metrics.forEach(function (x) { option(m, x.key, label(x), x.key === c.metric); });
    var op = el("select", "cond-op");
    (meta.ops || [">", ">=", "<", "<=", "=", "!="]).forEach(function (o) { option(op, o, o, o === c.op); });
    var v = input("number", c.value, "", "cond-value");
    var topic = el("select", "cond-topic");
    option(topic, "", t("rules.cond.topic.any"), !c.topic);
    Object.keys(meta.topics).forEach(function (k) { option(topic, k, meta.topics[k], k === c.topic); });
    function showTopic() { topic.hidden = !metric(m.value).topic; }
    m.addEventListener("change", showTopic);
    showTopic();
    var rm = el("button", "ghost small", t("rules.remove"));
    rm.type = "button";
    rm.addEventListener("click", function () { row.remove(); });
    [m, op, v, topic, rm].forEach(function (x) { row.appendChild(x); });
    return row;
  }
  var respFields = {
    cue: ["text"], pin_next: ["text"], pin: ["product", "text"],
    flash_sale: ["product", "price", "qty", "duration"], coupon: ["discount", "threshold", "qty"]
  };
  function respRow(r) {
    var row = el("div", "rule-resp");
    row.setAttribute("data-key", r.key || "");
    var kind = el("select", "resp-kind");
    ["cue", "pin_next", "pin", "flash_sale", "coupon"].forEach(function (k) { option(kind, k, t("rules.resp." + k), k === (r.kind || "cue")); });
    row.appendChild(kind);
    var inputs = {
      text: field(row, "rules.resp.text", input("text", r.text, "", "resp-text")),
      product: field(row, "rules.resp.product", input("text", r.product, "", "resp-product")),
      price: field(row, "rules.resp.price", input("number", r.price_fen ? r.price_fen / 100 : "", "", "resp-price")),
      qty: field(row, "rules.resp.qty", input("number", r.qty || "", "", "resp-qty")),
      duration: field(row, "rules.resp.duration", input("number", r.duration_s || "", "", "resp-duration")),
      discount: field(row, "rules.resp.discount", input("number", r.discount_fen ? r.discount_fen / 100 : "", "", "resp-discount")),
      threshold: field(row, "rules.resp.threshold", input("number", r.threshold_fen ? r.threshold_fen / 100 : "", "", "resp-threshold"))
    };
    function show() {
      var want = respFields[kind.value];
      for (var k in inputs) inputs[k].parentNode.hidden = want.indexOf(k) < 0;
    }
    kind.addEventListener("change", show);
    show();
    var rm = el("button", "ghost small", t("rules.remove"));
    rm.type = "button";
    rm.addEventListener("click", function () { row.remove(); });
    row.appendChild(rm);
    return row;
  }
  function openEditor(i) {
    editing = i;
    var r = i < state.config.rules.length ? state.config.rules[i] :
      { id: "", name: "", scope: "product", window_s: 300, when: [{ metric: "clicks", op: ">", value: 20 }], cooldown_s: 0, enabled: true, responses: [] };
    var ed = $("rule-editor");
    clear(ed);
    ed.hidden = false;
    var f = el("form", "rule-form");
    f.id = "rule-form";
    field(f, "rules.name", input("text", ruleName(r), "rule-name"));
    var scope = el("select");
    scope.id = "rule-scope";
    var known = ["product", "pinned", "room", "topic"];
    known.forEach(function (s) { option(scope, s, t("rules.scope." + s), s === r.scope); });
    option(scope, "one", t("rules.scope.one"), known.indexOf(r.scope) < 0);
    field(f, "rules.scope", scope);
    var one = field(f, "rules.scope.one.id", input("text", known.indexOf(r.scope) < 0 ? r.scope : "", "rule-scope-product"));
    function showOne() { one.parentNode.hidden = scope.value !== "one"; }
    scope.addEventListener("change", showOne);
    showOne();
    field(f, "rules.window", input("number", num(r.window_s / 60), "rule-window"));
    field(f, "rules.cooldown", input("number", num((r.cooldown_s || 0) / 60), "rule-cooldown"));
    f.appendChild(el("h4", "", t("rules.when")));
    var conds = el("div", "rule-conds");
    conds.id = "rule-conds";
    r.when.forEach(function (c) { conds.appendChild(condRow(c)); });
    f.appendChild(conds);
    var addC = el("button", "ghost small", t("rules.cond.add"));
    addC.type = "button";
    addC.id = "rule-add-cond";
    addC.addEventListener("click", function () { conds.appendChild(condRow({ metric: "paid_orders", op: "=", value: 0 })); });
    f.appendChild(addC);
    f.appendChild(el("h4", "", t("rules.responses")));
    var resps = el("div", "rule-resps");
    resps.id = "rule-resps";
    (r.responses || []).forEach(function (x) { resps.appendChild(respRow(x)); });
    f.appendChild(resps);
    var addR = el("button", "ghost small", t("rules.resp.add"));
    addR.type = "button";
    addR.id = "rule-add-resp";
    addR.addEventListener("click", function () { resps.appendChild(respRow({ kind: "cue" })); });
    f.appendChild(addR);
    var notify = input("checkbox", "", "rule-notify");
    notify.checked = !!r.notify;
    var enabled = input("checkbox", "", "rule-enabled");
    enabled.checked = r.enabled !== false;
    field(f, "rules.notify", notify);
    field(f, "rules.enabled", enabled);
    var out = el("p", "small rule-preview-out");
    out.id = "rule-preview-out";
    var bar = el("div", "act-row");
    var save = el("button", "primary", t("rules.save"));
    save.type = "submit";
    save.id = "rule-save";
    bar.appendChild(save);
    if (!defaults) {
      var pv = el("button", "ghost", t("rules.preview"));
      pv.type = "button";
      pv.id = "rule-preview";
      pv.addEventListener("click", function () { preview(out); });
      bar.appendChild(pv);
    }
    var cancel = el("button", "ghost", t("rules.cancel"));
    cancel.type = "button";
    cancel.addEventListener("click", function () { ed.hidden = true; editing = -1; });
    bar.appendChild(cancel);
    f.appendChild(bar);
    f.appendChild(out);
    f.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var rs = copyRules();
      var nr = readEditor(r);
      if (editing < rs.length) rs[editing] = nr; else rs.push(nr);
      saveRules(rs).then(function () { ed.hidden = true; editing = -1; }, function () {});
    });
    ed.appendChild(f);
    $("rule-name").focus();
  }
  function fen(v) { var x = parseFloat(v); return isFinite(x) ? Math.round(x * 100) : 0; }
  function readEditor(orig) {
    var scope = $("rule-scope").value === "one" ? $("rule-scope-product").value.trim() : $("rule-scope").value;
    var r = {
      id: orig.id || "", name: $("rule-name").value.trim(), scope: scope,
      window_s: Math.round(parseFloat($("rule-window").value) * 60) || 0,
      cooldown_s: Math.round(parseFloat($("rule-cooldown").value || "0") * 60) || 0,
      enabled: $("rule-enabled").checked, notify: $("rule-notify").checked, when: [], responses: []
    };
    // A default rule keeps its id, and its name stays translatable when left as shown.
    var n = meta.names[r.id];
    if (n && (r.name === n[0] || r.name === n[1])) r.name = n[0];
    Array.prototype.forEach.call(document.querySelectorAll("#rule-conds .rule-cond"), function (row) {
      var c = { metric: row.querySelector(".cond-metric").value, op: row.querySelector(".cond-op").value,
        value: parseFloat(row.querySelector(".cond-value").value) };
      var tp = row.querySelector(".cond-topic");
      if (!tp.hidden && tp.value) c.topic = tp.value;
      r.when.push(c);
    });
    Array.prototype.forEach.call(document.querySelectorAll("#rule-resps .rule-resp"), function (row) {
      var kind = row.querySelector(".resp-kind").value;
      var x = { key: row.getAttribute("data-key") || "", kind: kind };
      var want = respFields[kind];
      function v(cls) { return row.querySelector(".resp-" + cls).value.trim(); }
      if (want.indexOf("text") >= 0) x.text = v("text");
      if (want.indexOf("product") >= 0) x.product = v("product");
      if (kind === "flash_sale") { x.price_fen = fen(v("price")); x.qty = parseInt(v("qty"), 10) || 0; x.duration_s = parseInt(v("duration"), 10) || 0; }
      if (kind === "coupon") { x.discount_fen = fen(v("discount")); x.threshold_fen = fen(v("threshold")); x.qty = parseInt(v("qty"), 10) || 0; }
      r.responses.push(x);
    });
    return r;
  }
  function preview(out) {
    var r = readEditor(editing < state.config.rules.length ? state.config.rules[editing] : {});
    out.textContent = "…";
    livedesk.post(postURL + "/preview", r).then(function (d) {
      var hits = d.hits || [];
      if (!hits.length) { out.textContent = t("rules.preview.none"); return; }
      out.textContent = t("rules.preview.hits") + hits.map(function (h) {
        var who = h.product || (h.topic ? (meta.topics[h.topic] || h.topic) : t("rules.scope.room"));
        return who + "（" + h.when.map(function (c) { return label(metric(c.metric)) + " " + num(c.actual); }).join("，") + "）";
      }).join("；");
    }, function (e) { out.textContent = e.message; });
  }

  // ---- change log: who, when, before → after ----
  var timeFmt = new Intl.DateTimeFormat(lang === "en" ? "en-GB" : "zh-CN", { month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });
  function diff(c) {
    var before = c.before ? JSON.parse(c.before) : null, after = c.after ? JSON.parse(c.after) : null;
    if (c.kind === "settings") {
      var parts = [];
      var b = before || {}, a = after || {};
      Object.keys(a).forEach(function (k) {
        if (JSON.stringify(b[k]) !== JSON.stringify(a[k])) parts.push(k + " " + (b[k] === undefined ? "—" : JSON.stringify(b[k])) + " → " + JSON.stringify(a[k]));
      });
      return parts.join("；");
    }
    if (!after) return t("rules.reverted");
    var byId = {};
    (before || []).forEach(function (r) { byId[r.id] = r; });
    var out = [];
    after.forEach(function (r) {
      var o = byId[r.id];
      delete byId[r.id];
      if (!o) { out.push(t("rules.added") + " " + ruleName(r)); return; }
      var ch = [];
      ["name", "scope", "window_s", "cooldown_s", "enabled", "notify"].forEach(function (k) {
        if (JSON.stringify(o[k]) !== JSON.stringify(r[k])) ch.push(k + " " + JSON.stringify(o[k]) + " → " + JSON.stringify(r[k]));
      });
      var ow = (o.when || []).map(condText).join(", "), nw = (r.when || []).map(condText).join(", ");
      if (ow !== nw) ch.push(ow + " → " + nw);
      if (JSON.stringify(o.responses) !== JSON.stringify(r.responses)) ch.push(t("rules.responses"));
      if (ch.length) out.push(t("rules.changed") + " " + ruleName(r) + "：" + ch.join("，"));
    });
    Object.keys(byId).forEach(function (id) { out.push(t("rules.removed") + " " + ruleName(byId[id])); });
    return out.join("；");
  }
  function renderChanges() {
    var box = $("rules-changes");
    clear(box);
    var cs = state.changes || [];
    if (!cs.length) { box.appendChild(el("li", "muted", t("rules.changes.none"))); return; }
    cs.forEach(function (c) {
      var li = el("li");
      li.appendChild(el("span", "muted", timeFmt.format(new Date(c.at)) + " · " + (c.actor || "—") + " · " + t("rules.kind." + c.kind) + " "));
      li.appendChild(el("span", "", diff(c)));
      box.appendChild(li);
    });
  }

  load();
})();
