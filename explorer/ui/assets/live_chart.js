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

// A payload's figure (when it brings a new generation) and tail onto the chart; false when it
// cannot be drawn (a generation or a revision this page never got).
function apply(chart, data, config) {
  if (chart.kind === "status") return showStatus(chart, data);
  if (data.figure && data.gen !== chart.gen) {
    chart.gen = data.gen;
    chart.base = data.figure;
    chart.rev = null;
    chart.config = Object.assign({ responsive: true }, JSON.parse(config || "{}"));
    const layout = JSON.parse(data.figure).layout || {};
    chart.style.minHeight = (layout.height || 450) + "px";
  }
  if (data.gen !== chart.gen) return false;
  if (data.rev === chart.rev) return true;  // nothing new
  if (!data.tail) return false;  // a revision whose tail never came
  chart.rev = data.rev;
  draw(chart, withTail(chart.base, data.tail, data.rev));
  return true;
}

// A run's status line (explorer/feeds.py's StatusFeed): {gen, rev, status: {fraction, text, ended}},
// drawn like Streamlit's st.progress. False when it cannot be drawn (a revision whose line never came).
function showStatus(element, data) {
  if (data.gen === element.gen && data.rev === element.rev) return true;
  if (!data.status) return false;
  element.gen = data.gen;
  element.rev = data.rev;
  element.replaceChildren(statusLine(data.status));
  // the run is over: the panel reruns once (the "ended" trigger), so the page catches up at once
  if (data.status.ended && element.live && element.ended !== data.gen) {
    element.ended = data.gen;
    element.trigger("ended", data.gen + ":" + data.rev);
  }
  return true;
}

function statusLine({ fraction, text }) {
  const line = document.createElement("div");
  line.className = "explorer-status";
  const words = document.createElement("p");
  words.style.cssText = "margin: 0 0 0.4rem; font-size: 0.875rem;";
  text.split("**").forEach((part, i) => {  // the status is in bold: **Training** · step 12 of 500
    words.append(i % 2 ? Object.assign(document.createElement("strong"), { textContent: part }) : part);
  });
  const bar = document.createElement("div");
  bar.style.cssText = "height: 0.5rem; border-radius: 0.25rem; overflow: hidden; "
    + "background: var(--st-secondary-background-color, #f0f2f6);";
  const done = document.createElement("div");
  done.style.cssText = "height: 100%; border-radius: 0.25rem; transition: width 0.2s; "
    + "background: var(--st-primary-color, #ff4b4b); width: " + (100 * Math.min(Math.max(fraction, 0), 1)).toFixed(1) + "%;";
  bar.append(done);
  line.append(words, bar);
  return line;
}

// Feeds (explorer/feeds.py): the page's charts ask the server together for what each lacks, one
// request at a time, and again after the answers' `every` seconds while a run is live. A panel's
// rerun gives each chart its token, whether the panel is live, and `at` (rows so far: a new
// count asks once more).
const followed = new Set();  // the charts that follow a feed
let asking = null;  // the one loop that asks for them all

function follow(chart, data, setTriggerValue) {
  if (chart.feed !== data.feed) {
    chart.feed = data.feed;
    chart.gen = chart.rev = null;
  }
  chart.trigger = setTriggerValue;
  chart.live = data.live;
  if (data.status !== undefined) {  // a status line: drawn at once from the panel's rerun, then fed
    chart.kind = "status";
    showStatus(chart, data);
  }
  chart.feedConfig = data.config;
  chart.again = true;
  chart.retried = false;
  followed.add(chart);
  if (!asking) asking = askFeeds().finally(() => { asking = null; });
}

async function askFeeds() {
  for (;;) {
    for (const chart of followed) if (!chart.isConnected) followed.delete(chart);
    const due = [...followed].filter((chart) => chart.again);
    if (!due.length) return;
    const asked = performance.now();
    const url = new URL("_explorer/feed", document.baseURI);
    for (const chart of due) {
      chart.again = false;
      url.searchParams.append("f", `${chart.feed}:${chart.gen}:${chart.rev}`);
    }
    let answers;
    try {
      const response = await fetch(url, { cache: "no-store" });
      if (!response.ok) return;
      answers = await response.json();
    } catch (error) {
      return;  // the server is gone: the page says so
    }
    let every = null;
    for (const chart of due) {
      const data = answers[chart.feed];
      if (!data) continue;  // a feed the server forgot (or the chart switched): the next rerun brings one
      if (!apply(chart, data, chart.feedConfig)) {  // an answer it could not draw: ask once more, whole
        chart.gen = chart.rev = null;
        chart.again = !chart.retried;
        chart.retried = true;
        continue;
      }
      chart.retried = false;
      if (data.every != null && chart.live) {
        chart.again = true;
        every = every == null ? data.every : Math.min(every, data.every);
      }
    }
    if (every != null) {  // `every` after the request went out, never sooner than its answer
      const wait = Math.max(0, 1000 * every - (performance.now() - asked));
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}

export default function ({ data, parentElement, setTriggerValue }) {
  let chart = parentElement.querySelector(":scope > .explorer-live-chart");
  if (!chart) {
    chart = document.createElement("div");
    chart.className = "explorer-live-chart";
    parentElement.appendChild(chart);
  }
  if (data.feed) return follow(chart, data, setTriggerValue);
  if (!apply(chart, data, data.config)) ask(chart, data, setTriggerValue);
}
