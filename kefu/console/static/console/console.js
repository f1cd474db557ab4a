// The agent console's behaviour. The server renders every row, message and header; events
// from the websocket only say *what* changed, and this script asks the server for the fresh
// fragment. Inserts are idempotent (by id) and placed by sort key, so a replayed or
// reordered event never doubles or misplaces anything.

import { ConsoleSocket } from "./socket.js";
import { alertSound } from "./sound.js";

const boot = JSON.parse(document.getElementById("kefu-boot").textContent);
const S = boot.strings;
const ME = boot.me;
const CSRF = JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
const fmt = (s, vals = {}) => s.replace(/%\((\w+)\)[sd]/g, (_, k) => vals[k] ?? "");
const $ = (sel, root = document) => root.querySelector(sel);
const $$ = (sel, root = document) => [...root.querySelectorAll(sel)];

htmx.config.historyCacheSize = 0; // back/forward reload the page: no stale snapshot of live data
htmx.config.refreshOnHistoryMiss = true;
htmx.config.defaultSettleDelay = 0;

// --- small helpers ------------------------------------------------------------------------------

function toast(text, kind = "") {
  const el = document.createElement("div");
  el.className = `toast ${kind}`;
  el.textContent = text;
  $("#toasts").append(el);
  setTimeout(() => el.remove(), kind === "error" ? 7000 : 3500);
}

async function request(url, opts = {}) {
  const res = await fetch(url, {
    credentials: "same-origin",
    ...opts,
    headers: { "HX-Request": "true", "X-CSRFToken": CSRF, ...(opts.headers || {}) },
  });
  if (res.status === 401) {
    location.href = `/login/?next=${encodeURIComponent(location.pathname + location.search)}`;
    throw new Error("signed out");
  }
  return res;
}

async function fragment(url) {
  const res = await request(url);
  if (!res.ok) throw new Error(`${res.status} ${url}`);
  const tpl = document.createElement("template");
  tpl.innerHTML = await res.text();
  return tpl.content;
}

async function errorText(res) {
  try {
    const data = await res.clone().json();
    return data?.error?.message || S.error;
  } catch {
    return (await res.text()) || S.error;
  }
}

const workspace = () => $("#workspace");
const openId = () => workspace()?.dataset.conversationId || null;
const list = () => $("#list");

// --- relative times ------------------------------------------------------------------------------

function span(seconds) {
  const minutes = Math.floor(seconds / 60);
  if (minutes < 1) return S.now;
  if (minutes < 60) return fmt(S.u_min, { n: minutes });
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return fmt(S.u_h, { n: hours });
  return fmt(S.u_d, { n: Math.floor(hours / 24) });
}

function refreshTimes(root = document) {
  const now = Date.now();
  for (const el of $$("[data-rel]", root)) {
    const seconds = (now - Date.parse(el.getAttribute("datetime"))) / 1000;
    if (Number.isNaN(seconds)) continue;
    if (el.dataset.rel === "waiting") {
      el.textContent = fmt(S.waiting, { t: span(seconds) });
      el.classList.remove("w-calm", "w-warn", "w-late");
      el.classList.add(seconds < 300 ? "w-calm" : seconds < 1800 ? "w-warn" : "w-late");
    } else {
      el.textContent = span(seconds);
    }
  }
  for (const el of $$("[data-sla-due]", root)) {
    // Running SLA clocks tick here; the sla.warned/sla.breached events re-render the badge.
    const left = (Date.parse(el.dataset.slaDue) - now) / 1000;
    if (!Number.isNaN(left)) el.textContent = span(Math.abs(left));
  }
  for (const el of $$(".local-time[data-tz]", root)) {
    try {
      el.textContent = new Intl.DateTimeFormat(boot.lang, {
        timeZone: el.dataset.tz, hour: "2-digit", minute: "2-digit",
      }).format(new Date());
    } catch {
      el.textContent = "";
    }
  }
}
setInterval(refreshTimes, 30000);

// --- list: live rows ---------------------------------------------------------------------------------

const pendingRows = new Set();
const touched = new Map(); // conversation id -> when an event last touched it
let rowsTimer = null;

function scheduleRow(id) {
  pendingRows.add(id);
  touched.set(id, Date.now());
  if (!rowsTimer) rowsTimer = setTimeout(flushRows, 100);
}

async function flushRows() {
  rowsTimer = null;
  const ids = [...pendingRows];
  pendingRows.clear();
  const current = list();
  if (!ids.length || !current) return;
  const query = current.dataset.query;
  let content;
  try {
    content = await fragment(`/console/rows/?${query}${query ? "&" : ""}ids=${ids.join(",")}`);
  } catch {
    ids.forEach((id) => pendingRows.add(id));
    rowsTimer = setTimeout(flushRows, 2000);
    return;
  }
  if (list() !== current) return; // the list was reloaded meanwhile; it re-asks (see afterSwap)
  const fresh = new Map($$("li.row", content).map((li) => [li.dataset.id, li]));
  for (const id of ids) placeRow(id, fresh.get(id));
  $(".list-empty", current).hidden = !!$("li.row", current);
}

