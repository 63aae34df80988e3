"""RNN Explorer: the entry point. Page config and navigation; no model code here."""

import os

# One intra-op thread per process, set before torch loads: with two, small recurrent
# steps ran several times slower per CPU-second on a 2-core server.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import streamlit as st  # noqa: E402

from explorer import ui  # noqa: E402  (imports torch now, not on the first page view)

st.set_page_config(page_title="RNN Explorer", page_icon="🔁", layout="wide")
ui.worker_pool()  # start the training workers with the server, not on the first Train
ui.keep_widget_state("train")

PAGES = [
    st.Page("pages/train.py", title="Train", icon="🏋️", url_path="train", default=True),
]

st.navigation(PAGES).run()
