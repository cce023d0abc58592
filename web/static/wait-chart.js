/* clientflow: average wait per task of a process version, as a bar chart (Chart.js).
 * Data: <script type="application/json" id="wait-data">
 *   {"unit": "minutes"|"hours", "rows": [{"element", "label", "value", "waiting"}]}</script>
 */
(function () {
  "use strict";
  var source = document.getElementById("wait-data");
  var canvas = document.getElementById("wait-chart");
  if (!source || !canvas || !window.Chart) return;
  var data = JSON.parse(source.textContent);
  var rows = data.rows;
  var label = canvas.getAttribute("data-label-" + data.unit) || data.unit;
  var slowest = Math.max.apply(null, rows.map(function (r) { return r.value; }).concat([0]));
  var colour = window.cfDiagram ? window.cfDiagram.heatColour : function () { return "#0969da"; };
  canvas.chart = new window.Chart(canvas, {
    type: "bar",
    data: {
      labels: rows.map(function (r) { return r.label; }),
      datasets: [{
        label: label,
        data: rows.map(function (r) { return r.value; }),
        backgroundColor: rows.map(function (r) { return colour(slowest ? r.value / slowest : 0); }),
        borderColor: "#57606a",
        borderWidth: 1,
      }],
    },
    options: {
      indexAxis: "y",
      animation: false,
      maintainAspectRatio: false,
      plugins: { legend: { display: false } },
      scales: { x: { beginAtZero: true, title: { display: true, text: label } } },
    },
  });
})();
