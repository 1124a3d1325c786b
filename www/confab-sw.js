// The demo brand's service worker for web push: Confab's, imported (see widget/loader/push-sw.js).
importScripts("/widget/push-sw.js");
