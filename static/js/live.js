// livedesk page runtime: the live socket, message dispatch by kind, CSRF-carrying fetch.
//
//   livedesk.on(kind, fn)        fn(data, msg) for every message of kind ("tick", "stage", "notify" …);
//                                msg is the whole envelope {kind, seq, room, data}.
//   livedesk.onStatus(fn)        fn(true|false) when the socket connects or drops.
//   livedesk.connect(url)        open the socket (default: /rooms/<room>/ws from <meta name=
//                                livedesk-room>, else /ws); pages with handlers call it once.
//   livedesk.post(url, body)     fetch POST with the CSRF header; body is JSON-encoded; resolves
//                                to the decoded JSON answer or rejects with an Error(message).
//   livedesk.lang, livedesk.room from the page's meta tags.
//
// Page helpers (live.js loads in <head> of every page, before the deferred page scripts):
//   livedesk.strings(id)         parses the JSON i18n block #id once and returns t(key, vars): the
//                                string (key itself when missing), {name} replaced from vars;
//                                t.has(key) says whether the block has a non-empty string for key.
//   livedesk.json(id)            the parsed JSON script #id, or null when missing or invalid.
//   livedesk.$(id)               document.getElementById.
//   livedesk.el(tag, cls, text)  a new element; text goes in with textContent only.
//   livedesk.now()               the server clock in unix ms: the browser clock plus the offset
//                                from the latest "tick" message's server_time.
//   livedesk.mmss(ms, hours)     a duration as m:ss (minutes run past 59), or h:mm:ss from one
//                                hour on when hours is true; negative counts as 0.
//   livedesk.pad2(n)             n with a leading zero below 10.
//   livedesk.money(fen)          integer fen as Go formats it: 123456 → "¥1,234.56", -100 →
//                                "-¥1.00"; null/undefined/NaN → "—".
//   livedesk.int(n)              rounded, with thousands separators; null/undefined → "—".
//
// Sequence numbers: each message carries the room's seq. A jump (seq > last + 1) after the
// connect burst means the client missed messages; it reconnects, and the server sends the latest
// message of each kind first (a full resync). A LOWER seq after the burst means the sequence
// restarted (Redis lost): it is a reset, counted from the new seq, never ignored as old data. Reconnects back off exponentially (0.5 s … 15 s, with jitter) and the
// #offline banner shows while disconnected. Never put user text into innerHTML: use textContent.
(function () {
  "use strict";
  var meta = function (name) {
    var el = document.querySelector('meta[name="' + name + '"]');
    return el ? el.getAttribute("content") : "";
  };
  var handlers = {};
  var statusHandlers = [];
  var ws = null;
  var url = "";
  var lastSeq = {};
  var attempt = 0;
  var timer = null;
  var online = false;
  var stopped = false;
  var burstMs = 1000;
  var stats = { connects: 0, gaps: 0, resets: 0 }; // for tests and the curious

  function setOnline(v) {
    if (online === v) return;
    online = v;
    var el = document.getElementById("offline");
    if (el) el.hidden = v;
    document.documentElement.classList.toggle("is-offline", !v);
    statusHandlers.forEach(function (fn) {
      try { fn(v); } catch (e) { console.error(e); }
    });
  }

  function dispatch(msg) {
    var list = handlers[msg.kind] || [];
    for (var i = 0; i < list.length; i++) {
      try { list[i](msg.data, msg); } catch (e) { console.error("livedesk handler " + msg.kind, e); }
    }
    var any = handlers["*"] || [];
    for (var j = 0; j < any.length; j++) {
      try { any[j](msg.data, msg); } catch (e) { console.error("livedesk handler *", e); }
    }
  }

  function scheduleReconnect() {
    if (stopped || timer) return;
    var base = Math.min(15000, 500 * Math.pow(2, attempt));
    var delay = base / 2 + Math.random() * base / 2;
    attempt++;
    timer = setTimeout(function () { timer = null; open(); }, delay);
  }

  function open() {
    if (stopped) return;
    var proto = location.protocol === "https:" ? "wss:" : "ws:";
    var sock;
    try {
      sock = new WebSocket(proto + "//" + location.host + url);
    } catch (e) {
      setOnline(false);
      scheduleReconnect();
      return;
    }
    ws = sock;
    lastSeq = {};
    var opened = 0;
    sock.onopen = function () { opened = Date.now(); attempt = 0; stats.connects++; setOnline(true); };
    sock.onmessage = function (ev) {
      var msg;
      try { msg = JSON.parse(ev.data); } catch (e) { return; }
      if (!msg || typeof msg.kind !== "string") return;
      // seq is per envelope room (room "" = shop-wide). The burst of the latest message of each
      // kind sent right after connecting skips superseded seqs by design, so a forward jump is a
      // gap only once the burst is over (after burstMs); older seqs never count.
      var key = msg.room || "";
      if (typeof msg.seq === "number" && msg.seq > 0) {
        var last = lastSeq[key];
        var afterBurst = Date.now() - opened > burstMs;
        if (last !== undefined && msg.seq < last && afterBurst) {
          // A lower seq after the burst is not old data: the server's sequence restarted (Redis
          // was lost or flushed). Start counting from it, so gaps are seen again at once.
          stats.resets++;
          lastSeq[key] = msg.seq;
          dispatch(msg);
          return;
        }
        lastSeq[key] = Math.max(last || 0, msg.seq);
        if (last !== undefined && msg.seq > last + 1 && afterBurst) {
          stats.gaps++;
          dispatch(msg);
          resync();
          return;
        }
      }
      dispatch(msg);
    };
    sock.onclose = function (ev) {
      if (ws === sock) ws = null;
      setOnline(false);
      // 4001: the server ended the session (logout elsewhere, user disabled). Reloading sends
      // the browser to the login page instead of reconnecting for ever.
      if (ev && ev.code === 4001) {
        stopped = true;
        location.reload();
        return;
      }
      scheduleReconnect();
    };
    sock.onerror = function () { try { sock.close(); } catch (e) { /* closing anyway */ } };
  }

  // resync drops the socket and reconnects at once; the server replays the latest of each kind.
  function resync() {
    if (ws) {
      var old = ws;
      ws = null;
      old.onclose = null;
      try { old.close(); } catch (e) { /* ignore */ }
    }
    attempt = 0;
    open();
  }

  function connect(u) {
    if (url) return;
    var room = meta("livedesk-room");
    url = u || (room ? "/rooms/" + encodeURIComponent(room) + "/ws" : "/ws");
    open();
  }

  function post(u, body) {
    return fetch(u, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRF-Token": meta("csrf-token") },
      body: body === undefined ? "{}" : JSON.stringify(body)
    }).then(function (r) {
      return r.text().then(function (t) {
        var data = {};
        try { data = t ? JSON.parse(t) : {}; } catch (e) { data = {}; }
        if (!r.ok) throw new Error(data.error || ("HTTP " + r.status));
        return data;
      });
    });
  }

  function on(kind, fn) { (handlers[kind] = handlers[kind] || []).push(fn); }

  // ---- page helpers ----
  function strings(id) {
    var S = json(id) || {};
    function t(key, vars) {
      var s = S[key] !== undefined ? S[key] : key;
      if (vars) {
        s = s.replace(/\{(\w+)\}/g, function (m, k) { return vars[k] !== undefined ? String(vars[k]) : m; });
      }
      return s;
    }
    t.has = function (key) { return !!S[key]; };
    return t;
  }
  function json(id) {
    try { return JSON.parse(document.getElementById(id).textContent); } catch (e) { return null; }
  }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  // Server clock: every tick carries server_time; pages count down against it, not the device.
  var clockOffset = 0; // server clock − browser clock
  on("tick", function (d) { if (d && d.server_time) clockOffset = d.server_time - Date.now(); });
  function now() { return Date.now() + clockOffset; }
  function pad2(n) { return (n < 10 ? "0" : "") + n; }
  // Times are shown in the shop's zone (the server's resolver puts it in <meta name=livedesk-tz>),
  // never the device's: clock(ms) is "15:04" there.
  var tz = meta("livedesk-tz") || "Asia/Shanghai";
  var clockFmt = new Intl.DateTimeFormat("en-GB", { timeZone: tz, hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  function clock(ms) { return clockFmt.format(new Date(ms)); }
  function mmss(ms, hours) {
    if (ms < 0) ms = 0;
    var s = Math.floor(ms / 1000), m = Math.floor(s / 60), h = Math.floor(m / 60);
    return hours && h ? h + ":" + pad2(m % 60) + ":" + pad2(s % 60) : m + ":" + pad2(s % 60);
  }

  // Numbers (money is integer fen), the same text the server renders.
  var nf = new Intl.NumberFormat("en-US");
  function money(fen) {
    if (fen === null || fen === undefined || isNaN(fen)) return "—";
    var neg = fen < 0;
    var v = Math.round(Math.abs(fen));
    var s = "¥" + nf.format(Math.floor(v / 100)) + "." + String(v % 100).padStart(2, "0");
    return neg ? "-" + s : s;
  }
  function int(n) { return (n === null || n === undefined) ? "—" : nf.format(Math.round(n)); }

  window.livedesk = {
    on: on,
    onStatus: function (fn) { statusHandlers.push(fn); },
    connect: connect,
    resync: resync,
    post: post,
    stop: function () { stopped = true; if (ws) ws.close(); },
    get online() { return online; },
    stats: stats,
    lang: meta("livedesk-lang") || "zh-CN",
    room: meta("livedesk-room"),
    csrf: function () { return meta("csrf-token"); },
    strings: strings,
    json: json,
    $: function (id) { return document.getElementById(id); },
    el: el,
    now: now,
    tz: tz,
    clock: clock,
    mmss: mmss,
    pad2: pad2,
    money: money,
    int: int
  };
})();