function placeRow(id, el) {
  const rows = $("#rows");
  const old = rows.querySelector(`:scope > li.row[data-id="${id}"]`);
  if (!el) {
    old?.remove();
    return;
  }
  const desc = list().dataset.sort !== "waiting";
  const key = el.dataset.sort;
  const moved = !old || old.dataset.sort !== key;
  if (old?.classList.contains("active")) el.classList.add("active");
  if (old?.classList.contains("kb-focus")) el.classList.add("kb-focus");
  if (openId() === id) {
    el.classList.add("active");
    el.classList.remove("unread");
    const badge = $(".unread-badge", el);
    if (badge) badge.hidden = true;
  }
  old?.remove();
  const before = $$(":scope > li.row", rows).find((r) => (desc ? r.dataset.sort < key : r.dataset.sort > key));
  const more = rows.querySelector(":scope > li.load-more");
  if (!before && more) return; // sorts after the loaded page: "Load more" brings it
  rows.insertBefore(el, before || more || null);
  htmx.process(el);
  refreshTimes(el);
  if (moved) {
    el.classList.add("flash");
    setTimeout(() => el.classList.remove("flash"), 1300);
  }
}

// --- view counts ----------------------------------------------------------------------------------

let countsTimer = null;
function scheduleCounts() {
  clearTimeout(countsTimer);
  countsTimer = setTimeout(loadCounts, 700);
}

async function loadCounts() {
  try {
    const res = await request("/console/counts/");
    if (!res.ok) return;
    applyCounts((await res.json()).views);
  } catch {
    /* next event or reconnect tries again */
  }
}

function applyCounts(views) {
  for (const v of views) {
    for (const el of $$(`[data-view="${v.key}"]`)) {
      const unread = $(".view-unread", el);
      if (unread) {
        unread.textContent = v.unread;
        unread.dataset.unread = v.unread;
        unread.hidden = !v.unread;
      }
      const total = $(".view-total", el);
      if (total) total.textContent = v.total;
    }
  }
  mineUnread = views.find((v) => v.key === "mine")?.unread || 0;
  setTitle();
}

