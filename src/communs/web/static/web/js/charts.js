/* Draws the charts of the stats and ministry pages with the vendored Chart.js.
   Each chart's data sit in a JSON island next to a table of the same numbers. Without
   JavaScript (or Chart.js) nothing changes: the tables, open, say it all. With them,
   each drawing appears and its table folds into a <details> a click away. */
(function () {
  "use strict";
  if (!window.Chart) {
    return;
  }
  var reduceMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  var locale = document.documentElement.lang || "en";
  // The site's accent first; every colour has a contrast of 3:1 or more on white.
  var colours = ["#000091", "#18753c", "#b34000", "#6a6af4", "#a94645"];

  function dataset(series, index, type) {
    var colour = colours[index % colours.length];
    return {
      label: series.label,
      data: series.data,
      backgroundColor: colour,
      borderColor: colour,
      borderWidth: type === "line" ? 2 : 0,
      pointRadius: 0,
      pointHitRadius: 6
    };
  }

  function draw(box) {
    var island = document.getElementById(box.getAttribute("data-chart"));
    if (!island) {
      return;
    }
    var spec;
    try {
      spec = JSON.parse(island.textContent);
    } catch (error) {
      return;
    }
    var canvas = document.createElement("canvas");
    // The canvas is an image to assistive technologies; its table carries the numbers.
    canvas.setAttribute("role", "img");
    canvas.setAttribute("aria-label", box.getAttribute("data-label") || "");
    box.appendChild(canvas);
    box.hidden = false;
    new window.Chart(canvas, {
      type: spec.type,
      data: {
        labels: spec.labels,
        datasets: spec.series.map(function (series, index) {
          return dataset(series, index, spec.type);
        })
      },
      options: {
        indexAxis: spec.horizontal ? "y" : "x",
        responsive: true,
        maintainAspectRatio: false,
        animation: reduceMotion ? false : {duration: 400},
        locale: locale,
        interaction: {mode: "index", intersect: false},
        plugins: {legend: {display: spec.series.length > 1}},
        scales: spec.horizontal
          ? {x: {beginAtZero: true}, y: {ticks: {autoSkip: false}}}
          : {y: {beginAtZero: true}}
      }
    });
    var section = box.closest("section");
    var table = section && section.querySelector("details[data-chart-table]");
    if (table) {
      table.open = false;
    }
  }

  function drawAll() {
    var boxes = document.querySelectorAll("[data-chart]");
    for (var i = 0; i < boxes.length; i++) {
      draw(boxes[i]);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
