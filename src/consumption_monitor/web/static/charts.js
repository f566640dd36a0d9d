// Draws every element with data-chart="<id of a JSON script block>" using the local plotly.js.
// The figure JSON is {data: [...], layout: {...}}; no inline script is needed (CSP script-src 'self').
(function () {
  "use strict";
  function draw() {
    if (typeof window.Plotly === "undefined") { return; }
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var source = document.getElementById(el.getAttribute("data-chart"));
      if (!source) { return; }
      var fig = JSON.parse(source.textContent);
      window.Plotly.newPlot(el, fig.data, fig.layout || {}, { displaylogo: false, responsive: true });
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
