// livedesk operator actions panel (views/control_actions.templ) inside the control room.
//
// Loads /rooms/<room>/actions/state (products, one-tap cues, stage), then follows "stage"
// messages: the pinned product and how long it has been on, the flash-sale countdown, and whether
// the anchor acknowledged the latest cue. Buttons POST to /rooms/<room>/actions/* with the CSRF
// header (livedesk.post). Any element with class js-flag-respond (data-flag, data-rule,
// data-response, data-product, data-text, data-will) answers that flag: one tap shows what will
// happen, a second runs it.
// A cue (free text, one-tap preset or flag response) with banned advertising words comes back as
// 409 {"code":"banned_words","words":[...]}: the warning box #act-cue-warn names the words and
// offers "send anyway" (the same request again with "confirm": true) or "edit" (the text goes
// into the cue input, nothing is sent).
// User text (titles, cues) is only ever set with textContent.
(function () {
  "use strict";
  var root = document.getElementById("actions");
  if (!root || !window.livedesk) return;
  var room = root.getAttribute("data-room");
  var base = "/rooms/" + encodeURIComponent(room);
  var t = livedesk.strings("actions-i18n");
  var $ = livedesk.$, el = livedesk.el;
  var now = livedesk.now, mmss = livedesk.mmss; // server clock; m:ss past the hour too

  var products = [];
  var stage = null;

  var msgTimer = null;
  function say(text, bad) {
    var m = $("act-msg");
    m.textContent = text;
    m.classList.toggle("error", !!bad);
    clearTimeout(msgTimer);
    msgTimer = setTimeout(function () { m.textContent = ""; }, bad ? 8000 : 3000);
  }

  function post(path, body, btn) {
    if (btn) btn.disabled = true;
    return livedesk.post(base + path, body).then(function (r) {
      if (r && r.stage) applyStage(r.stage);
      say(t("actions.sent"));
      return r;
    }, function (e) {
      say(e.message, true);
    }).then(function (r) {
      if (btn) btn.disabled = false;
      return r;
    });
  }

  // postCue posts a cue-like action (path, body); a 409 for banned words opens the warning box
  // instead of failing. Resolves to the answer once sent, or undefined when held or failed.
  function postCue(path, body, btn) {
    if (btn) btn.disabled = true;
    hideWarn();
    return fetch(base + path, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRF-Token": livedesk.csrf() },
      body: JSON.stringify(body)
    }).then(function (r) {
      return r.text().then(function (txt) {
        var data = {};
        try { data = txt ? JSON.parse(txt) : {}; } catch (e) { data = {}; }
        if (r.status === 409 && data.code === "banned_words") {
          showWarn(path, body, data.words || []);
          return undefined;
        }
        if (!r.ok) throw new Error(data.error || ("HTTP " + r.status));
        if (data.stage) applyStage(data.stage);
        say(t(body.flag ? "actions.respond.sent" : "actions.sent"));
        return data;
      });
    }).then(null, function (e) { say(e.message, true); }).then(function (r) {
      if (btn) btn.disabled = false;
      return r;
    });
  }

  var held = null; // the cue the warning box holds: {path, body}
  function showWarn(path, body, words) {
    held = { path: path, body: body };
    var box = $("act-cue-warn");
    var list = $("act-cue-warn-words");
    list.textContent = "";
    words.forEach(function (w) { list.appendChild(el("mark", "banned-word", w)); });
    $("act-cue-warn-text").textContent = body.text || "";
    box.hidden = false;
    $("act-cue-warn-edit").focus();
  }
  function hideWarn() {
    held = null;
    $("act-cue-warn").hidden = true;
  }
  $("act-cue-warn-send").addEventListener("click", function () {
    if (!held) return;
    var h = held, body = {};
    Object.keys(h.body).forEach(function (k) { body[k] = h.body[k]; });
    body.confirm = true;
    postCue(h.path, body, $("act-cue-warn-send")).then(function (r) {
      if (r && h.path === "/actions/cue" && !h.body.flag && $("act-cue-input").value.trim() === h.body.text) $("act-cue-input").value = "";
    });
  });
  $("act-cue-warn-edit").addEventListener("click", function () {
    if (!held) return;
    var inp = $("act-cue-input");
    inp.value = held.body.text || "";
    hideWarn();
    inp.focus();
  });

  // Products: a filterable list, one tap pins.
  function renderProducts() {
    var q = ($("act-search").value || "").trim().toLowerCase();
    var list = $("act-products");
    list.textContent = "";
    var pinned = stage && stage.product ? stage.product.id : "";
    var shown = 0;
    products.forEach(function (p) {
      if (q && p.id.toLowerCase().indexOf(q) < 0 && p.title.toLowerCase().indexOf(q) < 0) return;
      if (shown >= 50) return;
      shown++;
      var li = el("li", p.id === pinned ? "pinned" : "");
      li.setAttribute("data-product", p.id);
      var name = el("span", "act-p-title", p.title);
      name.title = p.id;
      li.appendChild(name);
      li.appendChild(el("span", "act-p-price", p.price_text));
      var st = el("span", "act-p-stock" + (p.stock < 10 ? " low" : ""), p.stock);
      li.appendChild(st);
      var b = el("button", "primary small act-pin", t("actions.pin"));
      b.type = "button";
      b.disabled = p.id === pinned;
      b.addEventListener("click", function () { post("/actions/pin", { product: p.id }, b); });
      li.appendChild(b);
      list.appendChild(li);
    });
    var sel = $("act-flash-product");
    var keep = sel.value;
    sel.textContent = "";
    products.forEach(function (p) {
      var o = el("option", "", p.title + " · " + p.price_text);
      o.value = p.id;
      sel.appendChild(o);
    });
    sel.value = keep || pinned || (products[0] ? products[0].id : "");
  }

  function renderPresets(cues) {
    var box = $("act-presets");
    box.textContent = "";
    (cues || []).forEach(function (c) {
      var b = el("button", "preset", c);
      b.type = "button";
      b.addEventListener("click", function () { postCue("/actions/cue", { text: c }, b); });
      box.appendChild(b);
    });
  }

  function applyStage(st) {
    if (!st) return;
    if (stage && st.updated && stage.updated && st.updated < stage.updated) return; // older answer
    var pinnedBefore = stage && stage.product ? stage.product.id : "";
    stage = st;
    var p = st.product;
    $("act-pinned-title").textContent = p ? p.title + " · " + p.price_text : t("actions.none");
    $("act-unpin").disabled = !p;
    var nowPinned = p ? p.id : "";
    if (nowPinned !== pinnedBefore) renderProducts();
    if (p) {
      for (var i = 0; i < products.length; i++) {
        if (products[i].id === p.id) products[i].stock = p.stock;
      }
    }
    var cs = $("act-cue-status");
    if (st.cue) {
      cs.hidden = false;
      $("act-cue-text").textContent = st.cue.text;
      cs.classList.toggle("acked", !!st.cue.acked);
    } else {
      cs.hidden = true;
    }
    tick();
  }

  // tick refreshes the clocks: time on product, flash-sale countdown, cue waiting time.
  function tick() {
    if (!stage) return;
    var n = now();
    $("act-pinned-time").textContent = stage.product && stage.pinned_at ? mmss(n - stage.pinned_at) : "";
    var fl = $("act-flash-live");
    var fs = stage.flash_sale;
    if (fs && fs.ends > n) {
      fl.textContent = fs.price_text + " · " + mmss(fs.ends - n) + " " + t("actions.flash.left");
      fl.title = fs.title;
      fl.className = "act-flash-live on";
    } else {
      fl.textContent = "";
      fl.className = "act-flash-live";
    }
    var c = stage.cue;
    if (c) {
      var s = $("act-cue-state");
      if (c.acked) {
        s.textContent = "✓ " + t("actions.cue.acked") + (c.acked_by ? " (" + c.acked_by + ")" : "") + " · " +
          t("actions.cue.after") + " " + Math.max(0, Math.round((c.acked_at - c.at) / 1000)) + t("actions.seconds");
      } else {
        s.textContent = t("actions.cue.waiting") + " · " + Math.max(0, Math.round((n - c.at) / 1000)) + t("actions.seconds");
      }
    }
  }

  $("act-search").addEventListener("input", renderProducts);
  $("act-unpin").addEventListener("click", function () { post("/actions/unpin", {}, $("act-unpin")); });
  $("act-cue-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var inp = $("act-cue-input");
    var text = inp.value.trim();
    if (!text) return;
    postCue("/actions/cue", { text: text }).then(function (r) { if (r) inp.value = ""; });
  });
  $("act-flash-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    post("/actions/flash", {
      product: $("act-flash-product").value,
      price: $("act-flash-price").value.trim(),
      qty: parseInt($("act-flash-qty").value, 10) || 0,
      seconds: Math.round((parseFloat($("act-flash-min").value) || 0) * 60)
    });
  });
  $("act-coupon-form").addEventListener("submit", function (ev) {
    ev.preventDefault();
    post("/actions/coupon", {
      name: $("act-coupon-name").value.trim(),
      threshold: $("act-coupon-min").value.trim(),
      discount: $("act-coupon-off").value.trim(),
      qty: parseInt($("act-coupon-qty").value, 10) || 0
    });
  });
  // Flag responses rendered anywhere on the page: the first tap shows what will happen
  // (data-will) and arms the button for 6 s; the second runs it (the server takes the response
  // from the flag: an action on the stage, then the cue) and records it against the flag.
  var armed = null, armedAt = 0;
  var rt = livedesk.strings("rules-i18n");
  document.addEventListener("click", function (ev) {
    var b = ev.target.closest ? ev.target.closest(".js-flag-respond") : null;
    if (!b) return;
    var flag = b.getAttribute("data-flag");
    var id = flag + "\x1f" + b.getAttribute("data-response");
    if (armed !== id || Date.now() - armedAt > 6000) {
      armed = id;
      armedAt = Date.now();
      say(rt("rules.will") + (b.getAttribute("data-will") || b.getAttribute("data-text") || b.textContent) + " — " + rt("rules.confirm"));
      return;
    }
    armed = null;
    postCue("/flags/" + encodeURIComponent(flag) + "/respond", {
      response: b.getAttribute("data-response") || "",
      text: b.getAttribute("data-text") || b.textContent,
      product: b.getAttribute("data-product") || "",
      rule: b.getAttribute("data-rule") || "",
      flag: flag
    });
  });

  livedesk.on("stage", function (d) { applyStage(d); });
  setInterval(tick, 500);

  fetch(base + "/actions/state", { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (r) { if (!r.ok) throw new Error("HTTP " + r.status); return r.json(); })
    .then(function (d) {
      products = d.products || [];
      renderPresets(d.cues);
      renderProducts();
      applyStage(d.stage);
    })
    .catch(function (e) { say(e.message, true); });
  livedesk.connect();
})();
