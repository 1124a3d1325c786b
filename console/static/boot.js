// Starts the console: the wasm-bindgen glue fetches and instantiates console_bg.wasm next
// to it, and the module's start function mounts the app on <body>. A file rather than an
// inline script, so the page works under a CSP without 'unsafe-inline'.
import init from "./console.js";
init({ module_or_path: new URL("console_bg.wasm", import.meta.url) });