let mineUnread = 0;
const TITLE = document.title.replace(/^#\d+ · /, "");
function setTitle() {
  const number = workspace()?.dataset.number;
  document.title = `${mineUnread ? `(${mineUnread}) ` : ""}${number ? `#${number} · ` : ""}${TITLE}`;
}

// --- thread: live messages -----------------------------------------------------------------------

const pendingMsgs = new Set();
const recentMsgs = new Map(); // conversation id -> Set of message ids seen in events lately
const delivery = new Map(); // message id -> latest delivery status from events
let msgsTimer = null;

function noteRecent(cid, mid) {
  if (!recentMsgs.has(cid)) recentMsgs.set(cid, new Set());
  const set = recentMsgs.get(cid);
  set.add(mid);
  setTimeout(() => set.delete(mid), 15000);
}

function queueMessage(mid) {
  if (document.getElementById(`m-${mid}`)) return;
  pendingMsgs.add(mid);
  if (!msgsTimer) msgsTimer = setTimeout(flushMessages, 30);
}

async function flushMessages() {
  msgsTimer = null;
  const cid = openId();
  const ids = [...pendingMsgs].filter((id) => !document.getElementById(`m-${id}`));
  pendingMsgs.clear();
  if (!cid || !ids.length) return;
  let content;
  try {
    content = await fragment(`/console/conversations/${cid}/messages/?ids=${ids.join(",")}`);
  } catch {
    ids.forEach((id) => pendingMsgs.add(id));
    msgsTimer = setTimeout(flushMessages, 2000);
    return;
  }
  if (openId() !== cid) return;
  const thread = $("#thread");
  const nearBottom = thread.scrollHeight - thread.scrollTop - thread.clientHeight < 120;
  for (const el of $$("article.msg", content)) {
    if (document.getElementById(el.id)) continue;
    const key = el.dataset.sort;
    const before = $$(":scope > article.msg", thread).find((m) => m.dataset.sort > key);
    $(".thread-empty", thread)?.remove();
    thread.insertBefore(el, before || null);
    el.classList.add("fresh");
    if (delivery.has(el.dataset.id)) setDelivery(el.dataset.id, delivery.get(el.dataset.id));
  }
  if (nearBottom) thread.scrollTop = thread.scrollHeight;
}

function setDelivery(mid, status) {
  delivery.set(mid, status);
  const el = document.querySelector(`#m-${CSS.escape(mid)} .delivery`);
  if (!el) return;
  const order = ["pending", "sent", "delivered", "read"];
  if (status !== "failed" && order.indexOf(status) < order.indexOf(el.dataset.delivery)) return;
  el.dataset.delivery = status;
  $(".d-text", el).textContent = S[`d_${status}`] || status;
}

// --- header ----------------------------------------------------------------------------------------

let headerTimer = null;
async function refreshHeader() {
  clearTimeout(headerTimer);
  const cid = openId();
  const header = $("#conv-header");
  if (!cid || !header) return;
  // Don't pull a menu or a half-typed tag from under the agent's hands; retry shortly.
  if ($("details[open]", header) || header.contains(document.activeElement)) {
    headerTimer = setTimeout(refreshHeader, 1500);
    return;
  }
  try {
    const content = await fragment(`/console/conversations/${cid}/header/`);
    const fresh = $("#conv-header", content);
    if (openId() !== cid || !fresh) return;
    $("#conv-header").replaceWith(fresh);
    htmx.process(fresh);
    headerChanged();
  } catch {
    /* the next event refreshes it */
  }
}

function headerChanged() {
  const header = $("#conv-header");
  const ws = workspace();
  if (!header || !ws) return;
  ws.dataset.status = header.dataset.status;
  ws.dataset.assignee = header.dataset.assignee;
  const closed = header.dataset.status === "closed";
  const composer = $("#composer");
  if (composer) {
    $("#composer-body").disabled = closed;
    $("#composer-send").disabled = closed;
    composer.classList.toggle("closed", closed);
  }
  refreshTimes(header);
  scheduleRow(ws.dataset.conversationId);
}

async function reloadThread() {
  const cid = openId();
  if (!cid) return;
  try {
    const content = await fragment(`/console/conversations/${cid}/thread/`);
    if (openId() !== cid) return;
    const thread = $("#thread");
    thread.replaceChildren(content);
    thread.scrollTop = thread.scrollHeight;
  } catch {
    /* retried on the next resync */
  }
}

// --- seen / unread ---------------------------------------------------------------------------------

const tabs = "BroadcastChannel" in window ? new BroadcastChannel("kefu-console") : null;
tabs?.addEventListener("message", (e) => {
  if (e.data?.seen) {
    scheduleRow(e.data.seen);
    scheduleCounts();
  }
});

async function markSeen(cid) {
  try {
    await request(`/console/conversations/${cid}/seen/`, { method: "POST" });
  } catch {
    return;
  }
  tabs?.postMessage({ seen: cid });
  scheduleRow(cid);
  scheduleCounts();
}

// --- signals: typing, viewing, collisions ------------------------------------------------------------

const customerTyping = new Map(); // conversation id -> expiry
const agentsViewing = new Map(); // conversation id -> Map(agent id -> {name, until})
const agentsReplying = new Map();

function signalMap(map, cid) {
  if (!map.has(cid)) map.set(cid, new Map());
  return map.get(cid);
}

function onSignal(msg) {
  const cid = msg.conversation_id;
  if (!cid) return;
  if (msg.who === "customer") {
    if (msg.on) customerTyping.set(cid, Date.now() + 6000);
    else customerTyping.delete(cid);
  } else if (msg.agent && msg.agent.id !== ME.id) {
    const map = signalMap(msg.type === "typing" ? agentsReplying : agentsViewing, cid);
    if (msg.on) {
      map.set(msg.agent.id, {
        name: msg.agent.display_name,
        until: Date.now() + (msg.type === "typing" ? 6000 : 40000),
      });
    } else {
      map.delete(msg.agent.id);
    }
  }
  renderPresenceLines();
}

function names(entries) {
  const list = entries.map((e) => e.name);
  return list.length <= 1 ? list.join("") : `${list.slice(0, -1).join(", ")}${S.and}${list.at(-1)}`;
}

function live(map, cid) {
  const now = Date.now();
  const m = map.get(cid);
  if (!m) return [];
  for (const [id, v] of m) if (v.until < now) m.delete(id);
  return [...m.values()];
}

function renderPresenceLines() {
  const cid = openId();
  const line = $("#typing-line");
  if (line) {
    const typing = cid && (customerTyping.get(cid) || 0) > Date.now();
    line.textContent = typing ? fmt(S.customer_typing, { name: workspace().dataset.contact }) : "";
  }
  const banner = $("#collision");
  if (!banner) return;
  const replying = live(agentsReplying, cid);
  const viewing = live(agentsViewing, cid).filter((v) => !replying.some((r) => r.name === v.name));
  if (replying.length) {
    banner.textContent = replying.length === 1
      ? fmt(S.replying_one, { name: replying[0].name })
      : fmt(S.replying_many, { names: names(replying) });
    banner.className = "collision replying";
    banner.hidden = false;
  } else if (viewing.length) {
    banner.textContent = viewing.length === 1
      ? fmt(S.viewing_one, { name: viewing[0].name })
      : fmt(S.viewing_many, { names: names(viewing) });
    banner.className = "collision";
    banner.hidden = false;
  } else {
    banner.hidden = true;
  }
}
setInterval(renderPresenceLines, 1000);

// What this agent sends: typing (reply mode only: the signal also reaches the customer, so
// writing a private note must not show "agent is typing" in the widget) and viewing.
let typingFor = null;
let typingSentAt = 0;
let typingIdle = null;

function typingOn() {
  const cid = openId();
  if (!cid || $("#composer")?.dataset.mode !== "reply") return;
  if (typingFor !== cid || Date.now() - typingSentAt > 3000) {
    if (typingFor && typingFor !== cid) typingOff();
    sock.send({ type: "typing", conversation_id: cid, on: true });
    typingFor = cid;
    typingSentAt = Date.now();
  }
  clearTimeout(typingIdle);
  typingIdle = setTimeout(typingOff, 4000);
}

function typingOff() {
  clearTimeout(typingIdle);
  if (typingFor) sock.send({ type: "typing", conversation_id: typingFor, on: false });
  typingFor = null;
  typingSentAt = 0;
}

let viewingFor = null;
function viewingSend() {
  const cid = openId();
  if (viewingFor && viewingFor !== cid) sock.send({ type: "viewing", conversation_id: viewingFor, on: false });
  viewingFor = cid;
  if (cid && document.visibilityState === "visible") sock.send({ type: "viewing", conversation_id: cid, on: true });
}
setInterval(viewingSend, 15000);
document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "visible") {
    viewingSend();
    if (openId()) markSeen(openId());
  } else if (viewingFor) {
    sock.send({ type: "viewing", conversation_id: viewingFor, on: false });
  }
});
window.addEventListener("pagehide", () => {
  typingOff();
  if (viewingFor) sock.send({ type: "viewing", conversation_id: viewingFor, on: false });
});

