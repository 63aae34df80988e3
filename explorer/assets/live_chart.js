// A Plotly figure that is drawn once and then updated in place (Plotly.react).
//
// st.plotly_chart gives a chart a new identity whenever its figure changes, so the browser
// throws the chart away and draws it from scratch (Plotly.newPlot) on every refresh of a live
// panel. This component keeps one <div> for as long as its key lives and hands each new
// figure to Plotly.react, which redraws only what changed. plotly.js is the copy that ships
// with the plotly Python package, served by the app's static folder (see ui.live_chart).
const PLOTLY_URL = "app/static/plotly.min.js";

// Our own plotly.js, the version the figures' plotly package ships, loaded once per page. The
// page may already hold another one (Streamlit's charts bring theirs): keep ours apart and put
// the other back, so that every live chart is drawn and updated by the same plotly.js.
function loadPlotly() {
  if (!window.__explorerPlotly) {
    window.__explorerPlotly = new Promise((resolve, reject) => {
      const other = window.Plotly;
      const script = document.createElement("script");
      script.src = new URL(PLOTLY_URL, document.baseURI).href;
      script.onload = () => {
        const ours = window.Plotly;
        if (other) window.Plotly = other;
        resolve(ours);
      };
      script.onerror = () => {
        window.__explorerPlotly = null;
        reject(new Error("could not load " + script.src));
      };
      document.head.appendChild(script);
    });
  }
  return window.__explorerPlotly;
}

export default function ({ data, parentElement }) {
  let chart = parentElement.querySelector(":scope > .explorer-live-chart");
  if (!chart) {
    chart = document.createElement("div");
    chart.className = "explorer-live-chart";
    parentElement.appendChild(chart);
  }
  if (chart.drawnFigure === data.figure) return;  // sent again unchanged
  const figure = JSON.parse(data.figure);
  const config = Object.assign({ responsive: true }, JSON.parse(data.config || "{}"));
  const height = (figure.layout && figure.layout.height) || 450;
  chart.style.minHeight = height + "px";
  loadPlotly()
    .then((Plotly) => Plotly.react(chart, figure.data, figure.layout, config))
    .then(() => { chart.drawnFigure = data.figure; })
    .catch((error) => { chart.textContent = "The chart could not be drawn: " + error.message; });
}
