"""Cell anatomy: one cell, one step, no training. Drag x_t, h_{t-1} and a few weights; every value follows."""

from dataclasses import replace

import numpy as np
import pandas as pd
import streamlit as st

from explorer import export, stepthrough, ui
from explorer.anatomy import AnatomyPage, changed, weight_edits, weight_items
from explorer.cellspec import CELL_SPECS
from explorer.figures.anatomy import cell_step_figure
from explorer.figures.gates import gate_title

P = "anatomy"
ss = st.session_state


def slider(label: str, key: str, low: float, high: float, value: float | None = None) -> float:
    """A slider over [low, high] in steps of 0.05, starting at `value` (set once, through its key;
    the input's and state's start as the page's settings do, or as the link says).

    Its value is kept for the session, so it outlives a visit to another page (or another cell).
    """
    if key not in ss:
        ss[key] = float(np.clip(value, low, high))
    return st.slider(label, low, high, step=0.05, key=key, persist_state="session")


def within(key: str, options: tuple) -> None:
    """Before a widget: a value another cell or size had falls back to the first option."""
    if ss.get(key) not in options:
        ss[key] = options[0]


ui.through_app()
st.title("Cell anatomy: one step by hand")
st.caption("No training here: pick a cell, set the input x_t and the previous state by hand, and change "
           "a few of its weights. Every intermediate value of the step is recomputed as you drag.")

notices = []
if ui.url.first_visit(P):  # the link: the cell, the step's numbers and the weights changed by hand
    linked, notices = ui.url.load(P, AnatomyPage())
    ss[f"{P}_edits"] = {(linked.cell, linked.size, linked.seed, *where): value
                        for where, value in weight_edits(linked.weights).items()}
ui.url.notify(notices)
chosen = ui.widgets.form(P, AnatomyPage(), ["cell", "size", "seed"], into=st.columns(3))
cell, size, seed = chosen.cell, chosen.size, chosen.seed
spec = CELL_SPECS[cell]
blocks = spec.blocks
seeded = stepthrough.example_weights(cell, size, size, int(seed))
weights = {name: array.copy() for name, array in seeded.items()}
edits = ss.setdefault(f"{P}_edits", {})  # (cell, size, seed, parameter, row, column) -> value
for (c, n, s, name, row, column), value in edits.items():
    if (c, n, s) == (cell, size, seed):
        weights[name][(row, column) if column is not None else row] = value

inputs, weight_col = st.columns(2, gap="large")
with inputs:
    st.subheader("What the step reads")
    x = np.array([slider(f"$x_t[{j}]$", f"{P}_x{j}", -2.0, 2.0) for j in range(size)])
    h_prev = np.array([slider(f"$h_{{t-1}}[{j}]$", f"{P}_h{j}", -1.0, 1.0) for j in range(size)])
    c_prev = np.array([slider(f"$c_{{t-1}}[{j}]$", f"{P}_c{j}", -2.0, 2.0) for j in range(size)]) \
        if spec.has_cell_state else None
    prev = {"y": np.array([slider(f"$y_{{t-1}}[{j}]$", f"{P}_y{j}", -2.0, 2.0) for j in range(size)])} \
        if "y" in spec.states else {}
with weight_col:
    st.subheader("A few weights")
    pick, who = st.columns(2)
    within(f"{P}_block", blocks)  # the link's "" is the first
    within(f"{P}_unit", tuple(range(size)))
    block = pick.selectbox("Of the block", blocks, key=f"{P}_block", persist_state="session",
                           format_func=lambda b: "the one block (h)" if b == "h" else gate_title(b))
    unit = who.selectbox("For unit", range(size), key=f"{P}_unit", format_func=lambda u: f"unit {u}",
                         persist_state="session")
    row = blocks.index(block) * size + unit  # torch.nn stacks the blocks' rows: i, f, g, o / r, z, n
    entries = [("weight_ih", j, f"$W_{{i{block}}}[{unit}, {j}]$, times $x_t[{j}]$") for j in range(size)]
    r = spec.recurrent
    entries += [(spec.recurrent_weight, j, f"$W_{{{r}{block}}}[{unit}, {j}]$, times ${r}_{{t-1}}[{j}]$")
                for j in range(size)]
    entries += [("bias_ih", None, f"$b_{{i{block}}}[{unit}]$, the bias")]
    for name, column, label in entries:
        where = (row, column) if column is not None else row
        value = slider(label, f"{P}_w_{cell}_{size}_{seed}_{name}_{row}_{column}", -3.0, 3.0,
                       float(weights[name][where]))
        weights[name][where] = edits[(cell, size, seed, name, row, column)] = value

step = stepthrough.step(stepthrough.StepInput(cell, x, h_prev, c_prev, weights, prev=prev))
states = {"h_prev": h_prev} | ({"c_prev": c_prev} if c_prev is not None else {}) \
    | {f"{k}_prev": v for k, v in prev.items()} | step.states
figure = cell_step_figure(cell, step.pre, step.post, states, step.kinds)
st.plotly_chart(figure, key=f"{P}_chart", config=export.chart_config(f"{P}_{cell}"))
with st.expander("Download this figure and its numbers", icon=":material/download:"):
    values = pd.DataFrame({"unit": range(size)} | {f"pre_{b}": v for b, v in step.pre.items()}
                          | {f"value_{b}": v for b, v in step.post.items()} | states)
    html, csv = st.columns(2)
    html.download_button("Figure (interactive HTML)", lambda: export.figure_html(figure, f"{P}_{cell}"),
                         file_name=f"{P}_{cell}.html", mime="text/html", key=f"{P}_html", on_click="ignore")
    csv.download_button("Every value (CSV)", export.table_csv(values), file_name=f"{P}_{cell}.csv",
                        mime="text/csv", key=f"{P}_csv", on_click="ignore")

st.markdown("**The equations** (for every unit at once)")
for line in stepthrough.equations(cell):
    st.latex(line)
within(f"{P}_shown", tuple(range(size)))
shown = st.segmented_control("The same equations with the numbers of", range(size), key=f"{P}_shown",
                             format_func=lambda u: f"unit {u}", required=True, persist_state="session")
ui.url.sync((replace(ui.widgets.current(P, AnatomyPage()), block="" if block == blocks[0] else block,
                     weights=weight_items(changed(weights, seeded))), AnatomyPage()))
for line in stepthrough.unit_latex(step, shown):
    st.latex(line)
with st.expander("The products inside every pre-activation of this unit"):
    st.dataframe(stepthrough.dot_table(step, shown), hide_index=True)
