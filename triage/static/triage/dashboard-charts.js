// The caseload dashboard's small charts: Chart.js (served from static/vendor/chartjs/) fed with
// the page's JSON. The page shows the same numbers as text and tables without them.
document.addEventListener("DOMContentLoaded", () => {
  const source = document.getElementById("caseload-chart-data");
  if (!source || !window.Chart) return;
  const data = JSON.parse(source.textContent);
  const small = (indexAxis, max) => ({
    indexAxis,
    maintainAspectRatio: false,
    animation: false,
    plugins: { legend: { display: false } },
    scales: {
      x: indexAxis === "y" ? { beginAtZero: true, max, ticks: { precision: 0 } } : {},
      y: indexAxis === "y" ? {} : { beginAtZero: true, ticks: { precision: 0 } },
    },
  });
  const draw = (id, config) => {
    const canvas = document.getElementById(id);
    if (canvas) new window.Chart(canvas, config);
  };
  const colours = { emergency: "#a00000", urgent: "#9a5b00", routine: "#3d5a80" };
  draw("caseload-chart-flags", {
    type: "bar",
    data: {
      labels: data.flags.map((f) => f.label),
      datasets: [{ data: data.flags.map((f) => f.count), backgroundColor: data.flags.map((f) => colours[f.urgency]) }],
    },
    options: small("x"),
  });
  draw("caseload-chart-adherence", {
    type: "bar",
    data: {
      labels: data.adherence.map((b) => b.label),
      datasets: [{ data: data.adherence.map((b) => b.count), backgroundColor: ["#b35900", "#d08a3c", "#8bbf9f", "#3d8a5a"] }],
    },
    options: small("x"),
  });
  draw("caseload-chart-outcomes", {
    type: "bar",
    data: {
      labels: data.outcomes.map((o) => `${o.label} (${o.n} of ${o.m})`),
      datasets: [{
        data: data.outcomes.map((o) => (o.m ? Math.round((o.n * 100) / o.m) : 0)),
        backgroundColor: "#3d8a5a",
      }],
    },
    options: {
      ...small("y", 100),
      plugins: { legend: { display: false }, tooltip: { callbacks: { label: (c) => `${c.raw} %` } } },
    },
  });
});
