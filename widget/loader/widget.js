// The Confab loader: the one script tag a brand pastes, and the only hand-written JavaScript
// of the widget. It must stay tiny (budget: 2 KB gzipped) because every page view pays for
// it. It creates a Shadow DOM host, so the host page's CSS and the widget's never meet,
// draws the launcher, and loads the WebAssembly app only when the visitor clicks the
// launcher or the browser is idle. It injects no inline script or style, so it works under
// a strict Content-Security-Policy.
(() => {
  const script = document.currentScript;
  if (!script || document.querySelector("confab-chat")) return;
  const data = script.dataset;
  const assets = new URL("widget/", script.src).href;
  const lang = data.lang || navigator.language || "en";
  // The languages with a pack of strings (widget/i18n/<name>.json); English is built in.
  const packs = "zh es fr de ja ar";
  const primary = lang.split(/[-_]/)[0].toLowerCase();
  const pack = packs.split(" ").includes(primary) && assets + "i18n/" + primary + ".json";
  const config = {
    brand: data.brand || "",
    relay: data.relay || new URL(script.src).origin,
    lang,
  };
  const host = document.createElement("confab-chat");
  host.setAttribute("data-position", data.position === "left" ? "left" : "right");
  // The accent colour, through the CSSOM (allowed under a strict CSP), inherited inside.
  if (/^#[0-9a-f]{6}$/i.test(data.color || "")) host.style.setProperty("--confab-accent", data.color);
  const root = host.attachShadow({ mode: "open" });
  const style = document.createElement("link");
  style.rel = "stylesheet";
  style.href = assets + "widget.css";
  // Pages whose CSP allows styles by nonce only pass it in data-nonce.
  if (data.nonce) style.nonce = data.nonce;
  const mountPoint = document.createElement("div");
  mountPoint.className = "confab";
  const launcher = document.createElement("button");
  launcher.type = "button";
  launcher.className = "confab-launcher";
  launcher.setAttribute("aria-label", /^zh/i.test(lang) ? "打开聊天" : "Open chat");
  mountPoint.append(launcher);
  root.append(style, mountPoint);

  // window.Confab: calls made before the app has loaded wait in `queue`.
  const queue = [];
  const listeners = {};
  let handle = null;
  const emit = (event, detail) =>
    (listeners[event] || []).forEach((listener) => {
      try {
        listener(event === "message" ? JSON.parse(detail) : detail);
      } catch (error) {
        console.error("Confab: a listener of", event, "failed", error);
      }
    });
  const call = (name, argument) => {
    if (handle) return handle[name](argument);
    queue.push([name, argument]);
    if (name === "open" || name === "toggle") load(true, true);
  };
  window.Confab = {
    open: () => call("open"),
    close: () => call("close"),
    toggle: () => call("toggle"),
    identify: (user) => call("identify", JSON.stringify(user || {})),
    shutdown: () => call("shutdown"),
    on: (event, listener) => {
      (listeners[event] ||= []).push(listener);
    },
  };

  // Web push where the page hosts the brand's service worker (data-push, a path on this
  // origin) and the browser has the Push API. The promise chain lives here rather than in
  // the app: in JavaScript it is a few hundred bytes, in Rust's wasm each await costs a state
  // machine (about 1.2 KB gzipped in all). Given the relay's key (the visitor asked), it
  // asks for permission (refused: it rejects), registers the worker and subscribes; without
  // one, it only finds a subscription made on an earlier page, registering nothing. It
  // resolves to the subscription's JSON, or null.
  const push =
    data.push && "PushManager" in window
      ? async (key) => {
          const workers = navigator.serviceWorker;
          if (!key) {
            const registration = Notification.permission == "granted" && (await workers.getRegistration());
            const subscription = registration && (await registration.pushManager.getSubscription());
            return subscription ? JSON.stringify(subscription) : null;
          }
          if ((await Notification.requestPermission()) != "granted") throw "refused";
          await workers.register(data.push);
          // Subscribing needs the worker active: `ready` waits for it (which is why the
          // worker must sit at or above the page's path, as /confab-sw.js does).
          const manager = (await workers.ready).pushManager;
          const subscription =
            (await manager.getSubscription()) ||
            (await manager.subscribe({ userVisibleOnly: true, applicationServerKey: key }));
          return JSON.stringify(subscription);
        }
      : null;

  // What was asked for before the app mounted: a tap while the idle load is under way is
  // never dropped, the app mounts open (and focused) however many asked first.
  let open = false;
  let focus = false;
  let loading = null;
  // wantOpen: show the panel; wantFocus: the visitor asked (a tap), so focus may move in.
  const load = (wantOpen, wantFocus) => {
    open ||= wantOpen;
    focus ||= wantFocus;
    // The wasm is fetched and compiled as it streams in, alongside the glue: not in one go
    // once the glue is in, which lengthened the mounting task when the wasm came first.
    // Streaming needs the server's `application/wasm`; a copy served without it is
    // compiled from its bytes instead.
    const url = assets + "confab_widget_bg.wasm";
    const wasm = loading
      ? null
      : WebAssembly.compileStreaming(fetch(url)).catch(() =>
          fetch(url).then((answer) => answer.arrayBuffer()).then(WebAssembly.compile),
        );
    // So is the visitor's language pack; without one (or if it fails) the strings are English.
    const texts = !loading && pack && fetch(pack).then((answer) => answer.json()).catch(() => null);
    return (loading ||= import(assets + "confab_widget.js")
      .then(async (app) => {
        await app.default({ module_or_path: wasm });
        // Mounting closed (the first render, the effects' start) waits for a task of its
        // own: in the same one as instantiating, the two made one long task of the page's.
        // A panel someone is waiting for mounts at once.
        if (!open) await new Promise((next) => setTimeout(next));
        launcher.remove();
        handle = app.mount(mountPoint, config.brand, config.relay, lang, push, await texts, open, focus, emit);
        queue.splice(0).forEach(([name, argument]) => handle[name](argument));
      })
      .catch((error) => {
        loading = null;
        console.error("Confab: the chat could not load", error);
      }));
  };

  launcher.addEventListener("click", () => load(true, true));
  const attach = () => {
    document.body.append(host);
    // The top layer (where browsers have popovers): above every z-index of the page, and
    // placed on the screen whatever the page's transforms, filters or overflow.
    if (host.showPopover) {
      host.popover = "manual";
      host.showPopover();
    }
    // The page's zoom on html/body would scale the widget: undone (before the first frame
    // shows it, once the page's styles have loaded, and on resize). Reading the zoom
    // computes the page's styles: in the frame, which does that anyway, not in this task.
    const unzoom = () => host.style.setProperty("--confab-unzoom", 1 / (document.body.currentCSSZoom || 1), "important");
    requestAnimationFrame(unzoom);
    addEventListener("load", unzoom);
    addEventListener("resize", unzoom);
    // The page's first touch of localStorage loads it from the browser (up to 30 ms on a
    // fresh profile, more on a busy machine): a task of its own, not part of this one.
    setTimeout(() => {
      let stored = null;
      try {
        stored = localStorage.getItem("confab:" + config.brand + ":open");
      } catch (_) {
        // Storage blocked: the panel simply starts closed.
      }
      if (stored === "1") load(true, false);
      // Load when the browser is idle, and at the latest after 3 s (an options object:
      // requestIdleCallback's second argument is not a delay).
      else if (window.requestIdleCallback) requestIdleCallback(() => load(false, false), { timeout: 3000 });
      else setTimeout(() => load(false, false), 2000);
    });
  };
  if (document.body) attach();
  else addEventListener("DOMContentLoaded", attach);
})();