// --- notifications -----------------------------------------------------------------------------------

const NOTIFY_KEY = "kefu.console.notify";
const notifyOn = () => localStorage.getItem(NOTIFY_KEY) !== "0";

function renderNotify() {
  const btn = $("#notify-btn");
  btn.dataset.on = notifyOn() ? "1" : "0";
  $("#notify-state").textContent = notifyOn() ? S.notify_on : S.notify_off;
}

$("#notify-btn").addEventListener("click", async () => {
  const on = !notifyOn();
  localStorage.setItem(NOTIFY_KEY, on ? "1" : "0");
  if (on && "Notification" in window && Notification.permission === "default") {
    await Notification.requestPermission();
  }
  if (on && "Notification" in window && Notification.permission === "denied") toast(S.notifications_blocked);
  if (on) alertSound();
  renderNotify();
});

function notifyMessage(payload) {
  const m = payload.message;
  const conv = payload.conversation;
  if (!notifyOn() || !conv || conv.assignee?.id !== ME.id) return;
  const looking = openId() === conv.id && document.visibilityState === "visible" && document.hasFocus();
  if (looking) return;
  alertSound();
  if ("Notification" in window && Notification.permission === "granted") {
    const n = new Notification(fmt(S.new_message, { name: conv.contact.name }), {
      body: m.body.slice(0, 160) || "📎",
      tag: `kefu-${conv.id}`,
    });
    n.onclick = () => {
      window.focus();
      openConversation(conv.id);
      n.close();
    };
  }
}

// --- events -------------------------------------------------------------------------------------------

function onEvent(msg) {
  const p = msg.payload;
  const cid = p.conversation?.id || p.message?.conversation_id || p.conversation_id;
  if (msg.event === "message.created") {
    const m = p.message;
    noteRecent(m.conversation_id, m.id);
    if (m.conversation_id === openId()) {
      queueMessage(m.id);
      if (m.direction === "incoming") {
        customerTyping.delete(m.conversation_id);
        renderPresenceLines();
      }
      if (document.visibilityState === "visible") markSeen(m.conversation_id);
      refreshHeader();
    }
    if (m.direction === "incoming" && !m.private) notifyMessage(p);
    scheduleRow(m.conversation_id);
    scheduleCounts();
  } else if (msg.event.startsWith("conversation.")) {
    scheduleRow(cid);
    scheduleCounts();
    if (cid === openId()) refreshHeader();
  } else if (msg.event.startsWith("sla.")) {
    // An SLA clock warned or breached: the row and header show clocks (kefu/sla).
    scheduleRow(cid);
    if (cid === openId()) refreshHeader();
  } else if (["message.delivered", "message.read", "message.failed"].includes(msg.event)) {
    setDelivery(p.message_id, p.delivery_status);
  } else if (msg.event.startsWith("announcement.")) {
    refreshAnnouncements();
  }
}

// --- announcements (phishing waves, maintenance): live, dismissible per version ----------------------

const DISMISSED_KEY = "kefu.console.dismissed-announcements";
let announcementsTimer = null;

function dismissedSet() {
  try {
    return new Set(JSON.parse(localStorage.getItem(DISMISSED_KEY) || "[]"));
  } catch {
    return new Set();
  }
}

function setupAnnouncements() {
  const box = $("#announcements");
  if (!box) return;
  const dismissed = dismissedSet();
  for (const el of $$(".announcement", box)) {
    // A changed announcement has a new version and shows again, even if this one was hidden.
    el.hidden = dismissed.has(el.dataset.version);
  }
  clearTimeout(announcementsTimer);
  const next = Date.parse(box.dataset.nextChange || "");
  if (!Number.isNaN(next)) {
    // One starts or ends by the clock: re-render then (setTimeout caps near 24.8 days).
    const wait = Math.min(Math.max(next - Date.now(), 0) + 500, 2 ** 31 - 1);
    announcementsTimer = setTimeout(refreshAnnouncements, wait);
  }
}

