"""Shape explorer: what torch.nn.RNN/LSTM/GRU return, computed by running the real module."""

import pandas as pd
import streamlit as st

from explorer import export, ui
from explorer.cells import CELLS, FUSED_CELLS
from explorer.shapes import BOUNDS, ShapeQuestion, explore

P = "shapes"
LABELS = {"input_size": "input_size (features per step)", "hidden_size": "hidden_size (units)",
          "num_layers": "num_layers", "batch": "batch (sequences)", "length": "length (steps)"}
DEFAULTS = ShapeQuestion()


@st.cache_data(max_entries=256, show_spinner=False)
def answer(question: ShapeQuestion):
    return explore(question)


ui.through_app()
st.title("Shape explorer")
st.caption("Pick the settings of a recurrent layer and a batch: the shapes below are what PyTorch returns "
           "when this exact module runs, with what each dimension means.")

# persist_state: the settings outlive a visit to another page
cell = st.segmented_control("Cell", list(FUSED_CELLS), format_func=lambda c: CELLS[c].title, key=f"{P}_cell",
                            default=DEFAULTS.cell, required=True, persist_state="session")
sizes = {}
for column, (name, (low, high)) in zip(st.columns(len(BOUNDS)), BOUNDS.items(), strict=True):
    sizes[name] = int(column.number_input(LABELS[name], low, high, getattr(DEFAULTS, name), step=1,
                                          key=f"{P}_{name}", persist_state="session"))
left, right = st.columns(2)
bidirectional = left.toggle("bidirectional", key=f"{P}_bidirectional", persist_state="session",
                            help="A second layer reads the sequence backwards; the outputs are concatenated.")
batch_first = right.toggle("batch_first", value=True, key=f"{P}_batch_first", persist_state="session",
                           help="Input and output as (batch, time, features) instead of (time, batch, …).")

question = ShapeQuestion(cell, bidirectional=bidirectional, batch_first=batch_first, **sizes)
problems = question.validate()
if problems:
    for problem in problems:
        st.warning(problem)
    st.stop()

result = answer(question)
st.code(result.code, language="python")
rows = [{"tensor": t.name, "shape": str(t.shape), "dimension": k, "size": size, "meaning": meaning}
        for t in result.tensors for k, (size, meaning) in enumerate(zip(t.shape, t.meanings, strict=True))]
for tensor in result.tensors:
    st.markdown(f"**`{tensor.name}`** has shape **`{tuple(tensor.shape)}`**")
    dims = enumerate(zip(tensor.shape, tensor.meanings, strict=True))
    st.markdown("\n".join(f"- dim {k} = {size}: {meaning}" for k, (size, meaning) in dims))
st.markdown("**Checked on the numbers this module returned**")
for code, meaning, held in result.facts:
    mark = ":green[:material/check_circle:]" if held else ":red[:material/cancel:]"
    st.markdown(f"{mark} `{code}`: {meaning}")
with st.expander("All shapes as a table", icon=":material/table:"):
    table = pd.DataFrame(rows)
    st.dataframe(table, hide_index=True)
    st.download_button("Data (CSV)", export.table_csv(table), file_name="shapes.csv", mime="text/csv",
                       key=f"{P}_csv", on_click="ignore")
