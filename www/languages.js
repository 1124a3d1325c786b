// The demo's language page: the widget's script tag with data-lang taken from ?lang=, as a
// brand's page would write it for its own language.
const lang = new URLSearchParams(location.search).get("lang") || "en";
document.documentElement.lang = lang;
if (/^(ar|he|fa|ur)\b/i.test(lang)) document.documentElement.dir = "rtl";
const tag = document.createElement("script");
tag.src = "/widget.js";
tag.dataset.brand = "demo";
tag.dataset.lang = lang;
document.head.append(tag);
