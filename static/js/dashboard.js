/*
 * Charts for the dashboard pages, drawn with the vendored Chart.js (static/vendor/chartjs-4.5.1).
 *
 * The page renders each chart's labels, datasets and colours as a JSON island
 * (<script id="dashboard-charts" type="application/json">) and a <canvas data-chart="key">;
 * every chart also has its figures in a table beside it, so nothing here is the only way to
 * read them. Without JavaScript the tables are all there is, and that is fine.
 */
(function () {
  "use strict";

  var island = document.getElementById("dashboard-charts");
  if (!island || typeof window.Chart === "undefined") {
    return;
  }
  var specs = JSON.parse(island.textContent);
  var reduceMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  function percentLabel(context) {
    var value = context.parsed.y;
    return context.dataset.label + ": " + (value === null ? "no figure" : value + "%");
  }

  function options(spec) {
    var y = { beginAtZero: true, ticks: {} };
    var x = {};
    var tooltip = {};
    if (spec.percent) {
      y.max = 100;
      y.ticks.callback = function (value) {
        return value + "%";
      };
      tooltip.callbacks = { label: percentLabel };
    }
    if (spec.min !== undefined) {
      y.beginAtZero = false;
      y.min = spec.min;
      y.max = spec.max;
      y.ticks.stepSize = 1;
    }
    if (spec.stacked) {
      x.stacked = true;
      y.stacked = true;
      y.ticks.precision = 0;
    }
    return {
      responsive: true,
      maintainAspectRatio: false,
      animation: reduceMotion ? false : undefined,
      spanGaps: true,
      interaction: { mode: "index", intersect: false },
      plugins: { legend: { position: "bottom" }, tooltip: tooltip },
      scales: { x: x, y: y },
    };
  }

  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var spec = specs[canvas.dataset.chart];
    if (!spec) {
      return;
    }
    new window.Chart(canvas, {
      type: spec.type,
      data: { labels: spec.labels, datasets: spec.datasets },
      options: options(spec),
    });
  });
})();
