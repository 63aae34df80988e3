"""Your model: upload a torch.nn.RNN/LSTM/GRU's weights, feed it a sequence, look inside every step."""

import numpy as np
import streamlit as st
import torch
from safetensors.torch import save as save_safetensors

from explorer import stepthrough, trace_rnn, ui, upload
from explorer.trace import Trace
from explorer.views import tabs_for

P = "your_model"
NONLINEARITIES = {"tanh": "tanh", "relu": "ReLU"}  # a vanilla RNN's, as the page writes them
KEPT = f"{P}_kept_file"  # (name, bytes) of the last upload: the uploader forgets it on another page
ss = st.session_state


@st.cache_data(max_entries=4, show_spinner="Reading the weights…")
def architecture(data: bytes, nonlinearity: str) -> upload.Architecture:
    return upload.infer(upload.read_weights(data), nonlinearity)


@st.cache_data(max_entries=8, show_spinner="Running your model step by step…")
def record(data: bytes, nonlinearity: str, batch_first: bool, x: np.ndarray) -> Trace:
    """The layer's replay on one sequence x (T, F), fed in the chosen layout."""
    module, _ = upload.load_module(data, nonlinearity, batch_first)
    batch = torch.from_numpy(x)[None] if batch_first else torch.from_numpy(x)[:, None]  # (1,T,F) | (T,1,F)
    trace = trace_rnn(module, batch)
    trace.inputs = x[None]
    return trace


@st.cache_data
def example_file() -> bytes:
    """A random torch.nn.LSTM(3, 16)'s state_dict as safetensors: the format to upload."""
    torch.manual_seed(0)
    return save_safetensors(torch.nn.LSTM(3, 16).state_dict())


def keep_upload() -> None:
    """The uploader's callback (the person added or removed a file): keep its bytes, or forget them."""
    file = ss.get(f"{P}_file")
    if file is None:
        ss.pop(KEPT, None)
    else:
        ss[KEPT] = (file.name, file.getvalue())


def forget_upload() -> None:
    ss.pop(KEPT, None)


ui.through_app()
st.title("Look inside your own model")
st.caption("Upload the weights of a torch.nn.RNN, LSTM or GRU — saved with `safetensors.torch."
           "save_file(rnn.state_dict(), 'rnn.safetensors')` or `torch.save(rnn.state_dict(), 'rnn.pt')` — "
           "and see every view of the Inside page on a sequence you type or generate. "
           f"At most {upload.MAX_BYTES // 2**20} MB.")
file = st.file_uploader("Weights (.safetensors, or a state_dict .pt/.pth)", key=f"{P}_file",
                        type=["safetensors", "pt", "pth", "bin"], max_upload_size=upload.MAX_BYTES // 2**20,
                        on_change=keep_upload)
left, right = st.columns(2)
left.download_button("Download an example file (a random LSTM)", example_file(), key=f"{P}_example_file",
                     file_name="example_lstm.safetensors", mime="application/octet-stream", on_click="ignore")
if right.button("Use the example file", key=f"{P}_use_example"):
    ss[f"{P}_example_on"] = True
    if file is None:  # the uploader is empty: the example, not a file kept from an earlier visit
        forget_upload()
kept = ss.get(KEPT)
if file is None and kept is None and not ss.get(f"{P}_example_on"):
    st.info("Upload a file, or use the example file, to begin.")
    st.stop()
if file is not None:
    data = file.getvalue()
elif kept is not None:  # back from another page: the uploader is empty, the file is not forgotten
    note, forget = st.columns([5, 1], vertical_alignment="center")
    note.caption(f"Showing **{kept[0]}**, the file uploaded earlier. Upload another to replace it.")
    forget.button("Forget it", key=f"{P}_forget", on_click=forget_upload, icon=":material/close:")
    data = kept[1]
else:
    data = example_file()

