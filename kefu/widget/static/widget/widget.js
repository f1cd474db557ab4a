/* kefu chat widget. Dependency-free; renders in a Shadow DOM. Embedding: docs/widget.md.
   Protocol: docs/subsystems/realtime.md. Served as written: no build step. */
(function () {
  "use strict";
  var W = window, D = document;
  if (W.Kefu && W.Kefu.v) return;
  var me = D.currentScript || D.querySelector("script[data-inbox][src*='widget.js']") || {};
  var ds = me.dataset || {}, S = W.kefuSettings || {};
  function opt(k, d) { return S[k] != null ? S[k] : ds[k] != null ? ds[k] : d; }
  var BASE = String(opt("baseUrl", me.src ? new URL(me.src, location.href).origin : location.origin)).replace(/\/+$/, "");
  var INBOX = opt("inbox");
  if (!INBOX) { if (W.console) console.warn("kefu: data-inbox is missing"); return; }
  var UID = String(opt("uid", "") || ""), HASH = String(opt("userHash", "") || "");

  /* ---- strings ------------------------------------------------------------------------- */
  var K = "open close online away closed fast replyIn backAt ph send attach typing agent sending sent read failed retry awayT awayB closedB emailPh emailBtn thanks emailBad tooLarge badType upFail rate conn hello safe redacted remove missing more hide".split(" ");
  var EN = ["Chat with us","Close chat","Online","Away","Closed","Typically replies in a few minutes","Typically replies in {t}","Back {t}","Write a message…","Send","Attach a file","{n} is typing…","Support","Sending…","Sent","Read","Not delivered","Retry","We're away right now","Leave your email and we'll reply there, usually within {t}.","We're closed right now and back {t}. Leave your email and we'll reply there.","you@example.com","Notify me","Thanks! We'll reply here and by email.","Please enter a valid email address.","{f} is too large. You can send files up to {s} MB.","Only images and PDF files can be sent.","The upload failed. Please try again.","You're sending messages too quickly. Please wait a moment.","Reconnecting…","Hi! How can we help you today?","We will never ask for your password, 2FA codes or recovery phrase.","Sensitive details were hidden to keep your account safe.","Remove","That file is no longer available. Please attach it again.","Details","Dismiss"];
  // English ships here; other languages come as one small pack (GET /widget/i18n/<lang>.json).
  var LANGS = "en es ja ko ru tr fr de pt it".split(" "), PACK = {};
  function pickLang(c) {
    var l = String(c || "").replace("_", "-").toLowerCase();
    if (!l) return null;
    if (l.indexOf("zh") === 0) return /hant|tw|hk|mo/.test(l) ? "zh-Hant" : "zh-Hans";
    l = l.split("-")[0];
    return LANGS.indexOf(l) >= 0 ? l : null;
  }
  var LANG = pickLang(opt("lang")) || pickLang(D.documentElement.lang) ||
    [].concat(navigator.languages || [], navigator.language || []).map(pickLang).filter(Boolean)[0] || "en";
  function t(k, v) {
    var s = PACK[k] || EN[K.indexOf(k)];
    return s.replace(/\{(\w)\}/g, function (_, x) { return v && v[x] != null ? v[x] : ""; });
  }
  function dur(min) {
    var u = min < 90 ? ["minute", Math.max(1, min)] : min < 2160 ? ["hour", Math.round(min / 60)] : ["day", Math.round(min / 1440)];
    try { return new Intl.NumberFormat(LANG, { style: "unit", unit: u[0], unitDisplay: "long" }).format(u[1]); }
    catch (e) { return u[1] + " " + u[0] + "s"; }
  }
  function fmt(d, o) { try { return new Intl.DateTimeFormat(LANG, o).format(d); } catch (e) { return d.toLocaleString(); } }
  function hhmm(d) { return fmt(d, { hour: "2-digit", minute: "2-digit" }); }

  /* ---- storage: the session, cursors and unacknowledged messages survive page loads ------ */
  var KEY = "kefu:" + INBOX, mem = {};
  function load() { try { return JSON.parse(localStorage.getItem(KEY)) || {}; } catch (e) { return mem; } }
  var st = load();
  if ((st.uid || "") !== UID) st = {};  // someone else is signed in now: never show their chat
  st.uid = UID; st.cursors = st.cursors || {}; st.outbox = st.outbox || [];
  var saveT;
  function save() {
    clearTimeout(saveT);
    saveT = setTimeout(function () { try { localStorage.setItem(KEY, JSON.stringify(st)); } catch (e) { mem = st; } }, 50);
  }

  /* ---- state ------------------------------------------------------------------------------- */
  var info = null, msgs = {}, convs = {}, blobs = {}, readSent = {}, chips = [];
  var ws = null, live = false, retry = 0, reconnectT, pingT, lastPong = 0, heartbeat = 25;
  var typingFrom = null, typingT, typingOn = false, typingSentAt = 0, typingOffT;
  var isOpen = !!st.open || String(opt("open", "")) === "true", fetchedAt = 0, booted = false, audio;
  var downAt = 0, noticeT, preview = null, ann = {};

  function rid() { return "c" + Date.now().toString(36) + Math.random().toString(36).slice(2, 10); }
  function http(method, path, body, raw) {
    var h = {};
    if (st.token) h["X-Kefu-Session"] = st.token;
    if (body && !raw) { h["Content-Type"] = "application/json"; body = JSON.stringify(body); }
    return fetch(BASE + "/api/v1/widget" + path, { method: method, headers: h, body: body, credentials: "omit" }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (j) {
        if (!r.ok) { var e = new Error((j.error && j.error.message) || r.status); e.code = j.error && j.error.code; e.status = r.status; throw e; }
        return j;
      });
    });
  }

  function session() {
    if (st.token) {
      return http("GET", "/state?lang=" + LANG).catch(function (e) {
        if (e.status === 403 || e.status === 401) { st.token = null; return session(); }
        throw e;
      });
    }
    return http("POST", "/sessions", { inbox_id: INBOX, visitor_id: UID ? "" : st.visitor || "", uid: UID, user_hash: HASH, lang: LANG });
  }
  function applyState(s) {
    info = s.inbox; fetchedAt = Date.now(); st.token = s.session; st.emailKnown = s.email_known || st.emailKnown;
    if (s.visitor_id) st.visitor = s.visitor_id;
    ann = {}; (s.announcements || []).forEach(function (a) { ann[a.id] = a; });
    (s.conversations || []).forEach(function (c) {
      convs[c.conversation.id] = c.conversation;
      c.messages.forEach(upsert);
    });
    // The state is at least as new as these cursors: events after them are replayed (by id).
    for (var k in s.cursors) if (!(st.cursors[k] >= s.cursors[k])) st.cursors[k] = s.cursors[k];
    save(); render();
  }
  function refresh() { return session().then(applyState); }

  /* ---- messages --------------------------------------------------------------------------- */
  function cidOf(m) { var s = m.source_id || ""; return s.indexOf("widget:") === 0 ? s.slice(s.lastIndexOf(":") + 1) : null; }
  function upsert(m) {
    if (m.private || m.direction === "activity") return;
    var cid = cidOf(m), old = msgs[m.id];
    if (cid && msgs[cid]) { delete msgs[cid]; outboxDrop(cid); }
    if (old && rank(old.delivery_status) > rank(m.delivery_status)) m.delivery_status = old.delivery_status;
    msgs[m.id] = m;
  }
  var RANK = ["pending", "sent", "delivered", "read"];
  function rank(s) { return RANK.indexOf(s); }
  function outboxDrop(cid) { st.outbox = st.outbox.filter(function (o) { return o.client_id !== cid; }); save(); }
  function sorted() {
    return Object.keys(msgs).map(function (k) { return msgs[k]; }).sort(function (a, b) {
      return (a.local ? 1 : 0) - (b.local ? 1 : 0) || (a.local ? a.t - b.t : a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : a.id < b.id ? -1 : 1);
    });
  }
  function mine(m) { return m.direction === "incoming"; }
  function unread() {
    return sorted().filter(function (m) { return !mine(m) && !m.local && m.delivery_status !== "read" && !readSent[m.id]; });
  }

  function sendMessage(body, atts) {
    var cid = rid(), o = { client_id: cid, body: body, attachment_ids: atts.map(function (a) { return a.id; }), t: Date.now(), atts: atts.map(function (a) { return { id: a.id, filename: a.filename, content_type: a.content_type, size: a.size }; }) };
    atts.forEach(function (a) { if (a.url) blobs["up:" + a.id] = a.url; });
    var name = opt("name", ""), email = opt("email", "");
    if (name) o.name = name;
    if (email) o.email = email;
    st.outbox.push(o); save();
    local(o); flushOne(o); render(true);
  }
  function local(o) {
    msgs[o.client_id] = { id: o.client_id, local: true, t: o.t, client_id: o.client_id, direction: "incoming", body: o.body,
      attachments: o.atts.map(function (a) { return { id: "up:" + a.id, filename: a.filename, content_type: a.content_type, size: a.size }; }),
      created_at: new Date(o.t).toISOString(), delivery_status: "pending", failed: o.failed ? t("failed") : null };
  }
  function flushOne(o) {
    var m = msgs[o.client_id];
    if (m) m.failed = null;
    wsSend({ type: "message", client_id: o.client_id, body: o.body, attachment_ids: o.attachment_ids, name: o.name, email: o.email });
    clearTimeout(o.timer);
    // No ack in time: show it as not delivered; it stays queued and goes again on reconnect.
    o.timer = setTimeout(function () { var x = msgs[o.client_id]; if (x && x.delivery_status === "pending") { x.failed = t("failed"); render(); } }, 15000);
  }
  // Refused by the server (rate limit, bad file): only the customer's Retry sends it again.
  function flush() { st.outbox.forEach(function (o) { if (!o.failed) flushOne(o); }); }
  function retryMsg(cid) {
    var o = st.outbox.filter(function (x) { return x.client_id === cid; })[0];
    if (!o) return;
    o.failed = null; save();
    if (msgs[cid]) msgs[cid].failed = null;
    flushOne(o); render();
  }
  function markRead() {
    if (!isOpen || D.visibilityState === "hidden" || !live) return;
    unread().forEach(function (m) { readSent[m.id] = 1; wsSend({ type: "read", message_id: m.id }); });
    badge();
  }

  /* ---- websocket ---------------------------------------------------------------------------- */
  function wsSend(o) { if (ws && ws.readyState === 1) ws.send(JSON.stringify(o)); }
  function connect() {
    if (ws || !st.token) return;
    clearTimeout(reconnectT);
    var s;
    try { s = ws = new WebSocket(BASE.replace(/^http/, "ws") + "/ws/widget/?session=" + encodeURIComponent(st.token)); }
    catch (e) { ws = null; return later(); }
    s.onmessage = function (e) { var f; try { f = JSON.parse(e.data); } catch (x) { return; } if (ws === s) frame(f); };
    s.onclose = function (e) {
      if (ws !== s) return;
      ws = null; live = false; clearInterval(pingT); downAt = downAt || Date.now(); render(); setTimeout(render, 1600);
      if (e.code === 4401) { st.token = null; refresh().then(connect, later); } else later();
    };
  }
  function later() {
    clearTimeout(reconnectT);
    var wait = Math.min(30000, 500 * Math.pow(2, retry++)) * (0.6 + Math.random() * 0.4);
    reconnectT = setTimeout(connect, wait);
  }
  function reconnectNow() { if (!ws && st.token) { retry = 0; connect(); } }
  function frame(f) {
    var k = f.type;
    if (k === "hello") {
      live = true; retry = 0; downAt = 0; heartbeat = f.heartbeat || 25; lastPong = Date.now();
      var cur = {};
      for (var s in f.streams) cur[s] = st.cursors[s] != null ? st.cursors[s] : 0;
      wsSend({ type: "resume", cursors: cur });
      clearInterval(pingT);
      pingT = setInterval(function () {
        if (Date.now() - lastPong > heartbeat * 2500) { if (ws) ws.close(); return; }
        wsSend({ type: "ping", t: Date.now() });
      }, heartbeat * 1000);
      flush(); markRead(); render();
    } else if (k === "pong") lastPong = Date.now();
    else if (k === "event") {
      if (st.cursors[f.stream] != null && f.seq <= st.cursors[f.stream]) return;
      st.cursors[f.stream] = f.seq; save();
      event(f.event, f.payload || {});
    } else if (k === "ack") {
      var o = st.outbox.filter(function (x) { return x.client_id === f.client_id; })[0], m = msgs[f.client_id];
      if (o) clearTimeout(o.timer);
      outboxDrop(f.client_id);
      if (msgs[f.message_id]) delete msgs[f.client_id];
      else if (m) { m.delivery_status = "sent"; m.failed = null; m.ackId = f.message_id; }
      render();
    } else if (k === "typing") {
      if (f.who !== "agent") return;
      clearTimeout(typingT);
      typingFrom = f.on ? (f.agent && f.agent.display_name) || t("agent") : null;
      if (f.on) typingT = setTimeout(function () { typingFrom = null; render(); }, 8000);
      render();
    } else if (k === "resync") {
      st.cursors[f.stream] = f.seq; save(); refresh();
    } else if (k === "error" && f.client_id && msgs[f.client_id]) {
      var x = msgs[f.client_id];
      x.failed = f.code === "rate_limited" ? t("rate") : f.code === "attachment_missing" ? t("missing") : f.message || t("failed");
      st.outbox.forEach(function (q) { if (q.client_id === f.client_id) { q.failed = true; clearTimeout(q.timer); } });
      save(); render();
    }
  }
  function event(name, p) {
    if (name === "message.created" && p.message) {
      var m = p.message, fresh = !msgs[m.id];
      for (var k in msgs) if (msgs[k].local && msgs[k].ackId === m.id) delete msgs[k];
      upsert(m);
      if (fresh && !mine(m)) { typingFrom = null; arrived(m); }
      render(true); markRead();
    } else if (/^message\.(delivered|read)$/.test(name) && msgs[p.message_id]) {
      var y = msgs[p.message_id];
      if (rank(p.delivery_status) > rank(y.delivery_status)) y.delivery_status = p.delivery_status;
      render();
    } else if (/^announcement\./.test(name)) {
      if (p.announcement) ann[p.announcement.id] = p.announcement; else delete ann[p.id];
      render();
    } else if (p.conversation && p.conversation.id) {
      convs[p.conversation.id] = p.conversation; render();
    }
  }
  function arrived(m) {
    var hidden = !isOpen || D.visibilityState === "hidden";
    if (hidden) beep();
    if (!isOpen) { preview = m; render(); }
  }
  function beep() {
    try {
      var C = W.AudioContext || W.webkitAudioContext;
      if (!C || opt("sound", "on") === "off") return;
      audio = audio || new C();
      if (audio.state === "suspended") audio.resume();
      var n = audio.currentTime;
      [740, 988].forEach(function (hz, i) {
        var o = audio.createOscillator(), g = audio.createGain(), s = n + i * 0.13;
        o.frequency.value = hz;
        g.gain.setValueAtTime(0.0001, s);
        g.gain.exponentialRampToValueAtTime(0.15, s + 0.02);
        g.gain.exponentialRampToValueAtTime(0.0001, s + 0.22);
        o.connect(g); g.connect(audio.destination); o.start(s); o.stop(s + 0.25);
      });
    } catch (e) { /* no sound is fine */ }
  }

  /* ---- attachments -------------------------------------------------------------------------- */
  function blob(a, then) {
    if (blobs[a.id]) return then && then(blobs[a.id]);
    if (blobs[a.id] === 0) return;
    blobs[a.id] = 0;
    fetch(BASE + "/api/v1/widget/attachments/" + a.id, { headers: { "X-Kefu-Session": st.token }, credentials: "omit" })
      .then(function (r) { if (!r.ok) throw r; return r.blob(); })
      .then(function (b) { blobs[a.id] = URL.createObjectURL(b); render(); if (then) then(blobs[a.id]); }, function () { delete blobs[a.id]; });
  }
  function addFiles(files) {
    var max = (info && info.attachment_max_bytes) || 20971520;
    [].forEach.call(files || [], function (f) {
      if (f.size > max) return notice(t("tooLarge", { f: f.name, s: Math.floor(max / 1048576) }));
      if (!/^image\/|^application\/pdf$/.test(f.type)) return notice(t("badType"));
      var c = { filename: f.name, content_type: f.type, size: f.size, busy: true, url: /^image\//.test(f.type) ? URL.createObjectURL(f) : null };
      chips.push(c); render();
      var fd = new FormData(); fd.append("file", f, f.name);
      http("POST", "/attachments", fd, true).then(function (r) { c.id = r.id; c.busy = false; render(); }, function (e) {
        chips.splice(chips.indexOf(c), 1); render();
        notice(e.code === "attachment_too_large" ? t("tooLarge", { f: f.name, s: Math.floor(max / 1048576) }) : e.code === "attachment_type_not_allowed" ? t("badType") : e.code === "rate_limited" ? t("rate") : t("upFail"));
      });
    });
  }
  function notice(text) { clearTimeout(noticeT); ui.notice.textContent = text; ui.notice.hidden = false; noticeT = setTimeout(function () { ui.notice.hidden = true; }, 7000); }

  /* ---- DOM ----------------------------------------------------------------------------------- */
  var COLOR = /^#[0-9a-f]{3,8}$/i.test(opt("color", "")) ? opt("color") : "#4f46e5";
  function ink(hex) {
    var h = hex.replace("#", ""); if (h.length < 6) h = h.replace(/./g, "$&$&");
    var c = [0, 2, 4].map(function (i) { var v = parseInt(h.substr(i, 2), 16) / 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2] > 0.4 ? "#111827" : "#fff";
  }
  var RING = "M12 3.5a8.5 8.5 0 1 0 0 17 8.5 8.5 0 0 0 0-17z", ICON = {
    chat: "M20 11.5a8 8 0 0 1-11.8 7L4 19.5l1.1-3.9A8 8 0 1 1 20 11.5z",
    x: "M6 6l12 12M18 6L6 18", down: "M6 9l6 6 6-6",
    send: "M21 3L10.5 13.5M21 3l-6.5 18-4-7.5L3 9.5z",
    clip: "M20.5 11.5l-8.2 8.2a5 5 0 0 1-7-7l8.5-8.5a3.3 3.3 0 0 1 4.7 4.7l-8.4 8.4a1.7 1.7 0 0 1-2.4-2.4l7.6-7.6",
    file: "M14 3H7a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h10a2 2 0 0 0 2-2V8zM14 3v5h5",
    shield: "M12 3l7.5 3v5.5c0 4.6-3.2 8.3-7.5 9.5-4.3-1.2-7.5-4.9-7.5-9.5V6zM9 12l2 2 4-4",
    mail: "M4 6h16v12H4zM4.5 6.5l7.5 6 7.5-6", clock: "M12 7v5l3 2" + RING,
    ok: "M5 12.5l4.5 4.5L19 7.5", ok2: "M2.5 12.5l4.5 4.5L16.5 7.5M11.5 17l9.5-9.5", warn: "M12 8v5M12 16.5v.5" + RING
  };
  function svg(name, size) {
    return '<svg viewBox="0 0 24 24" width="' + (size || 20) + '" height="' + (size || 20) + '" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true"><path d="' + ICON[name] + '"/></svg>';
  }
  function el(tag, cls, text) { var e = D.createElement(tag); if (cls) e.className = cls; if (text != null) e.textContent = text; return e; }
  var CSS = ":host{all:initial}*{box-sizing:border-box}" +
    ".k{--a:" + COLOR + ";--i:" + ink(COLOR) + ";position:fixed;z-index:2147483000;bottom:20px;" + (opt("position", "right") === "left" ? "left" : "right") + ":20px;font:14px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,'PingFang SC','Hiragino Sans','Microsoft YaHei','Noto Sans CJK SC','Malgun Gothic',sans-serif;color:#111827;-webkit-font-smoothing:antialiased}" +
    "button{font:inherit;cursor:pointer;border:0;background:none;color:inherit;padding:0}.l,.av,.x,.cp button,.ib{display:grid;place-items:center}" +
    ".ht b,.fi span,.cp span{white-space:nowrap;overflow:hidden;text-overflow:ellipsis}.pv p,.ht small{display:-webkit-box;-webkit-box-orient:vertical;overflow:hidden}" +
    ".l{width:58px;height:58px;border-radius:50%;background:var(--a);color:var(--i);box-shadow:0 6px 20px #11182747,0 2px 6px #1118272e;transition:transform .18s;margin-left:auto}.l:hover{transform:scale(1.06)}.l:focus-visible{outline:3px solid #4f46e573;outline-offset:3px}" +
    ".l svg{width:28px;height:28px}.b{position:absolute;top:-4px;right:-4px;min-width:22px;height:22px;padding:0 6px;border-radius:11px;background:#ef4444;color:#fff;font-size:12px;font-weight:700;line-height:22px;text-align:center;border:2px solid #fff}" +
    ".pv{position:absolute;bottom:72px;right:0;width:290px;background:#fff;border-radius:14px;padding:12px 14px;box-shadow:0 12px 32px #11182733;text-align:left;animation:up .2s;display:flex;gap:10px}.pv b{display:block;font-size:12.5px;color:#6b7280;font-weight:600}.pv p{margin:2px 0 0;-webkit-line-clamp:3;word-break:break-word}" +
    ".p{position:absolute;bottom:74px;right:0;width:384px;height:min(660px,calc(100vh - 110px));background:#fff;border-radius:18px;box-shadow:0 18px 50px #11182747,0 2px 8px #1118271f;display:flex;flex-direction:column;overflow:hidden;animation:up .22s cubic-bezier(.2,.9,.3,1.1);transform-origin:bottom right}" +
    "@keyframes up{from{opacity:0;transform:translateY(12px) scale(.98)}}" +
    ".h{background:var(--a);background:linear-gradient(135deg,var(--a),color-mix(in srgb,var(--a) 72%,#000));color:var(--i);padding:16px 14px 16px 18px;display:flex;align-items:center;gap:12px;flex:none}" +
    ".av{width:40px;height:40px;border-radius:50%;font-weight:700;flex:none;background:#fff3;position:relative}.h .av{font-size:16px;box-shadow:inset 0 0 0 2px #ffffff59}.dot{position:absolute;right:-1px;bottom:-1px;width:12px;height:12px;border-radius:50%;border:2px solid #fff;background:#9ca3af}.on .dot{background:#22c55e}" +
    ".ht{flex:1;min-width:0}.ht b{display:block;font-size:16px;font-weight:650}.ht small{-webkit-line-clamp:2;font-size:12.5px;line-height:1.3;opacity:.9;margin-top:1px}" +
    ".x{width:36px;height:36px;border-radius:10px;color:inherit;opacity:.9}.x:hover{background:#ffffff29;opacity:1}" +
    ".as{max-height:40%;overflow:auto}.an{display:flex;gap:10px;padding:10px 4px 10px 14px;background:#eff6ff;color:#1e3a8a;font-size:13px;border-bottom:1px solid #0000001a}.an div{flex:1}.an p{margin:2px 0 0}.an a{color:inherit}.warning{background:#fffbeb;color:#78350f}.critical{background:#fef2f2;color:#991b1b;box-shadow:inset 4px 0 #dc2626}" +
    ".cn{background:#fef3c7;color:#92400e;font-size:12.5px;text-align:center;padding:5px;flex:none}" +
    ".m{flex:1;overflow:auto;padding:18px 14px 8px;background:#f6f7f9;scroll-behavior:smooth;overscroll-behavior:contain}" +
    ".r{display:flex;gap:8px;margin-top:3px;align-items:flex-end}.r.g{margin-top:14px}.r.me{justify-content:flex-end}.r .av,.pv .av{width:28px;height:28px;font-size:12px;background:var(--a);color:var(--i)}.pv .av{width:32px;height:32px}.r .av.bot{background:#0f172a;color:#fff}.sp{width:28px;flex:none}" +
    ".c{max-width:78%;display:flex;flex-direction:column}.me .c{align-items:flex-end}.n{font-size:12px;color:#6b7280;margin:0 0 3px 2px;font-weight:550}" +
    ".u{padding:9px 13px;border-radius:16px;background:#fff;box-shadow:0 1px 2px #11182714;white-space:pre-wrap;word-break:break-word;overflow-wrap:anywhere}.me .u{background:var(--a);color:var(--i);box-shadow:none;border-bottom-right-radius:6px}.u a{color:inherit}" +
    ".them .u{border-bottom-left-radius:6px}.bot .u{background:#eef2ff;color:#1e1b4b}.pend .u{opacity:.72}.fail .u{background:#fee2e2;color:#7f1d1d}" +
    ".sys{text-align:center;font-size:12px;color:#6b7280;margin:14px 0 6px}.sys span{background:#eceef2;border-radius:10px;padding:3px 10px}" +
    ".st{font-size:11.5px;color:#6b7280;margin:3px 4px 0;display:flex;align-items:center;gap:4px}.st.rd{color:var(--a)}.st.bad{color:#b91c1c}.st button{color:#b91c1c;font-weight:650;text-decoration:underline}" +
    ".im{display:block;max-width:220px;max-height:240px;border-radius:12px;margin:2px 0;background:#e5e7eb;min-width:80px;min-height:60px;object-fit:cover;cursor:zoom-in}" +
    ".fi{display:flex;align-items:center;gap:8px;background:#fff;border:1px solid #e5e7eb;border-radius:12px;padding:8px 10px;margin:2px 0;max-width:240px;color:#111827;text-align:left}.fi span{font-size:13px}.fi small{color:#6b7280;display:block;font-size:11.5px}.fi svg{color:#dc2626;flex:none}" +
    ".red{font-size:11.5px;color:#6b7280;margin-top:3px}" +
    ".wel{background:#fff;border-radius:14px;padding:14px;box-shadow:0 1px 2px #1118270f;margin-bottom:6px}.wel b{font-size:15px}" +
    ".tip{display:flex;gap:8px;align-items:flex-start;font-size:12.5px;color:#065f46;background:#ecfdf5;border-radius:10px;padding:8px 10px;margin-top:10px}.tip svg{flex:none;margin-top:1px}" +
    ".off{background:#fff;border:1px solid #e5e7eb;border-radius:14px;padding:14px;margin:14px 0 4px}.off b{display:flex;gap:8px;align-items:center}.off p{margin:6px 0 10px;color:#374151;font-size:13.5px}" +
    ".ef{display:flex;gap:6px}.ef input{flex:1;min-width:0;font:inherit;border:1px solid #d1d5db;border-radius:10px;padding:8px 10px;outline:0}.ef input:focus{border-color:var(--a);box-shadow:0 0 0 3px color-mix(in srgb,var(--a) 20%,#0000)}.ef button{background:var(--a);color:var(--i);border-radius:10px;padding:8px 12px;font-weight:600;white-space:nowrap}" +
    ".ty{display:flex;align-items:center;gap:8px;font-size:12.5px;color:#6b7280;padding:6px 16px 2px;min-height:26px;background:#f6f7f9;flex:none}.ty i{display:inline-flex;gap:3px;background:#fff;padding:7px 9px;border-radius:12px;box-shadow:0 1px 2px #11182714}.ty i span{width:6px;height:6px;border-radius:50%;background:#9ca3af;animation:bl 1.2s infinite}.ty i span+span{animation-delay:.15s}.ty i span+span+span{animation-delay:.3s}@keyframes bl{0%,60%,100%{opacity:.3;transform:none}30%{opacity:1;transform:translateY(-2px)}}" +
    ".nt{margin:0 12px 6px;background:#fef2f2;color:#991b1b;border-radius:10px;padding:8px 10px;font-size:12.5px}" +
    ".f{border-top:1px solid #eceef2;padding:10px 10px 8px 12px;background:#fff;flex:none}.ch{display:flex;gap:6px;flex-wrap:wrap;margin-bottom:8px}.cp{position:relative;display:flex;align-items:center;gap:6px;border:1px solid #e5e7eb;border-radius:10px;padding:4px 26px 4px 4px;max-width:170px;font-size:12px;background:#f9fafb}.cp img{width:34px;height:34px;border-radius:6px;object-fit:cover}.cp.busy{opacity:.55}.cp button{position:absolute;right:4px;top:50%;transform:translateY(-50%);width:18px;height:18px;border-radius:50%;background:#e5e7eb}" +
    ".row{display:flex;align-items:flex-end;gap:4px}textarea{flex:1;resize:none;border:0;outline:0;font:inherit;font-size:14.5px;line-height:1.4;max-height:120px;min-height:24px;padding:8px 4px;background:none;color:#111827}" +
    ".ib{width:38px;height:38px;border-radius:10px;color:#6b7280;flex:none}.ib:hover{background:#f3f4f6;color:#111827}.sd{color:var(--a)}.sd:disabled{color:#d1d5db;cursor:default;background:none}" +
    ".pw{text-align:center;font-size:11px;color:#9ca3af;padding-top:4px}" +
    "[hidden]{display:none!important}" +
    "@media(max-width:480px){.k{bottom:14px;right:14px;left:auto}.k.o .l,.k.o .pv{display:none}.p{position:fixed;inset:0;width:auto;height:auto;border-radius:0;bottom:0}textarea{font-size:16px}}" +
    "@media(prefers-reduced-motion:reduce){*{animation:none!important;transition:none!important;scroll-behavior:auto!important}}";

  var host = el("div"), root, ui = {};
  host.id = "kefu-widget"; host.style.cssText = "all:initial!important";
  function build() {
    root = host.attachShadow ? host.attachShadow({ mode: "open" }) : host;
    // A constructed stylesheet is not inline style: pages with a strict CSP (no 'unsafe-inline')
    // still get a styled widget. Older browsers take a <style> element.
    if (host.attachShadow && "adoptedStyleSheets" in root && W.CSSStyleSheet && "replaceSync" in CSSStyleSheet.prototype) {
      var sheet = new CSSStyleSheet(); sheet.replaceSync(CSS); root.adoptedStyleSheets = [sheet];
    } else { var style = el("style"); style.textContent = CSS; root.append(style); }
    var k = ui.k = el("div", "k"); k.setAttribute("lang", LANG); root.append(k);
    k.innerHTML =
      '<section class="p" role="dialog" aria-modal="false" hidden>' +
      '<header class="h"><div class="av"><span></span><i class="dot"></i></div><div class="ht"><b></b><small></small></div><button class="x" type="button">' + svg("x") + "</button></header>" +
      '<div class="as"></div><div class="cn" role="status" hidden></div><div class="m" role="log" aria-live="polite"></div><div class="ty" aria-live="polite"></div>' +
      '<div class="nt" role="alert" hidden></div>' +
      '<form class="f"><div class="ch"></div><div class="row"><button class="ib at" type="button">' + svg("clip") + '</button><input type="file" accept="image/*,application/pdf" multiple hidden>' +
      '<textarea rows="1" maxlength="20000"></textarea><button class="ib sd" type="submit" disabled>' + svg("send") + "</button></div><div class='pw'>Powered by kefu</div></form></section>" +
      '<div class="pv" role="button" tabindex="0" hidden></div><button class="l" type="button" aria-expanded="false">' + svg("chat") + '<span class="b" hidden></span></button>';
    function q(s) { return k.querySelector(s); }
    ui.panel = q(".p"); ui.title = q(".ht b"); ui.sub = q(".ht small"); ui.hav = q(".h .av"); ui.list = q(".m"); ui.typing = q(".ty");
    ui.an = q(".as"); ui.conn = q(".cn"); ui.notice = q(".nt"); ui.form = q(".f"); ui.chips = q(".ch"); ui.ta = q("textarea"); ui.send = q(".sd");
    ui.file = q("input[type=file]"); ui.launch = q(".l"); ui.badge = q(".b"); ui.prev = q(".pv");
    ui.ta.placeholder = t("ph"); ui.send.setAttribute("aria-label", t("send")); q(".at").setAttribute("aria-label", t("attach"));
    q(".x").setAttribute("aria-label", t("close")); ui.panel.setAttribute("aria-label", t("open"));
    ui.launch.onclick = function () { toggle(); };
    q(".x").onclick = function () { toggle(false); };
    ui.prev.onclick = function () { toggle(true); };
    q(".at").onclick = function () { ui.file.click(); };
    ui.file.onchange = function () { addFiles(ui.file.files); ui.file.value = ""; };
    ui.form.onsubmit = function (e) { e.preventDefault(); submit(); };
    ui.ta.onkeydown = function (e) {
      if (e.key === "Enter" && !e.shiftKey && !e.isComposing && e.keyCode !== 229) { e.preventDefault(); submit(); }
    };
    ui.ta.oninput = function () { grow(); typing(); ui.send.disabled = !canSend(); };
    ui.ta.onpaste = function (e) { var f = e.clipboardData && e.clipboardData.files; if (f && f.length) { e.preventDefault(); addFiles(f); } };
    ui.panel.ondragover = function (e) { e.preventDefault(); };
    ui.panel.ondrop = function (e) { e.preventDefault(); addFiles(e.dataTransfer && e.dataTransfer.files); };
    k.onkeydown = function (e) { if (e.key === "Escape" && isOpen) toggle(false); };
    k.addEventListener("pointerdown", function () { if (!audio && (W.AudioContext || W.webkitAudioContext)) try { audio = new (W.AudioContext || W.webkitAudioContext)(); } catch (x) { /* none */ } }, { once: true });
    D.body.append(host);
  }
  function grow() { ui.ta.style.height = "auto"; ui.ta.style.height = Math.min(120, ui.ta.scrollHeight) + "px"; }
  function canSend() { return (ui.ta.value.trim() || chips.length) && !chips.some(function (c) { return c.busy; }); }
  function submit() {
    if (!canSend()) return;
    var body = ui.ta.value.trim(), atts = chips.filter(function (c) { return c.id; });
    ui.ta.value = ""; chips = []; grow(); stopTyping(); ui.send.disabled = true;
    sendMessage(body, atts);
  }
  function typing() {
    if (!ui.ta.value.trim()) return stopTyping();
    if (!typingOn || Date.now() - typingSentAt > 4000) { typingOn = true; typingSentAt = Date.now(); wsSend({ type: "typing", on: true }); }
    clearTimeout(typingOffT); typingOffT = setTimeout(stopTyping, 3000);
  }
  function stopTyping() { clearTimeout(typingOffT); if (typingOn) { typingOn = false; wsSend({ type: "typing", on: false }); } }
  function toggle(to) {
    isOpen = to == null ? !isOpen : !!to; st.open = isOpen; save(); preview = null;
    render(true);
    if (isOpen) {
      if (!booted) start();
      else if (Date.now() - fetchedAt > 60000) refresh().catch(function () { /* offline: keep what we have */ });
      setTimeout(function () { ui.ta.focus({ preventScroll: true }); }, 60);
      markRead();
    }
  }

  /* ---- rendering ------------------------------------------------------------------------------ */
  function staffed() { return info && info.open_now && info.agents_online > 0; }
  function availability() {
    if (!info) return "";
    if (staffed()) return t("online") + " · " + (info.expected_response_minutes <= 10 ? t("fast") : t("replyIn", { t: dur(info.expected_response_minutes) }));
    if (!info.open_now && info.next_open_at) return t("closed") + " · " + t("backAt", { t: when(new Date(info.next_open_at)) });
    return t("away") + " · " + t("replyIn", { t: dur(info.expected_response_minutes) });
  }
  function when(d) {
    var same = new Date().toDateString() === d.toDateString();
    return same ? hhmm(d) : fmt(d, { weekday: "short", hour: "2-digit", minute: "2-digit" });
  }
  function initials(s) { s = String(s || "?").trim(); var p = s.split(/\s+/); return (p.length > 1 ? p[0][0] + p[1][0] : s.slice(0, /[\u3000-\u9fff\uac00-\ud7af]/.test(s) ? 1 : 2)).toUpperCase(); }
  function linkify(node, text) {
    var re = /\bhttps?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)\]]/g, i = 0, m;
    while ((m = re.exec(text))) {
      node.append(text.slice(i, m.index));
      var a = el("a", null, m[0]); a.href = m[0]; a.target = "_blank"; a.rel = "noopener noreferrer nofollow";
      node.append(a); i = m.index + m[0].length;
    }
    node.append(text.slice(i));
  }
  function attachment(a) {
    var url = blobs[a.id];
    if (/^image\//.test(a.content_type)) {
      var img = el("img", "im"); img.alt = a.filename;
      if (url) img.src = url; else if (a.id.indexOf("up:") !== 0) blob(a);
      img.onload = function () { var l = ui.list; if (l.scrollHeight - l.scrollTop - l.clientHeight < img.height + 90) l.scrollTop = l.scrollHeight; };
      img.onclick = function () { if (blobs[a.id]) W.open(blobs[a.id], "_blank", "noopener"); };
      return img;
    }
    var f = el("button", "fi"); f.type = "button";
    f.innerHTML = svg("file", 22); var s = el("span", null, a.filename); s.append(el("small", null, Math.max(1, Math.round(a.size / 1024)) + " KB")); f.append(s);
    f.onclick = function () { if (a.id.indexOf("up:") !== 0) blob(a, function (u) { W.open(u, "_blank", "noopener"); }); };
    return f;
  }
  var queued = false, stick = false;
  function render(toBottom) {
    stick = stick || toBottom || (ui.list && ui.list.scrollHeight - ui.list.scrollTop - ui.list.clientHeight < 60);
    if (queued || !ui.k) return;
    queued = true;
    (W.requestAnimationFrame || setTimeout)(draw);
  }
  function draw() {
    queued = false;
    var k = ui.k, l = ui.list, all = sorted();
    k.classList.toggle("o", isOpen);
    ui.panel.hidden = !isOpen; ui.launch.setAttribute("aria-expanded", isOpen);
    ui.launch.innerHTML = svg(isOpen ? "down" : "chat"); ui.launch.append(ui.badge);
    ui.launch.setAttribute("aria-label", isOpen ? t("close") : t("open"));
    var title = opt("title", "") || (info && info.name) || t("open");
    ui.title.textContent = title; ui.hav.firstChild.textContent = initials(title);
    ui.hav.classList.toggle("on", !!staffed()); ui.sub.textContent = availability();
    ui.conn.textContent = t("conn"); ui.conn.hidden = live || !downAt || Date.now() - downAt < 1500;
    badge();
    // Preview of a reply while closed.
    ui.prev.hidden = !preview || isOpen;
    if (preview && !isOpen) {
      ui.prev.innerHTML = ""; var pa = el("div", "av", initials(author(preview)));
      var pc = el("div"); pc.append(el("b", null, author(preview)), el("p", null, preview.body || (preview.attachments[0] || {}).filename || ""));
      ui.prev.append(pa, pc);
    }
    if (!isOpen) return;
    banners();
    l.innerHTML = "";
    var w = el("div", "wel"); w.append(el("b", null, opt("greeting", "") || (LANG === "en" && info && info.greeting) || t("hello")));
    var tip = el("div", "tip"); tip.innerHTML = svg("shield", 16); tip.append(el("span", null, t("safe"))); w.append(tip); l.append(w);
    var prev = null, lastMine = null, answered = false;
    // A reply means the agent saw what came before it, whatever the receipts said.
    all.forEach(function (m) { if (mine(m)) { lastMine = m; answered = false; } else if (!m.local) answered = true; });
    all.forEach(function (m) {
      var d = new Date(m.created_at), gap = !prev || d - new Date(prev.created_at) > 3600000;
      if (gap) { var sy = el("div", "sys"); sy.append(el("span", null, (new Date().toDateString() === d.toDateString() ? "" : fmt(d, { month: "short", day: "numeric" }) + " ") + hhmm(d))); l.append(sy); }
      var a = m.author || {}, me = mine(m), kind = me ? "me" : a.kind === "bot" ? "them bot" : "them";
      // kefu's own notices (safety warnings, security tips): a card, their links live.
      if (!me && a.kind === "system") { var s2 = el("div", "tip"), sp = el("span"); s2.innerHTML = svg("shield", 16); linkify(sp, m.body); s2.append(sp); l.append(s2); prev = m; return; }
      var first = gap || !prev || mine(prev) !== me || (prev.author || {}).id !== a.id;
      var r = el("div", "r " + kind + (first ? " g" : "") + (m.local ? (m.failed ? " fail" : " pend") : ""));
      var c = el("div", "c");
      if (!me) {
        if (first) { var av = el("div", "av" + (a.kind === "bot" ? " bot" : ""), initials(author(m))); r.append(av); c.append(el("div", "n", author(m))); }
        else r.append(el("div", "sp"));
      }
      (m.attachments || []).forEach(function (x) { c.append(attachment(x)); });
      if (m.body) { var u = el("div", "u"); linkify(u, m.body); c.append(u); }
      if (m.redactions && m.redactions.length) c.append(el("div", "red", t("redacted")));
      if (me && (m === lastMine || m.failed)) c.append(status(m, answered));
      r.append(c); l.append(r); prev = m;
    });
    if (info && !staffed()) l.append(offline(all.some(mine)));
    ui.typing.innerHTML = "";
    if (typingFrom) { var ti = el("i"); ti.innerHTML = "<span></span><span></span><span></span>"; ui.typing.append(ti, el("span", null, t("typing", { n: typingFrom }))); }
    ui.chips.innerHTML = ""; ui.chips.hidden = !chips.length;
    chips.forEach(function (c) {
      var p = el("div", "cp" + (c.busy ? " busy" : ""));
      if (c.url) { var im = el("img"); im.src = c.url; im.alt = ""; p.append(im); } else p.insertAdjacentHTML("beforeend", svg("file", 18));
      p.append(el("span", null, c.filename));
      var x = el("button"); x.type = "button"; x.innerHTML = svg("x", 12); x.setAttribute("aria-label", t("remove"));
      x.onclick = function () { chips.splice(chips.indexOf(c), 1); render(); ui.send.disabled = !canSend(); };
      p.append(x); ui.chips.append(p);
    });
    ui.send.disabled = !canSend();
    if (stick) l.scrollTop = l.scrollHeight;
    stick = false;
  }
  // Announcements (phishing waves, maintenance) inside their window; each hidden once dismissed,
  // until it changes (the version is the parsed time: the session's JSON and the stream's write
  // fractions of a second differently). Text only, never linkified: a phishing notice names the
  // fake domains.
  function banners() {
    var now = Date.now(), dis = st.dis = st.dis || {};
    ui.an.innerHTML = "";
    Object.keys(ann).forEach(function (i) {
      var a = ann[i], x = a.translations, tx = x[LANG] || /^zh/.test(LANG) && x["zh-Hans"] || x.en, v = i + Date.parse(a.updated_at),
        b = el("div", "an " + a.severity), c = el("div"), k = el("a", null, t("more")), y = el("button", "x");
      // Date.parse(null) is NaN: no end, never over.
      if (dis[v] || Date.parse(a.starts_at) > now || Date.parse(a.ends_at) <= now) return;
      b.innerHTML = svg(/phish|secu/.test(a.kind) ? "shield" : "warn", 18);
      c.append(el("b", null, tx.title), el("p", null, tx.body));
      if (a.url) { k.href = a.url; k.target = "_blank"; c.append(k); }
      y.innerHTML = svg("x", 14); y.title = t("hide");
      y.onclick = function () { dis[v] = 1; save(); render(); };
      b.append(c, y); ui.an.append(b);
    });
  }
  function author(m) { var a = m.author || {}; return a.kind === "agent" ? a.label : a.kind === "bot" ? (opt("title", "") || (info && info.name) || t("agent")) : a.label || t("agent"); }
  function status(m, answered) {
    var s = el("div", "st"), txt, icon;
    if (m.failed) {
      s.className = "st bad"; s.innerHTML = svg("warn", 13); s.append(el("span", null, m.failed + " · "));
      var b = el("button", null, t("retry")); b.type = "button"; b.onclick = function () { retryMsg(m.client_id); }; s.append(b);
      return s;
    }
    if (m.delivery_status === "pending") { icon = "clock"; txt = t("sending"); }
    else if (m.delivery_status === "read" || answered) { icon = "ok2"; txt = t("read"); s.className = "st rd"; }
    else { icon = "ok"; txt = t("sent"); }
    s.innerHTML = svg(icon, 14); s.append(el("span", null, txt));
    s.setAttribute("data-status", icon === "ok2" ? "read" : icon === "ok" ? "sent" : "pending");
    return s;
  }
  function offline(wrote) {
    var o = el("div", "off"), h = el("b");
    h.innerHTML = svg("mail", 18); h.append(el("span", null, t("awayT")));
    o.append(h);
    var closed = !info.open_now && info.next_open_at;
    o.append(el("p", null, closed ? t("closedB", { t: when(new Date(info.next_open_at)) }) : t("awayB", { t: dur(info.expected_response_minutes) })));
    if (st.emailKnown) { o.appendChild(el("p", null, t("thanks"))).style.margin = "0"; return o; }
    var f = el("form", "ef"), i = el("input"), b = el("button", null, t("emailBtn"));
    i.type = "email"; i.placeholder = t("emailPh"); i.required = true; i.autocomplete = "email"; i.value = ui.emailDraft || "";
    i.oninput = function () { ui.emailDraft = i.value; };
    f.append(i, b);
    f.onsubmit = function (e) {
      e.preventDefault();
      if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(i.value.trim())) return notice(t("emailBad"));
      b.disabled = true;
      http("POST", "/email", { email: i.value.trim(), name: opt("name", "") }).then(function () { st.emailKnown = true; save(); render(); }, function (e2) {
        b.disabled = false; notice(e2.code === "rate_limited" ? t("rate") : e2.code === "validation_error" ? t("emailBad") : t("upFail"));
      });
    };
    o.append(f);
    if (!wrote) o.style.marginTop = "8px";
    return o;
  }
  function badge() {
    var n = isOpen ? 0 : unread().length;
    ui.badge.hidden = !n; ui.badge.textContent = n > 9 ? "9+" : n;
  }

  /* ---- start ------------------------------------------------------------------------------------ */
  function start() {
    booted = true;
    // Messages not yet acknowledged before the last page load go out again with the same ids.
    st.outbox.forEach(local);
    refresh().then(connect, function () { later(); setTimeout(function () { if (!info) start(); }, 4000); });
  }
  function init() {
    build();
    W.addEventListener("online", reconnectNow);
    D.addEventListener("visibilitychange", function () { if (D.visibilityState === "visible") { reconnectNow(); markRead(); } });
    W.addEventListener("storage", function (e) { if (e.key === KEY && e.newValue) { try { var n = JSON.parse(e.newValue); st.emailKnown = n.emailKnown; } catch (x) { /* ignore */ } } });
    // Returning visitors reconnect at once (replies while away, unread badge); new ones on first open.
    if (st.token || isOpen) start();
    render();
  }
  W.Kefu = { v: 1, open: function () { toggle(true); }, close: function () { toggle(false); }, toggle: function () { toggle(); }, lang: LANG };
  function boot() {
    if (LANG === "en") return init();
    var done = false, go = function () { if (!done) { done = true; init(); } };
    setTimeout(go, 2500);  // a slow pack must not keep the chat away: English until it comes
    fetch(BASE + "/widget/i18n/" + LANG + ".json", { credentials: "omit" }).then(function (r) { return r.json(); })
      .then(function (p) { PACK = p || {}; if (done) render(); go(); }, go);
  }
  if (D.body) boot(); else D.addEventListener("DOMContentLoaded", boot);
})();
