/* Glue between the history page and Chart.js (served from node_modules, see package.json):
   reads the numbers the page embeds with json_script and hands them to Chart.js. */
(function () {
  "use strict";

  // Colour-blind-safe colours (Okabe–Ito), with a different dash and point per line as well.
  var COLOURS = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000"];
  var DASHES = [[], [6, 4], [2, 3], [10, 3, 2, 3]];
  var POINTS = ["circle", "rectRot", "triangle", "rect", "star", "crossRot"];

  document.addEventListener("DOMContentLoaded", function () {
    var source = document.getElementById("chart-data");
    if (!source || typeof window.Chart === "undefined") return;
    var charts = JSON.parse(source.textContent);
    Chart.defaults.font.size = 14;
    Chart.defaults.color = "#1b2330";

    document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
      var data = charts[canvas.dataset.chart];
      if (!data) return;
      data.datasets.forEach(function (set, i) {
        var colour = COLOURS[i % COLOURS.length];
        set.borderColor = colour;
        set.backgroundColor = colour;
        set.borderDash = DASHES[i % DASHES.length];
        set.pointStyle = POINTS[i % POINTS.length];
        set.pointRadius = 4;
        set.borderWidth = 2.5;
        set.spanGaps = true;
      });
      var max = canvas.dataset.max ? Number(canvas.dataset.max) : undefined;
      new Chart(canvas, {
        type: "line",
        data: data,
        options: {
          responsive: true,
          maintainAspectRatio: false,
          animation: false,
          interaction: { mode: "index", intersect: false },
          plugins: {
            legend: { position: "bottom", labels: { usePointStyle: true, boxHeight: 9 } },
            tooltip: {
              callbacks: {
                title: function (items) { return items.length ? data.titles[items[0].dataIndex] : ""; }
              }
            }
          },
          scales: {
            y: { min: 0, max: max, beginAtZero: true, ticks: { precision: 0, stepSize: max ? 1 : undefined } },
            x: { ticks: { autoSkip: true, maxRotation: 0 } }
          }
        }
      });
    });
  });
})();
