// Confab's service worker for web push. A brand that turns push on hosts one file on its own
// origin (a service worker only controls pages of the origin that serves it), for example
// /confab-sw.js containing the single line
//
//   importScripts("https://<your Confab relay>/widget/push-sw.js");
//
// and adds data-push="/confab-sw.js" to its script tag. The relay pushes a team reply the
// visitor has not seen, encrypted for this browser: {title, body, url, tag}. This worker shows
// it, and a click brings back (or opens) the page the conversation started on, where the
// widget keeps the thread.
self.addEventListener("push", (event) => {
  let reply = {};
  try {
    reply = event.data ? event.data.json() : {};
  } catch (_) {
    // Not Confab's JSON: shown as a plain new message.
  }
  event.waitUntil(
    self.registration.showNotification(reply.title || "New message", {
      body: reply.body || "",
      // One notification per thread: a burst of replies replaces it instead of stacking.
      tag: reply.tag || "confab",
      renotify: true,
      data: { url: reply.url || "/" },
    }),
  );
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const url = new URL(event.notification.data.url, self.location.origin);
  event.waitUntil(
    clients.matchAll({ type: "window", includeUncontrolled: true }).then((windows) => {
      // Only pages of this origin: a pushed URL never sends the visitor elsewhere.
      const same = url.origin === self.location.origin ? url.href : self.location.origin + "/";
      const open = windows.find((window) => window.url === same);
      return open ? open.focus() : clients.openWindow(same);
    }),
  );
});
