// A Plotly figure drawn once, then kept up to date with what changed (see explorer/live.py).
//
// st.plotly_chart gives a chart a new identity whenever its figure changes, so the browser
// throws the chart away and draws it from scratch on every refresh of a live panel, and the
// server builds and sends the whole figure each time. This component keeps one <div> for as
// long as its key lives. Each payload is {gen, rev, tail, figure?, config?}: `figure` (JSON)
// is the base of generation `gen`, sent with a generation's first payloads; `tail` lists, per
// growing trace, [trace, from, xs, ys, name?]: the trace is the base's first `from` points
// followed by xs, ys. Tails are cumulative since the base, so the latest payload alone says
// what to draw; one with the same gen and rev as the last drawn changes nothing, and after a few
// repeats the server leaves the tail out. A payload this page cannot draw (a generation or a
// revision it never got) asks the server for the figure and the tail: the "missing" trigger.
// plotly.js is the copy that ships with the plotly Python package, served by the app's static
// folder (see ui.publish_plotly_js).
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

// The figure to draw: a fresh copy of the base (Plotly keeps and edits what it is given), each
// growing trace cut at `from` and continued with its tail.
function withTail(baseText, tail, rev) {
  const figure = JSON.parse(baseText);
  for (const [t, from, xs, ys, name] of tail) {
    const trace = figure.data[t];
    trace.x = (trace.x || []).slice(0, from).concat(xs);
    trace.y = (trace.y || []).slice(0, from).concat(ys);
    if (name !== undefined) trace.name = name;
  }
  figure.layout = Object.assign(figure.layout || {}, { datarevision: rev });
  return figure;
}

// One Plotly call at a time per chart; figures that arrive meanwhile: only the latest is drawn.
function draw(chart, figure) {
  chart.next = figure;
  if (chart.drawing) return;
  chart.drawing = loadPlotly()
    .then(async (Plotly) => {
      while (chart.next) {
        const next = chart.next;
        chart.next = null;
        await Plotly.react(chart, next.data, next.layout, chart.config);
      }
    })
    .catch((error) => { chart.textContent = "The chart could not be drawn: " + error.message; })
    .finally(() => { chart.drawing = null; });
}

// Ask the server for the figure, with the points so far, of a payload this page cannot draw: it
// never got that generation (a dropped payload, a new div) or that revision's tail.
function ask(chart, data, setTriggerValue) {
  const what = data.gen + ":" + data.rev;
  if (chart.asked !== what) {
    chart.asked = what;
    setTriggerValue("missing", what);
  }
}

export default function ({ data, parentElement, setTriggerValue }) {
  let chart = parentElement.querySelector(":scope > .explorer-live-chart");
  if (!chart) {
    chart = document.createElement("div");
    chart.className = "explorer-live-chart";
    parentElement.appendChild(chart);
  }
  if (data.figure && data.gen !== chart.gen) {
    chart.gen = data.gen;
    chart.base = data.figure;
    chart.rev = null;
    chart.config = Object.assign({ responsive: true }, JSON.parse(data.config || "{}"));
    const layout = JSON.parse(data.figure).layout || {};
    chart.style.minHeight = (layout.height || 450) + "px";
  }
  if (data.gen !== chart.gen) return ask(chart, data, setTriggerValue);
  if (data.rev === chart.rev) return;  // nothing new
  if (!data.tail) return ask(chart, data, setTriggerValue);  // a revision whose tail never came
  chart.rev = data.rev;
  draw(chart, withTail(chart.base, data.tail, data.rev));
}
