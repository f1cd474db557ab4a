// The console's websocket: /ws/console/ (protocol: docs/subsystems/realtime.md).
//
// The server delivers every event of a followed stream once and in order, by seq. This side
// keeps the last seq per stream (memory + sessionStorage) and sends it in `resume` after every
// (re)connect, so a dropped connection costs nothing: the server replays what was missed.

const STORE_KEY = "kefu.console.cursors";
const MAX_BACKOFF_MS = 15000;

function loadStored() {
  try {
    return JSON.parse(sessionStorage.getItem(STORE_KEY) || "{}") || {};
  } catch {
    return {};
  }
}

export class ConsoleSocket {
  /**
   * @param {object} o
   * @param {string} o.url websocket URL
   * @param {Object<string, number>} o.cursors seqs the page's state was rendered at
   * @param {(msg: object) => void} o.onEvent a logged event, in order, once
   * @param {(msg: object) => void} o.onSignal typing / viewing
   * @param {(stream: string) => void} o.onResync the log cannot fill the gap: refetch state
   * @param {(state: string) => void} o.onState connecting | live | reconnecting | offline
   * @param {(hello: object) => void} o.onHello after each (re)connect
   */
  constructor(o) {
    this.o = o;
    // The page's cursors win over stored ones: the state on screen was read at those seqs.
    this.cursors = { ...loadStored(), ...o.cursors };
    this.save();
    this.ws = null;
    this.attempts = 0;
    this.timer = null;
    this.pingTimer = null;
    this.lastPong = 0;
    this.everLive = false;
    window.addEventListener("offline", () => this.drop("offline"));
    window.addEventListener("online", () => this.reconnectNow());
    document.addEventListener("visibilitychange", () => {
      if (document.visibilityState === "visible" && !this.isOpen()) this.reconnectNow();
    });
  }

  save() {
    try {
      sessionStorage.setItem(STORE_KEY, JSON.stringify(this.cursors));
    } catch {
      /* storage full or disabled: memory still holds the cursors */
    }
  }

  isOpen() {
    return this.ws && this.ws.readyState === WebSocket.OPEN;
  }

  connect() {
    clearTimeout(this.timer);
    if (!navigator.onLine) {
      this.o.onState("offline");
      return;
    }
    this.o.onState(this.everLive ? "reconnecting" : "connecting");
    const ws = new WebSocket(this.o.url);
    this.ws = ws;
    ws.onmessage = (e) => {
      if (ws !== this.ws) return;
      let msg;
      try {
        msg = JSON.parse(e.data);
      } catch {
        return;
      }
      this.handle(msg);
    };
    ws.onclose = (e) => {
      if (ws !== this.ws) return;
      this.stopPing();
      this.ws = null;
      if (e.code === 4401) {
        // Not signed in any more: the page's fetches will send the agent to the login form.
        this.o.onState("offline");
        location.reload();
        return;
      }
      this.schedule();
    };
  }

  handle(msg) {
    switch (msg.type) {
      case "hello": {
        const cursors = {};
        for (const [stream, latest] of Object.entries(msg.streams)) {
          // A stream we have no seq for (an inbox added since the page loaded) starts now.
          cursors[stream] = this.cursors[stream] ?? latest;
        }
        this.send({ type: "resume", cursors });
        this.attempts = 0;
        this.everLive = true;
        this.startPing((msg.heartbeat || 25) * 1000);
        this.o.onState("live");
        this.o.onHello(msg);
        break;
      }
      case "event": {
        const last = this.cursors[msg.stream] ?? 0;
        if (msg.seq <= last) return; // already applied (the server never sends it twice; be sure)
        this.cursors[msg.stream] = msg.seq;
        this.save();
        this.o.onEvent(msg);
        break;
      }
      case "resync":
        this.cursors[msg.stream] = msg.seq;
        this.save();
        this.o.onResync(msg.stream);
        break;
      case "typing":
      case "viewing":
        this.o.onSignal(msg);
        break;
      case "pong":
        this.lastPong = Date.now();
        break;
      case "error":
        console.warn("console socket:", msg.code, msg.message);
        break;
      default:
        break;
    }
  }

  send(obj) {
    if (this.isOpen()) this.ws.send(JSON.stringify(obj));
  }

  startPing(every) {
    this.stopPing();
    this.lastPong = Date.now();
    this.pingTimer = setInterval(() => {
      // Two silent heartbeats: the connection is dead even if the browser has not noticed.
      if (Date.now() - this.lastPong > every * 2 + 5000) {
        this.drop("reconnecting");
        this.schedule();
        return;
      }
      this.send({ type: "ping", t: Date.now() });
    }, every);
  }

  stopPing() {
    clearInterval(this.pingTimer);
    this.pingTimer = null;
  }

  drop(state) {
    this.stopPing();
    const ws = this.ws;
    this.ws = null;
    if (ws) {
      ws.onclose = null;
      try {
        ws.close();
      } catch {
        /* already closing */
      }
    }
    this.o.onState(state);
  }

  schedule() {
    clearTimeout(this.timer);
    if (!navigator.onLine) {
      this.o.onState("offline");
      return;
    }
    this.o.onState("reconnecting");
    // Exponential backoff with jitter, so a restarted server is not hit by every agent at once.
    const base = Math.min(MAX_BACKOFF_MS, 500 * 2 ** this.attempts);
    this.attempts += 1;
    this.timer = setTimeout(() => this.connect(), base / 2 + Math.random() * (base / 2));
  }

  reconnectNow() {
    if (this.isOpen() || (this.ws && this.ws.readyState === WebSocket.CONNECTING)) return;
    this.attempts = 0;
    this.connect();
  }
}