async function refreshAnnouncements() {
  let content;
  try {
    content = await fragment("/console/announcements/");
  } catch {
    return; // the next event, or the next page load, brings them
  }
  $("#announcements")?.replaceWith(content);
  setupAnnouncements();
}

document.addEventListener("click", (e) => {
  const item = e.target.closest?.("#announcements .announcement");
  if (!item) return;
  if (e.target.closest(".a-dismiss")) {
    const dismissed = dismissedSet();
    dismissed.add(item.dataset.version);
    try {
      localStorage.setItem(DISMISSED_KEY, JSON.stringify([...dismissed].slice(-50)));
    } catch {
      /* storage disabled: hidden until the next reload */
    }
    item.hidden = true;
  } else if (e.target.closest(".a-text")) {
    const open = item.classList.toggle("expanded");
    $(".a-text", item).setAttribute("aria-expanded", String(open));
  }
});
setupAnnouncements();

function onResync() {
  toast(S.resynced);
  reloadList();
  reloadThread();
  refreshHeader();
  scheduleCounts();
  refreshAnnouncements();
}

function reloadList() {
  const form = $("#filters");
  if (form) htmx.trigger(form, "submit");
}

const connText = { connecting: S.connecting, live: S.live, reconnecting: S.reconnecting, offline: S.offline };
const sock = new ConsoleSocket({
  url: `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws/console/`,
  cursors: boot.cursors,
  onEvent,
  onSignal,
  onResync,
  onState: (state) => {
    const el = $("#conn");
    el.dataset.state = state;
    $(".conn-text", el).textContent = connText[state] || state;
  },
  onHello: () => {
    viewingFor = null;
    viewingSend();
  },
});

// --- opening conversations -------------------------------------------------------------------------

function openConversation(cid) {
  const row = $(`#rows li.row[data-id="${cid}"] .row-link`);
  if (row) {
    row.click();
    return;
  }
  htmx.ajax("GET", `/console/conversations/${cid}/`, { target: "#workspace", swap: "outerHTML" }).then(() => {
    history.pushState({}, "", `/console/conversations/${cid}/${location.search}`);
  });
}

let shownId = null;
function workspaceLoaded() {
  const cid = openId();
  if (shownId && shownId !== cid) typingOff();
  shownId = cid;
  document.body.classList.toggle("has-conversation", !!cid);
  document.body.classList.remove("sidebar-open");
  for (const row of $$("#rows li.row")) {
    const active = row.dataset.id === cid;
    row.classList.toggle("active", active);
    if (active) {
      row.classList.remove("unread");
      const badge = $(".unread-badge", row);
      if (badge) badge.hidden = true;
    }
  }
  viewingSend();
  renderPresenceLines();
  refreshTimes(workspace());
  setTitle();
  if (!cid) return;
  const thread = $("#thread");
  thread.scrollTop = thread.scrollHeight;
  setMode($("#composer")?.dataset.mode || "reply", false);
  markSeen(cid);
  // Messages whose events arrived while this pane was loading may not be in it.
  for (const mid of recentMsgs.get(cid) || []) queueMessage(mid);
}

// htmx:load fires on the root of every swapped-in fragment.
document.body.addEventListener("htmx:load", (e) => {
  const id = e.detail.elt.id;
  if (id === "workspace") workspaceLoaded();
  else if (id === "conv-header") headerChanged();
  else if (id === "list") listLoaded();
});
document.body.addEventListener("htmx:afterRequest", (e) => {
  // The tag box keeps focus after adding, so several tags go in one after another.
  if (e.detail.successful && e.detail.elt.classList?.contains("tag-form")) $(".tag-form input")?.focus();
});

document.body.addEventListener("htmx:responseError", async (e) => {
  const xhr = e.detail.xhr;
  toast(xhr.responseText && xhr.responseText.length < 400 ? xhr.responseText : S.error, "error");
});
document.body.addEventListener("htmx:sendError", () => toast(S.error, "error"));
document.body.addEventListener("htmx:beforeRequest", (e) => {
  // A menu closes as soon as one of its items is chosen.
  e.detail.elt.closest?.("details.menu")?.removeAttribute("open");
  if (e.detail.target?.id === "list") e.detail.target.classList.add("loading");
});
document.body.addEventListener("htmx:configRequest", (e) => {
  const p = e.detail.parameters;
  // datetime-local has no zone: the agent means their browser's local time.
  const local = p instanceof FormData ? p.get("snooze_local") : p.snooze_local;
  if (local) {
    const iso = new Date(local).toISOString();
    if (p instanceof FormData) p.set("snoozed_until", iso);
    else p.snoozed_until = iso;
  }
});

