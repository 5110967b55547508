/* Apply the remembered (or the system's) colour theme before the page paints. */
(function () {
  var stored = null;
  try { stored = localStorage.getItem("maitre-theme"); } catch (e) { /* storage blocked */ }
  var dark = window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches;
  document.documentElement.setAttribute("data-theme", stored || (dark ? "dark" : "light"));
})();