try:
    arch = architecture(data, "tanh")
    nonlinearity, batch_first = "tanh", True
    cols = st.columns(2)
    if arch.cell.startswith("rnn"):
        said = upload.stated_nonlinearity(data)  # the app's own files carry it
        if said:
            nonlinearity = said
            cols[0].caption(f"Nonlinearity: **{NONLINEARITIES[said]}**, as the file says (its metadata).")
        else:
            nonlinearity = cols[0].radio("Nonlinearity: the file does not say, and a vanilla RNN's weights "
                                         "cannot — pick the one it was trained with", list(NONLINEARITIES),
                                         format_func=NONLINEARITIES.get, key=f"{P}_nonlinearity",
                                         horizontal=True, persist_state="session")
        arch = architecture(data, nonlinearity)
    batch_first = cols[1].toggle("batch_first layout", value=True, key=f"{P}_batch_first",
                                 help="How the input is fed: (batch, time, features) or (time, batch, …).",
                                 persist_state="session")
    st.success(f"Read {arch.describe()}.", icon=":material/check:")
    source = st.segmented_control("Input sequence", ["generate", "type"], key=f"{P}_source",
                                  default="generate", required=True, persist_state="session")
    if source == "generate":
        kind_col, length_col, seed_col = st.columns(3)
        kind = kind_col.selectbox("Kind", upload.SEQUENCE_KINDS, key=f"{P}_kind", persist_state="session")
        length = length_col.number_input("Steps", 1, upload.MAX_STEPS, 40, key=f"{P}_length",
                                         persist_state="session")
        seed = seed_col.number_input("Seed", 0, 9999, key=f"{P}_seed", persist_state="session")  # from 0
        x = upload.generate(kind, int(length), arch.input_size, int(seed))
    else:
        wave = upload.generate("sine", 8, arch.input_size)
        example = "\n".join(", ".join(f"{v:.2f}" for v in row) for row in wave)
        text = st.text_area(f"One step per line, {arch.input_size} numbers per line", example, height=180,
                            key=f"{P}_text", max_chars=200_000, persist_state="session")
        x = upload.parse_sequence(text, arch.input_size)
    trace = record(data, nonlinearity, batch_first, x)
except upload.UploadError as problem:
    st.error(str(problem), icon=":material/error:")
    st.stop()
fed = (1, len(x), arch.input_size) if batch_first else (len(x), 1, arch.input_size)
st.caption(f"Fed to the module as a tensor of shape {fed}.")

for key, count, default in (("layer", trace.num_layers, trace.num_layers - 1),
                            ("direction", trace.num_directions, 0)):
    if ss.get(f"{P}_{key}", count) >= count:  # first view, or a new upload with fewer
        ss[f"{P}_{key}"] = default
cols = st.columns(2)
layer = cols[0].selectbox("Layer", range(trace.num_layers), format_func=lambda k: f"layer {k + 1}",
                          key=f"{P}_layer", disabled=trace.num_layers == 1, persist_state="session")
direction = cols[1].selectbox("Direction", range(trace.num_directions), key=f"{P}_direction",
                              format_func=("forward", "backward").__getitem__,
                              disabled=trace.num_directions == 1, persist_state="session")
cursor = ui.time_cursor(f"{P}_t", trace.seq_len)
options = ui.view_options(P, trace, layer=layer, direction=direction, cursor=cursor)

names = tabs_for(trace) + ["Step-through"]
tabs = ui.remembered_tabs(f"{P}_tab", names)  # only the open tab is drawn
ui.views_in_tabs(P, trace, options, tabs)
if tabs["Step-through"].open:
    with tabs["Step-through"]:
        ss[f"{P}_unit"] = min(ss.get(f"{P}_unit", 0), trace.hidden_size - 1)
        unit = st.number_input("Unit", 0, trace.hidden_size - 1, step=1, key=f"{P}_unit",
                               persist_state="session")
        explained = stepthrough.explain(trace, options.layer, options.direction, 0, options.cursor, int(unit))
        for line in explained.equations:
            st.latex(line)
        st.markdown(f"**Step t = {options.cursor}, unit {unit}, with its numbers**")
        for line in explained.numbers:
            st.latex(line)
        with st.expander("The products inside every pre-activation"):
            st.dataframe(explained.products, hide_index=True)