function listLoaded() {
  const l = list();
  if (!l) return;
  const query = l.dataset.query;
  history.replaceState(history.state, "", `${location.pathname}${query ? `?${query}` : ""}`);
  for (const el of $$("[data-view]")) {
    if (el.closest("#list")) continue;
    const active = el.dataset.view === l.dataset.view;
    el.classList.toggle("active", active);
    if (el.tagName === "A") {
      if (active) el.setAttribute("aria-current", "page");
      else el.removeAttribute("aria-current");
    }
  }
  if (l.dataset.counts) {
    applyCounts(l.dataset.counts.split(",").map((s) => {
      const [key, total, unread] = s.split(":");
      return { key, total: +total, unread: +unread };
    }));
  }
  const cid = openId();
  for (const row of $$("#rows li.row")) row.classList.toggle("active", row.dataset.id === cid);
  refreshTimes(l);
  // Events that arrived while the list was loading may not be in it: ask for those rows again.
  const since = Date.now() - 10000;
  for (const [id, at] of touched) {
    if (at >= since) scheduleRow(id);
    else touched.delete(id);
  }
}

// Views: the nav and the narrow-screen tabs set the form's view and reload the list.
for (const el of $$("[data-view]")) {
  if (el.closest("#list")) continue;
  el.addEventListener("click", (e) => {
    e.preventDefault();
    const form = $("#filters");
    form.elements.view.value = el.dataset.view;
    htmx.trigger(form, "submit");
  });
}

// --- composer ----------------------------------------------------------------------------------------

const files = []; // {name, size, content_base64}

function setMode(mode, focus = true) {
  const composer = $("#composer");
  if (!composer || !$(`.tab[data-mode="${mode}"]`, composer)) return;
  if (mode === "note") typingOff();
  composer.dataset.mode = mode;
  const body = $("#composer-body");
  body.placeholder = mode === "note" ? body.dataset.placeholderNote : body.dataset.placeholderReply;
  $("#composer-send").textContent = mode === "note" ? S.add_note : S.send;
  if (focus) body.focus();
}

function renderFiles() {
  const ul = $("#composer-files");
  if (!ul) return;
  ul.replaceChildren(...files.map((f, i) => {
    const li = document.createElement("li");
    const name = document.createElement("span");
    name.className = "ellip";
    name.textContent = f.name;
    const x = document.createElement("button");
    x.type = "button";
    x.textContent = "×";
    x.setAttribute("aria-label", `remove ${f.name}`);
    x.onclick = () => {
      files.splice(i, 1);
      renderFiles();
    };
    li.append(name, x);
    return li;
  }));
}

function addFiles(list) {
  for (const file of list) {
    if (file.size > boot.attachment_max_bytes) {
      toast(fmt(S.too_large, { name: file.name, max: Math.round(boot.attachment_max_bytes / 1048576) }), "error");
      continue;
    }
    const reader = new FileReader();
    reader.onload = () => {
      files.push({ name: file.name || "pasted.png", size: file.size, content_base64: String(reader.result).split(",", 2)[1] || "" });
      renderFiles();
    };
    reader.readAsDataURL(file);
  }
}

// Email conversations: the reply box's Cc and Bcc fields, comma-separated addresses.
function emailCopies() {
  const split = (input) => (input?.value || "").split(",").map((a) => a.trim()).filter(Boolean);
  const cc = split($("#composer-cc"));
  const bcc = split($("#composer-bcc"));
  return cc.length || bcc.length ? { cc, bcc } : {};
}

// The safety guard refused the reply: show why, and offer an audited override with a reason.
function guardShow(error) {
  const panel = $("#guard");
  if (!panel) return;
  $("#guard-list").replaceChildren(...(error.violations || []).map((v) => {
    const li = document.createElement("li");
    li.textContent = v.message;
    li.dataset.rule = v.rule;
    return li;
  }));
  $("#guard-override").hidden = !error.overridable;
  $("#guard-reason").value = "";
  panel.hidden = false;
}

function guardHide() {
  for (const panel of [$("#guard"), $("#draft-guard")]) if (panel) panel.hidden = true;
}

async function send(overrideReason = "") {
  const composer = $("#composer");
  const cid = openId();
  const body = $("#composer-body");
  const button = $("#composer-send");
  if (!composer || !cid || button.disabled) return;
  const text = body.value.trim();
  if (!text && !files.length) return;
  const mode = composer.dataset.mode;
  button.disabled = true;
  button.textContent = S.sending;
  typingOff();
  try {
    const res = await request(`/api/v1/conversations/${cid}/${mode === "note" ? "notes" : "messages"}`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        body: text,
        attachments: files.map((f) => ({ filename: f.name, content_base64: f.content_base64 })),
        ...(mode === "note" ? {} : emailCopies()),
        ...(overrideReason && mode !== "note" ? { override_reason: overrideReason } : {}),
      }),
    });
    if (!res.ok) {
      const data = await res.clone().json().catch(() => null);
      if (data?.error?.code === "guard_blocked" && data.error.violations) guardShow(data.error);
      else toast(await errorText(res), "error");
      return;
    }
    guardHide();
    const message = await res.json();
    if (openId() === cid) {
      body.value = "";
      for (const input of [$("#composer-cc"), $("#composer-bcc")]) if (input) input.value = "";
      files.length = 0;
      renderFiles();
      autosize(body);
      queueMessage(message.id); // shown at once, even before its event arrives
    }
  } catch {
    toast(S.error, "error");
  } finally {
    button.disabled = workspace()?.dataset.status === "closed";
    button.textContent = composer.dataset.mode === "note" ? S.add_note : S.send;
  }
}

