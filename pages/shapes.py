"""Shape explorer: what torch.nn.RNN/LSTM/GRU return, computed by running the real module."""

import pandas as pd
import streamlit as st

from explorer import export, ui
from explorer.shapes import ShapeQuestion, explore

P = "shapes"
SIZES = ("input_size", "hidden_size", "num_layers", "batch", "length")


@st.cache_data(max_entries=256, show_spinner=False)
def answer(question: ShapeQuestion):
    return explore(question)


ui.through_app()
st.title("Shape explorer")
st.caption("Pick the settings of a recurrent layer and a batch: the shapes below are what PyTorch returns "
           "when this exact module runs, with what each dimension means.")

notices = ui.url.load(P, ShapeQuestion())[1] if ui.url.first_visit(P) else []
ui.url.notify(notices)
ui.widgets.form(P, ShapeQuestion(), ["cell"], into=st.container())
ui.widgets.form(P, ShapeQuestion(), SIZES, into=st.columns(len(SIZES)))
question = ui.widgets.form(P, ShapeQuestion(), ["bidirectional", "batch_first"], into=st.columns(2))
ui.url.sync((question, ShapeQuestion()))
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
