// Draws every chart on the page with the vendored Chart.js: a <canvas data-chart="ID"> reads its
// full Chart.js config from <script type="application/json" id="ID">. Data only, no inline script,
// so the CSP stays script-src 'self'. Each chart has a table beside it with the same figures.
/* global Chart */
(function () {
  "use strict";
  if (typeof Chart === "undefined") return;
  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var source = document.getElementById(canvas.getAttribute("data-chart"));
    if (source === null) return;
    var config = JSON.parse(source.textContent);
    config.options = Object.assign({ responsive: true, maintainAspectRatio: false, animation: false }, config.options || {});
    var chart = new Chart(canvas, config);
    canvas.setAttribute("data-chart-ready", String(chart.data.datasets.length));
  });
})();
