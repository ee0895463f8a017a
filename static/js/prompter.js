// livedesk prompter (views/prompter_page.templ): the anchor's screen, read from 2–3 m.
//
// Starts from the stage the server rendered (#stage-init), then follows the room socket:
// "stage" (pinned product, flash sale, coupon, latest cue) and "tick" (server clock, the pinned
// product's 5-minute clicks and orders, buyer question topics). A new cue takes over the top of
// the screen until the anchor taps "收到/got it" (POST /rooms/<room>/prompter/ack). Mirror and
// font size are remembered per device in localStorage. live.js reconnects on its own.
// Every text is set with textContent: product text and cues are user text.
(function () {
  "use strict";
  var root = document.getElementById("prompter");
  if (!root || !window.livedesk) return;
  var room = root.getAttribute("data-room");
  var canAck = root.getAttribute("data-can-ack") === "true" || root.getAttribute("data-can-ack") === "1";
  var $ = livedesk.$, el = livedesk.el;
  var t = livedesk.strings("prompter-i18n");
  var now = livedesk.now; // server clock (offset from the ticks)
  function mmss(ms) { return livedesk.mmss(ms, true); } // h:mm:ss from one hour on

  var stage = null;
  var tickData = null;

  // Device settings: mirror and font scale, per device.
  var KEY_MIRROR = "ld:prompter:mirror", KEY_SCALE = "ld:prompter:scale";
  function store(k, v) { try { localStorage.setItem(k, v); } catch (e) { /* private mode */ } }
  function load(k) { try { return localStorage.getItem(k); } catch (e) { return null; } }
  var scale = parseFloat(load(KEY_SCALE)) || 1;
  function applySettings() {
    document.body.classList.toggle("mirrored", load(KEY_MIRROR) === "1");
    document.documentElement.style.setProperty("--scale", String(scale));
  }
  $("mirror").addEventListener("click", function () {
    store(KEY_MIRROR, load(KEY_MIRROR) === "1" ? "0" : "1");
    applySettings();
  });
  $("smaller").addEventListener("click", function () {
    scale = Math.max(0.6, Math.round((scale - 0.1) * 10) / 10);
    store(KEY_SCALE, String(scale));
    applySettings();
  });
  $("bigger").addEventListener("click", function () {
    scale = Math.min(1.8, Math.round((scale + 0.1) * 10) / 10);
    store(KEY_SCALE, String(scale));
    applySettings();
  });
  applySettings();

  function renderProduct() {
    var p = stage && stage.product;
    $("product-none").hidden = !!p;
    $("product-body").hidden = !p;
    $("on-product").hidden = !p;
    $("p-stock-box").hidden = !p;
    if (!p) return;
    $("p-title").textContent = p.title;
    $("p-price").textContent = p.price_text;
    $("p-list-price").textContent = p.list_price_text || "";
    $("p-list-price").hidden = !p.list_price_text;
    $("p-stock").textContent = String(p.stock);
    var low = p.stock < 10;
    $("p-low").hidden = !low;
    $("p-low").textContent = p.stock <= 0 ? t("prompter.soldout") : t("prompter.low");
    $("p-stock-box").classList.toggle("low", low);
    var ol = $("p-points");
    ol.textContent = "";
    (p.points || []).forEach(function (s) { ol.appendChild(el("li", "", s)); });
    renderProductStats();
  }

  function renderCue() {
    var c = stage && stage.cue;
    var box = $("cue");
    if (!c) { box.hidden = true; return; }
    box.hidden = false;
    $("cue-text").textContent = c.text;
    box.setAttribute("data-cue", c.id);
    box.classList.toggle("acked", !!c.acked);
    box.classList.toggle("fresh", !c.acked);
    var ack = $("cue-ack");
    if (ack) { ack.hidden = !!c.acked; ack.disabled = false; }
    $("cue-acked").hidden = !c.acked;
  }

  function renderCoupon() {
    var c = stage && stage.coupon;
    // A coupon stays on screen for 10 minutes after it was dropped.
    var show = !!(c && now() - c.at < 10 * 60 * 1000);
    $("coupon").hidden = !show;
    if (show) $("coupon-text").textContent = c.text + " · " + c.qty;
  }

  function renderFlash() {
    var fs = stage && stage.flash_sale;
    var box = $("flash");
    var n = now();
    // Show a running sale, and "ended" for 30 s after it ends.
    if (!fs || n > fs.ends + 30000) { box.hidden = true; return; }
    box.hidden = false;
    var left = fs.ends - n;
    box.classList.toggle("ended", left <= 0);
    box.classList.toggle("last", left > 0 && left <= 10000);
    // The title only when the sale is not for the product on screen.
    var pinned = stage.product ? stage.product.id : "";
    $("flash-title").textContent = fs.product === pinned ? "" : fs.title;
    $("flash-price").textContent = fs.price_text;
    $("flash-qty").textContent = t("prompter.flash.qty") + " " + fs.qty;
    $("flash-clock").textContent = left > 0 ? mmss(left) : t("prompter.flash.end");
  }

  function renderProductStats() {
    var p = stage && stage.product;
    if (!p) return;
    var w = null;
    var list = (tickData && tickData.products) || [];
    for (var i = 0; i < list.length; i++) if (list[i].product === p.id) w = list[i];
    $("p-clicks").textContent = w ? String(w.clicks) : "0";
    $("p-orders").textContent = w ? String(w.orders) : "0";
  }

  // The top three UNANSWERED question topics. A topic never answered counts its questions of the
  // last 5 minutes (the tick's last5). A topic the anchor marked answered at T
  // (stage.answered[topic]) counts only its questions after T: when T is older than the window,
  // every question of the window (last5); else those of the tick's recent comments (the latest
  // 50) after T — exact unless more than 50 comments came since T, then a lower bound, so an
  // answered topic never comes back without a new question. The example is the latest question
  // after T.
  function unanswered(q) {
    var at = (stage && stage.answered && stage.answered[q.topic]) || 0;
    if (!at) return { n: q.last5, example: q.example, product: q.product, title: q.product_title };
    var cs = (tickData && tickData.comments) || [];
    var n = 0, example = "", product = "", title = "";
    for (var i = 0; i < cs.length; i++) {
      if (cs[i].ts <= at || cs[i].topic !== q.topic) continue;
      n++;
      if (!example) { example = cs[i].text; product = cs[i].product; title = cs[i].product_title; } // newest first
    }
    var windowStart = ((tickData && tickData.server_time) || now()) - ((tickData && tickData.window_s) || 300) * 1000;
    if (at < windowStart) n = q.last5;
    if (n > 0 && !example) { example = q.example; product = q.product; title = q.product_title; }
    return { n: n, example: example, product: product, title: title };
  }

  // A topic the prompter shows: "other" (a question of no known topic) tells the anchor nothing
  // to answer, so only the control room lists it (livedesk.PrompterTopic; the server refuses to
  // mark it answered).
  function shownTopic(topic) { return topic !== "other"; }

  function pinnedProduct() { return (stage && stage.product) ? stage.product.id : ""; }

  function topicLabel(q) { return t.has("prompter.topic." + q.topic) ? t("prompter.topic." + q.topic) : q.label; }

  function renderQuestions() {
    var qs = ((tickData && tickData.questions) || []).filter(function (q) { return shownTopic(q.topic); }).map(function (q) {
      var u = unanswered(q);
      return { topic: q.topic, label: topicLabel(q), n: u.n, count: q.count, example: u.example, product: u.product, title: u.title };
    }).filter(function (q) { return q.n > 0; });
    qs.sort(function (a, b) { return b.n - a.n || b.count - a.count; });
    qs = qs.slice(0, 3);
    var ol = $("q-list");
    ol.textContent = "";
    qs.forEach(function (q) {
      var li = el("li");
      li.setAttribute("data-topic", q.topic);
      li.appendChild(el("span", "q-label", q.label));
      li.appendChild(el("span", "q-count", "×" + q.n));
      if (q.example) li.appendChild(el("span", "q-example", "“" + q.example + "”"));
      // The product the question names, when it is not the one on air (livedesk.ProductRef).
      if (q.product && q.title && q.product !== pinnedProduct()) {
        var qp = el("span", "q-product", "→ " + q.title);
        qp.setAttribute("data-product", q.product);
        li.appendChild(qp);
      }
      if (canAck) {
        var b = el("button", "q-answered", t("prompter.answered"));
        b.type = "button";
        b.addEventListener("click", function () { answer(q.topic, b); });
        li.appendChild(b);
      }
      ol.appendChild(li);
    });
    $("q-none").hidden = qs.length > 0;
  }

  function answer(topic, btn) {
    btn.disabled = true;
    livedesk.post("/rooms/" + encodeURIComponent(room) + "/prompter/answered", { topic: topic })
      .then(function (r) { if (r && r.stage) applyStage(r.stage); })
      .catch(function () { btn.disabled = false; btn.textContent = t("prompter.fail"); });
  }

  function clocks() {
    var n = now();
    if (stage && stage.product && stage.pinned_at) $("on-time").textContent = mmss(n - stage.pinned_at);
    renderFlash();
    renderCoupon();
    $("clock").textContent = livedesk.clock(n); // the shop's zone, not the device's
  }

  function applyStage(st) {
    if (!st) return;
    if (stage && st.updated && stage.updated && st.updated < stage.updated) return;
    stage = st;
    renderProduct();
    renderCue();
    renderQuestions();
    clocks();
  }

  var ackBtn = $("cue-ack");
  if (ackBtn && canAck) {
    ackBtn.addEventListener("click", function () {
      var id = $("cue").getAttribute("data-cue");
      if (!id) return;
      ackBtn.disabled = true;
      livedesk.post("/rooms/" + encodeURIComponent(room) + "/prompter/ack", { cue: id })
        .then(function (r) { if (r && r.stage) applyStage(r.stage); })
        .catch(function () { ackBtn.disabled = false; $("cue-acked").hidden = true; ackBtn.textContent = t("prompter.fail"); });
    });
  }

  livedesk.on("stage", function (d) { applyStage(d); });
  livedesk.on("tick", function (d) {
    if (!d) return;
    tickData = d;
    renderProductStats();
    renderQuestions();
  });
  applyStage(livedesk.json("stage-init"));
  renderQuestions();
  setInterval(clocks, 250);
  livedesk.connect();
})();
