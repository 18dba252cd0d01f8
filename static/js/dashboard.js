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

  // Dark theme (static/js/theme.js): the deep blue, green and purple of the lines sink into a
  // dark background, so lines take a lighter shade of the same hue (at least 3:1 against it).
  // Stacked bars keep their colours: their legend swatches (static/css/dashboard.css) match.
  var DARK_LINES = { "#0072b2": "#56b4e9", "#009e73": "#2fd1a3", "#6a51a3": "#b9a6e8" };

  function isDark() {
    return document.documentElement.getAttribute("data-bs-theme") === "dark";
  }

  function cssVar(name) {
    return window.getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  }

  // Axis labels, legend text and grid lines from the theme's own colours.
  function themeDefaults() {
    window.Chart.defaults.color = cssVar("--bs-secondary-color") || "#6c757d";
    window.Chart.defaults.borderColor = cssVar("--bs-border-color-translucent") || "rgba(0, 0, 0, 0.1)";
  }

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
    var dark = isDark();
    return spec.datasets.map(function (dataset) {
      var copy = Object.assign({}, dataset);
      if (spec.type === "line" && dark) {
        copy.borderColor = DARK_LINES[dataset.borderColor] || dataset.borderColor;
        copy.backgroundColor = DARK_LINES[dataset.backgroundColor] || dataset.backgroundColor;
      }
      if (spec.type === "line") {
        // Points on 0% or 100% are drawn whole, not cut in half by the chart's edge.
        copy.clip = false;
        copy.pointRadius = 3;
        copy.pointHoverRadius = 5;
        copy.borderWidth = 2;
      }
      if (spec.stacked) {
        // A thin line of the page's colour between the parts of a bar keeps the pale ones apart.
        copy.borderColor = cssVar("--bs-body-bg") || "#ffffff";
        copy.borderWidth = { top: 1 };
      }
      return copy;
    });
  }

  var charts = [];
  themeDefaults();
  document.querySelectorAll("canvas[data-chart]").forEach(function (canvas) {
    var spec = specs[canvas.dataset.chart];
    if (!spec) {
      return;
    }
    charts.push({
      spec: spec,
      chart: new window.Chart(canvas, {
        type: spec.type,
        data: { labels: spec.labels, datasets: datasets(spec) },
        options: options(spec),
      }),
    });
  });

  // The theme switched while the page is open: same figures, the new theme's colours.
  document.addEventListener("themechange", function () {
    themeDefaults();
    charts.forEach(function (item) {
      item.chart.data.datasets = datasets(item.spec);
      item.chart.options = options(item.spec);
      item.chart.update("none");
    });
  });
})();
