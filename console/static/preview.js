// The console's widget preview (dist/console/preview.html, in a frame of the install page):
// the real loader and widget, with the brand's profile replaced by the one the console
// posts (the relay's preview of unsaved settings). Every call the widget makes is answered
// here, inside the frame, so a preview never creates a thread on the brand: the widget
// talks over XMLHttpRequest (answered by FakeRequest) and a WebSocket (FakeSocket).
(() => {
  const key = "confab-preview-profile";
  const params = new URLSearchParams(location.search);
  const lang = params.get("lang") === "zh" ? "zh-CN" : "en";
  let loaded = false;
  let seq = 0;

  const profile = () => {
    try {
      return JSON.parse(sessionStorage.getItem(key) || "null");
    } catch (_) {
      return null;
    }
  };
  const answer = (method, url, body) => {
    const path = new URL(url, location.href).pathname;
    const now = Date.now();
    if (method === "POST" && path === "/v1/sessions")
      return [200, { threadId: "preview", token: "preview", expiresAt: now + 3600e3, brand: profile() || { name: "Preview" } }];
    if (method === "GET" && /\/messages$/.test(path)) return [200, { messages: [], hasMore: false }];
    if (method === "POST" && /\/messages$/.test(path)) {
      const sent = JSON.parse(body || "{}");
      seq += 1;
      return [201, { id: "m" + seq, clientId: sent.clientId, seq, author: "visitor", channel: "web", text: sent.text || "", createdAt: now, status: "sent" }];
    }
    if (method === "POST" && /\/tickets$/.test(path)) return [200, { ticket: "preview", expiresAt: now + 60e3 }];
    if (method === "POST" && /\/read$/.test(path)) return [204, ""];
    return [404, { error: { code: "preview", message: "Not available in the preview." } }];
  };

  class FakeRequest extends EventTarget {
    constructor() {
      super();
      this.upload = new EventTarget();
      this.status = 0;
      this.responseText = "";
      this.readyState = 0;
    }
    open(method, url) {
      this.method = method;
      this.url = url;
      this.readyState = 1;
    }
    setRequestHeader() {}
    abort() {}
    getResponseHeader() {
      return null;
    }
    send(body) {
      const [status, json] = answer(this.method, this.url, typeof body === "string" ? body : null);
      setTimeout(() => {
        this.status = status;
        this.responseText = typeof json === "string" ? json : JSON.stringify(json);
        this.readyState = 4;
        ["load", "loadend"].forEach((type) => {
          const event = new Event(type);
          if (this["on" + type]) this["on" + type](event);
          this.dispatchEvent(event);
        });
      }, 0);
    }
  }

  class FakeSocket extends EventTarget {
    constructor(url) {
      super();
      this.url = url;
      this.readyState = 0;
      setTimeout(() => {
        this.readyState = 1;
        this.emit("open", new Event("open"));
        const ready = { type: "ready", lastSeq: seq, complete: true, protocol: 1 };
        this.emit("message", new MessageEvent("message", { data: JSON.stringify(ready) }));
      }, 0);
    }
    emit(type, event) {
      if (this["on" + type]) this["on" + type](event);
      this.dispatchEvent(event);
    }
    send() {}
    close() {
      this.readyState = 3;
    }
  }
  FakeSocket.CONNECTING = 0;
  FakeSocket.OPEN = 1;
  FakeSocket.CLOSING = 2;
  FakeSocket.CLOSED = 3;

  window.XMLHttpRequest = FakeRequest;
  window.WebSocket = FakeSocket;

  const load = () => {
    if (loaded || !profile()) return;
    loaded = true;
    try {
      // The panel starts open and empty; the preview's own brand id keeps the real brand's
      // stored conversation (same origin) out of it.
      Object.keys(localStorage)
        .filter((name) => name.startsWith("confab:preview:"))
        .forEach((name) => localStorage.removeItem(name));
      localStorage.setItem("confab:preview:open", "1");
    } catch (_) {}
    const script = document.createElement("script");
    script.src = "/widget.js";
    script.async = true;
    script.dataset.brand = "preview";
    script.dataset.lang = lang;
    const color = profile().themeColor;
    if (color) script.dataset.color = color;
    document.head.append(script);
  };

  addEventListener("message", (event) => {
    if (event.origin !== location.origin || !event.data || event.data.type !== "confab-preview") return;
    const next = JSON.stringify(event.data.profile);
    if (sessionStorage.getItem(key) === next && loaded) return;
    sessionStorage.setItem(key, next);
    // A widget already shown takes a new profile only from a new session: load afresh.
    if (loaded) location.reload();
    else if (document.body) load();
    else addEventListener("DOMContentLoaded", load);
  });
  addEventListener("DOMContentLoaded", load);
})();
