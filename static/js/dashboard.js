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

  // "2026-W41" on the axis reads "W41" (the range above the charts names the year); the
  // tooltip keeps the whole label.
  function shortWeek(value) {
    var label = String(this.getLabelForValue(value));
    return label.replace(/^\d{4}-/, "");
  }

  function options(spec) {
    var y = { beginAtZero: true, ticks: {} };
    var x = { ticks: { callback: shortWeek, maxRotation: 0, autoSkipPadding: 8 } };
    var tooltip = {};
    // Line charts: each series keeps its own point shape in the legend, so colour is not the
    // only way to tell them apart. Bars: small square swatches.
    var legendLabels =
      spec.type === "line" ? { usePointStyle: true, boxWidth: 8, boxHeight: 8, padding: 14 } : { boxWidth: 12, padding: 12 };
    if (spec.percent) {
      y.max = 100;
      y.ticks.stepSize = 25;
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
      plugins: { legend: { position: "bottom", labels: legendLabels }, tooltip: tooltip },
      scales: { x: x, y: y },
    };
  }

  function datasets(spec) {
    return spec.datasets.map(function (dataset) {
      var copy = Object.assign({}, dataset);
      if (spec.type === "line") {
        // Points on 0% or 100% are drawn whole, not cut in half by the chart's edge.
        copy.clip = false;
        copy.pointRadius = 3;
        copy.pointHoverRadius = 5;
        copy.borderWidth = 2;
      }
      if (spec.stacked) {
        // A thin white line between the parts of a bar keeps the pale ones apart.
        copy.borderColor = "#ffffff";
        copy.borderWidth = { top: 1 };
      }
      return copy;
    });
  }

  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var spec = specs[canvas.dataset.chart];
    if (!spec) {
      return;
    }
    new window.Chart(canvas, {
      type: spec.type,
      data: { labels: spec.labels, datasets: datasets(spec) },
      options: options(spec),
    });
  });
})();
