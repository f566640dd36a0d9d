// Draws every element with data-chart="<id of a JSON script block>" using the local plotly.js.
// The figure JSON is {data: [...], layout: {...}, config?: {...}}; no inline script is needed
// (CSP script-src 'self'). Each drawn element gets data-drawn="1" for the browser tests.
(function () {
  "use strict";
  function draw() {
    if (typeof window.Plotly === "undefined") { return; }
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var source = document.getElementById(el.getAttribute("data-chart"));
      if (!source) { return; }
      var fig = JSON.parse(source.textContent);
      var config = Object.assign({ displaylogo: false, responsive: true }, fig.config || {});
      window.Plotly.newPlot(el, fig.data, fig.layout || {}, config).then(function () {
        el.setAttribute("data-drawn", "1");
      });
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
