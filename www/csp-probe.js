// Records every Content-Security-Policy violation on the strict-CSP demo page, so the
// end-to-end test can prove there are none. (A file, because inline script is not allowed.)
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.cspViolations.push(event.violatedDirective + " " + event.blockedURI);
});