function autosize(el) {
  el.style.height = "auto";
  el.style.height = `${Math.min(el.scrollHeight, window.innerHeight * 0.4)}px`;
}

document.addEventListener("click", (e) => {
  if (e.target.id !== "guard-send") return;
  const reason = $("#guard-reason").value.trim();
  if (!reason) {
    $("#guard-reason").focus();
    return;
  }
  send(reason);
});
document.addEventListener("submit", (e) => {
  if (e.target.id === "composer") {
    e.preventDefault();
    send();
  }
});
document.addEventListener("keydown", (e) => {
  if (e.target.id !== "composer-body") return;
  // isComposing: Enter that confirms an IME candidate (Chinese, Japanese...) must not send.
  if (e.key === "Enter" && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
    e.preventDefault();
    send();
  }
});
document.addEventListener("input", (e) => {
  if (e.target.id === "composer-body") {
    autosize(e.target);
    if (e.target.value.trim()) typingOn();
    else typingOff();
  }
  if (e.target.classList.contains("menu-filter")) {
    const q = e.target.value.toLowerCase();
    for (const item of $$(".menu-item[data-filter]", e.target.closest(".menu-panel"))) {
      item.hidden = !item.dataset.filter.includes(q);
    }
  }
});
document.addEventListener("change", (e) => {
  if (e.target.id === "composer-file") {
    addFiles(e.target.files);
    e.target.value = "";
  }
});
document.addEventListener("paste", (e) => {
  if (e.target.id === "composer-body" && e.clipboardData?.files?.length) {
    e.preventDefault();
    addFiles(e.clipboardData.files);
  }
});
document.addEventListener("dragover", (e) => {
  const composer = e.target.closest?.("#composer");
  if (composer) {
    e.preventDefault();
    composer.classList.add("dragover");
  }
});
document.addEventListener("dragleave", (e) => e.target.closest?.("#composer")?.classList.remove("dragover"));
document.addEventListener("drop", (e) => {
  const composer = e.target.closest?.("#composer");
  if (composer && e.dataTransfer?.files?.length) {
    e.preventDefault();
    composer.classList.remove("dragover");
    addFiles(e.dataTransfer.files);
  }
});

// --- clicks: tabs, menus, sidebar, copy, help -------------------------------------------------------------

document.addEventListener("click", (e) => {
  const tab = e.target.closest("#composer .tab");
  if (tab) setMode(tab.dataset.mode);
  if (e.target.closest("#sidebar-toggle")) document.body.classList.toggle("sidebar-open");
  const copy = e.target.closest("[data-copy]");
  if (copy) navigator.clipboard?.writeText(copy.dataset.copy).then(() => toast(S.copied));
  if (e.target.closest("#help-btn, #help-hint")) toggleHelp();
  if (e.target.closest("#help [data-close]")) $("#help").close();
  // Clicking outside closes open menus.
  for (const d of $$("details.menu[open]")) if (!d.contains(e.target)) d.removeAttribute("open");
});

function toggleHelp() {
  const help = $("#help");
  if (help.open) help.close();
  else help.showModal();
}

// --- keyboard shortcuts (documented in the help overlay and docs/console.md) ----------------------------

function moveSelection(step) {
  const rows = $$("#rows li.row");
  if (!rows.length) return;
  const current = rows.findIndex((r) => r.classList.contains("active"));
  const next = rows[Math.max(0, Math.min(rows.length - 1, current + step))];
  if (current === -1 && step < 0) return;
  if (next && !next.classList.contains("active")) {
    next.scrollIntoView({ block: "nearest" });
    $(".row-link", next).click();
  }
}

document.addEventListener("keydown", (e) => {
  if (e.key === "Escape") {
    for (const d of $$("details.menu[open]")) d.removeAttribute("open");
    document.body.classList.remove("sidebar-open");
    if (document.activeElement?.matches("input, textarea, select")) document.activeElement.blur();
    return;
  }
  if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
  if (e.target.closest?.("input, textarea, select, [contenteditable]")) return;
  if ($("#help").open && e.key !== "?") return;
  const actions = {
    j: () => moveSelection(1),
    k: () => moveSelection(-1),
    r: () => setMode("reply"),
    n: () => setMode("note"),
    e: () => $("#resolve-btn")?.click(),
    a: () => $("#assign-me")?.click(),
    "/": () => $("#q").focus(),
    "?": toggleHelp,
  };
  const action = actions[e.key];
  if (action) {
    e.preventDefault();
    action();
  }
});

// --- presence ------------------------------------------------------------------------------------------------

