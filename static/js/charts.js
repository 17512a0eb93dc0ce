/*
 * Charts from tables, and sparklines.
 *
 * Contract (the page keeps its data in the HTML; this file only draws it):
 *
 *   <figure class="chart" data-chart="line|bar|hbar" [data-y-min="0"] [data-y-max="100"]
 *           [data-target="75"] [data-target-label="Target"] [data-unit="%"]
 *           [data-table-label="Show the data"]>
 *     <figcaption>Title</figcaption>
 *     <table class="chart-data">
 *       <thead><tr><th>label header</th><th>Series A</th><th>Series B</th></tr></thead>
 *       <tbody><tr><th scope="row">2026-11-01</th><td data-value="71.2">71</td><td data-value="">–</td></tr></tbody>
 *     </table>
 *   </figure>
 *
 * Each row header is a label on the category axis; each td[data-value] is a point of the series
 * named by its column header; an empty or non-numeric data-value is a gap. data-value numbers use a
 * dot for decimals whatever the page language (the `chart_num` template filter writes them).
 * The table is kept beneath the chart, folded in a <details> ("Show the data"); without
 * JavaScript, or if the chart library did not load, the table simply shows.
 *
 *   <span class="sparkline" data-values="71,72,,74" role="img" aria-label="..."></span>
 *
 * draws a tiny inline SVG (aria-hidden: the span's label speaks for it). Empty values are skipped:
 * the line joins the points on either side of them.
 *
 * Right-to-left pages: time runs from right to left and legends and tooltips read right to left.
 * Numbers on axes and in tooltips are written for the page's language (<html lang>): "71,2" on a
 * Greek page, in Latin digits everywhere, as the server writes the numbers in the tables.
 * window.CXCharts.render(root) draws what is new under `root` (after a partial update).
 */
