// The flag page's pain chart: Chart.js (installed from npm) fed with the page's JSON.
document.addEventListener("DOMContentLoaded", () => {
  const canvas = document.getElementById("flag-pain-chart");
  const source = document.getElementById("flag-pain-data");
  if (!canvas || !source || !window.Chart) return;
  const data = JSON.parse(source.textContent);
  const line = (label, points, key, color, dash) => ({
    label,
    data: points.map((p) => ({ x: p.x, y: p[key] })),
    borderColor: color,
    backgroundColor: color,
    borderDash: dash || [],
    spanGaps: true,
    tension: 0.2,
  });
  const labels = [...new Set([...data.sessions.map((p) => p.x), ...data.mornings.map((p) => p.x)])].sort();
  new window.Chart(canvas, {
    type: "line",
    data: {
      labels,
      datasets: [
        line("before", data.sessions, "before", "#3d5a80"),
        line("during (worst)", data.sessions, "during", "#a00000"),
        line("after", data.sessions, "after", "#9a5b00"),
        line("morning", data.mornings, "pain", "#2a7a2a", [4, 4]),
      ],
    },
    options: {
      maintainAspectRatio: false,
      scales: {
        x: { ticks: { autoSkip: true, maxTicksLimit: 10, maxRotation: 0, callback(value) { return this.getLabelForValue(value).slice(5, 10); } } },
        y: { min: 0, max: 10, title: { display: true, text: "pain 0–10" } },
      },
      plugins: { legend: { position: "bottom" } },
    },
  });
});