$("#presence").addEventListener("change", async (e) => {
  const select = e.target;
  const label = select.closest(".presence");
  const previous = label.dataset.presence;
  label.dataset.presence = select.value;
  try {
    const res = await request("/api/v1/agents/me/presence", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ presence: select.value }),
    });
    if (!res.ok) throw new Error(await errorText(res));
    const name = { online: S.online, away: S.away, offline: S.offline_presence }[select.value];
    toast(fmt(S.presence_saved, { presence: name }));
  } catch (err) {
    label.dataset.presence = previous;
    select.value = previous;
    toast(err.message || S.error, "error");
  }
});

// --- start ----------------------------------------------------------------------------------------------------

renderNotify();
refreshTimes();
workspaceLoaded();
listLoaded();
sock.connect();
window.kefuConsole = { socket: sock }; // for the browser tests and the curious

/* ---- help center from the reply box ------------------------------------------------------ */

function insertIntoComposer(text) {
  const body = $("#composer-body");
  if (!body || body.disabled) return;
  const start = body.selectionStart ?? body.value.length;
  const end = body.selectionEnd ?? body.value.length;
  const before = body.value.slice(0, start);
  const sep = before && !before.endsWith("\n") && !before.endsWith(" ") ? " " : "";
  body.value = before + sep + text + body.value.slice(end);
  const caret = (before + sep + text).length;
  body.focus();
  body.setSelectionRange(caret, caret);
  body.dispatchEvent(new Event("input", { bubbles: true }));
}

document.addEventListener("click", (e) => {
  const toggle = e.target.closest("#kb-toggle");
  if (toggle) {
    const panel = $("#kb-panel");
    panel.hidden = !panel.hidden;
    toggle.setAttribute("aria-expanded", String(!panel.hidden));
    if (!panel.hidden) panel.querySelector(".kb-q").focus();
    return;
  }
  const insert = e.target.closest("[data-kb-insert]");
  if (!insert) return;
  if (insert.dataset.kbInsert === "link") {
    insertIntoComposer(`${insert.dataset.kbTitle}: ${insert.dataset.kbUrl}`);
  } else {
    insertIntoComposer(insert.dataset.kbText);
  }
});

// Enter in the help-center search must not send the reply it sits in: it searches at once.
document.addEventListener("keydown", (e) => {
  if (e.key !== "Enter" || !e.target.classList?.contains("kb-q")) return;
  e.preventDefault();
  kbSearch(e.target, 0);
});
document.addEventListener("input", (e) => {
  if (e.target.classList?.contains("kb-q")) kbSearch(e.target, 250);
});

let kbTimer = null;
function kbSearch(input, wait) {
  clearTimeout(kbTimer);
  kbTimer = setTimeout(async () => {
    const q = input.value.trim();
    if (q === input.dataset.asked) return;
    input.dataset.asked = q;
    try {
      const content = await fragment(`${input.dataset.kbUrl}?q=${encodeURIComponent(q)}`);
      // Only the answer to what the box says now: a slower, older answer is dropped.
      if (input.dataset.asked !== q || !input.isConnected) return;
      $("#kb-results").replaceChildren(...content.childNodes);
    } catch {
      input.dataset.asked = "";
    }
  }, wait);
}

/* ---- draft reply with the language model (shown only when one is configured) -------------- */

// The draft lands in the reply box for the agent to edit; nothing is sent from here. When the
// safety guard would block it as it is, the reasons are shown above the box.
function draftGuardShow(violations) {
  const panel = $("#draft-guard");
  if (!panel) return;
  $("#draft-guard-list").replaceChildren(...violations.map((v) => {
    const li = document.createElement("li");
    li.textContent = v.message;
    li.dataset.rule = v.rule;
    return li;
  }));
  panel.hidden = false;
}

document.addEventListener("click", async (e) => {
  const button = e.target.closest("#draft-reply");
  if (!button || button.disabled) return;
  const cid = openId();
  const body = $("#composer-body");
  if (!cid || !body || body.disabled) return;
  const label = $(".draft-label", button);
  button.disabled = true;
  button.setAttribute("aria-busy", "true");
  label.textContent = S.drafting;
  guardHide();
  try {
    const res = await request(`/api/v1/conversations/${cid}/reply-draft`, { method: "POST" });
    if (!res.ok) {
      toast(await errorText(res), "error");
      return;
    }
    const draft = await res.json();
    if (openId() !== cid || !body.isConnected) return; // the agent moved on meanwhile
    if (draft.outcome !== "drafted") {
      toast(S.draft_none);
      return;
    }
    const typed = body.value.trimEnd();
    body.value = typed ? `${typed}\n\n${draft.body}` : draft.body;
    autosize(body);
    body.focus();
    body.setSelectionRange(body.value.length, body.value.length);
    if (draft.violations.length) draftGuardShow(draft.violations);
    else toast(S.draft_ready);
  } catch {
    toast(S.error, "error");
  } finally {
    button.disabled = false;
    button.removeAttribute("aria-busy");
    label.textContent = S.draft_reply;
  }
});