(function () {
  "use strict";

  var FALLBACK_COLORS = ["#1f5fbf", "#c2410c", "#1e7b45", "#7c3aed", "#b42318", "#0e7490"];

  function isRtl(el) {
    var holder = el.closest("[dir]");
    return holder ? holder.getAttribute("dir") === "rtl" : document.dir === "rtl";
  }

  // The page language with Latin digits ("fa-u-nu-latn"), for Intl and for Chart.js's own ticks.
  var LOCALE = (function () {
    var lang = document.documentElement.lang || "en";
    try {
      return Intl.NumberFormat.supportedLocalesOf([lang]).length ? lang + "-u-nu-latn" : "en";
    } catch (e) {
      return "en";
    }
  })();
  var numberFormat = new Intl.NumberFormat(LOCALE, { maximumFractionDigits: 2 });

  function fmt(value) {
    return numberFormat.format(value);
  }

  function num(raw) {
    if (raw === null || raw === undefined) return null;
    var text = String(raw).trim();
    if (text === "") return null;
    var value = Number(text);
    return isFinite(value) ? value : null;
  }

  function cssVar(el, name, fallback) {
    var value = window.getComputedStyle(el).getPropertyValue(name);
    return value && value.trim() ? value.trim() : fallback;
  }

  function palette(el) {
    var colors = [];
    for (var i = 0; i < FALLBACK_COLORS.length; i++) {
      colors.push(cssVar(el, "--chart-" + (i + 1), FALLBACK_COLORS[i]));
    }
    return colors;
  }

  function readTable(table) {
    var headCells = table.querySelectorAll("thead tr:last-child th, thead tr:last-child td");
    var names = [];
    for (var i = 1; i < headCells.length; i++) names.push(headCells[i].textContent.trim());
    var labels = [];
    var series = names.map(function () { return []; });
    var rows = table.querySelectorAll("tbody tr");
    Array.prototype.forEach.call(rows, function (row) {
      var head = row.querySelector("th");
      labels.push(head ? head.textContent.trim() : "");
      var cells = row.querySelectorAll("td");
      for (var s = 0; s < names.length; s++) {
        var cell = cells[s];
        series[s].push(cell && cell.hasAttribute("data-value") ? num(cell.getAttribute("data-value")) : null);
      }
    });
    return { labels: labels, names: names, series: series };
  }

  function foldTable(figure, table) {
    var details = document.createElement("details");
    details.className = "chart-table";
    var summary = document.createElement("summary");
    summary.textContent = figure.getAttribute("data-table-label") || "Show the data";
    details.appendChild(summary);
    table.parentNode.insertBefore(details, table);
    details.appendChild(table);
  }

  function drawChart(figure) {
    if (figure.getAttribute("data-chart-ready") === "1") return;
    var table = figure.querySelector("table.chart-data");
    if (!table || typeof window.Chart === "undefined") return;
    figure.setAttribute("data-chart-ready", "1");

    var kind = figure.getAttribute("data-chart") || "line";
    var data = readTable(table);
    var rtl = isRtl(figure);
    var colors = palette(figure);
    var unit = figure.getAttribute("data-unit") || "";
    var caption = figure.querySelector("figcaption");

    var box = document.createElement("div");
    box.className = "chart-canvas";
    var canvas = document.createElement("canvas");
    canvas.setAttribute("role", "img");
    // The figure's caption names the chart; the folded table beneath holds every figure.
    canvas.setAttribute("aria-label", caption ? caption.textContent.trim() : kind + " chart");
    box.appendChild(canvas);
    table.parentNode.insertBefore(box, table);
    foldTable(figure, table);

    var datasets = data.names.map(function (name, i) {
      var color = colors[i % colors.length];
      return {
        label: name,
        data: data.series[i],
        borderColor: color,
        backgroundColor: kind === "line" ? color : color + "cc",
        borderWidth: 2,
        pointRadius: data.labels.length > 60 ? 0 : 2.5,
        pointHoverRadius: 4,
        spanGaps: false,
        tension: 0.2,
        cubicInterpolationMode: "monotone"
      };
    });
    var target = num(figure.getAttribute("data-target"));
    if (target !== null && kind !== "hbar") {
      datasets.push({
        label: figure.getAttribute("data-target-label") || "Target",
        data: data.labels.map(function () { return target; }),
        type: "line",
        borderColor: cssVar(figure, "--chart-target", "#5b6473"),
        borderDash: [6, 4],
        borderWidth: 1.5,
        pointRadius: 0,
        fill: false
      });
    }

    var valueAxis = { beginAtZero: kind !== "line", ticks: {} };
    var yMin = num(figure.getAttribute("data-y-min"));
    var yMax = num(figure.getAttribute("data-y-max"));
    if (yMin !== null) valueAxis.min = yMin;
    if (yMax !== null) valueAxis.max = yMax;
    valueAxis.ticks.callback = function (v) { return fmt(v) + unit; };
    var categoryAxis = { ticks: { autoSkip: true, maxRotation: 0 }, grid: { display: false } };
    var horizontal = kind === "hbar";
    // Time (or order) runs in the reading direction; horizontal bars grow from the start side.
    if (horizontal) {
      valueAxis.reverse = rtl;
      categoryAxis.position = rtl ? "right" : "left";
    } else {
      categoryAxis.reverse = rtl;
      valueAxis.position = rtl ? "right" : "left";
    }

    var reduceMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    new window.Chart(canvas, {
      type: kind === "line" ? "line" : "bar",
      data: { labels: data.labels, datasets: datasets },
      options: {
        indexAxis: horizontal ? "y" : "x",
        maintainAspectRatio: false,
        responsive: true,
        animation: reduceMotion ? false : { duration: 300 },
        locale: LOCALE,
        interaction: { mode: "index", intersect: false },
        layout: { padding: { left: 8, right: 8 } },
        scales: horizontal ? { x: valueAxis, y: categoryAxis } : { x: categoryAxis, y: valueAxis },
        plugins: {
          legend: { display: datasets.length > 1, rtl: rtl, position: "bottom",
                    textDirection: rtl ? "rtl" : "ltr" },
          tooltip: {
            rtl: rtl,
            textDirection: rtl ? "rtl" : "ltr",
            callbacks: {
              label: function (ctx) {
                var v = horizontal ? ctx.parsed.x : ctx.parsed.y;
                return ctx.dataset.label + ": " + (v === null || v === undefined ? "–" : fmt(v) + unit);
              }
            }
          }
        }
      }
    });
  }

  var SVG = "http://www.w3.org/2000/svg";

  function drawSparkline(span) {
    if (span.getAttribute("data-chart-ready") === "1") return;
    span.setAttribute("data-chart-ready", "1");
    var values = (span.getAttribute("data-values") || "").split(",").map(num);
    var width = num(span.getAttribute("data-width")) || 80;
    var height = num(span.getAttribute("data-height")) || 20;
    var known = values.filter(function (v) { return v !== null; });
    if (!span.hasAttribute("role")) span.setAttribute("role", "img");
    if (!span.hasAttribute("aria-label")) {
      span.setAttribute("aria-label", span.getAttribute("data-label") ||
        (known.length ? "Trend: " + known.join(", ") : "No data"));
    }
    if (!known.length) return;
    var lo = Math.min.apply(null, known);
    var hi = Math.max.apply(null, known);
    var pad = 2;
    var n = values.length;
    var rtl = isRtl(span);
    function x(i) {
      var pos = n > 1 ? pad + (i * (width - 2 * pad)) / (n - 1) : width / 2;
      return rtl ? width - pos : pos;
    }
    function y(v) {
      return hi === lo ? height / 2 : height - pad - ((v - lo) * (height - 2 * pad)) / (hi - lo);
    }
    var svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("width", width);
    svg.setAttribute("height", height);
    svg.setAttribute("viewBox", "0 0 " + width + " " + height);
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    var segment = [];
    var last = null;
    function flush() {
      if (segment.length > 1) {
        var line = document.createElementNS(SVG, "polyline");
        line.setAttribute("points", segment.join(" "));
        svg.appendChild(line);
      } else if (segment.length === 1) {
        var xy = segment[0].split(",");
        var dot = document.createElementNS(SVG, "circle");
        dot.setAttribute("cx", xy[0]);
        dot.setAttribute("cy", xy[1]);
        dot.setAttribute("r", "1.2");
        dot.setAttribute("class", "lone");
        svg.appendChild(dot);
      }
      segment = [];
    }
    // A sparkline is a glance at the direction: it joins the points it has across empty buckets
    // (the full chart and its table show the gaps).
    values.forEach(function (v, i) {
      if (v === null) return;
      segment.push(x(i).toFixed(1) + "," + y(v).toFixed(1));
      last = [x(i), y(v)];
    });
    flush();
    if (last) {
      var end = document.createElementNS(SVG, "circle");
      end.setAttribute("cx", last[0].toFixed(1));
      end.setAttribute("cy", last[1].toFixed(1));
      end.setAttribute("r", "2");
      end.setAttribute("class", "end");
      svg.appendChild(end);
    }
    span.appendChild(svg);
  }

  function render(root) {
    root = root || document;
    Array.prototype.forEach.call(root.querySelectorAll("figure.chart"), drawChart);
    Array.prototype.forEach.call(root.querySelectorAll(".sparkline[data-values]"), drawSparkline);
  }

  window.CXCharts = { render: render };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { render(document); });
  } else {
    render(document);
  }
  // Partial updates (htmx) bring new figures: draw them too.
  document.addEventListener("htmx:afterSwap", function (event) { render(event.target); });
})();
