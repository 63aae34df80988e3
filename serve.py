"""RNN Explorer's server: `streamlit run serve.py` serves the app (app.py) as an ASGI app.

The one addition to Streamlit's own server is `BackendBaseUrl`: every page's HTML says where the
server is, so a deep link such as /gradients does not probe /gradients/_stcore/… first (two 404s).
"""

import os

# as app.py does, before torch loads (explorer.ui imports it): one intra-op thread per process
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import streamlit as st  # noqa: E402
from starlette.middleware import Middleware  # noqa: E402

from explorer.ui.index_page import BackendBaseUrl  # noqa: E402

app = st.App("app.py", middleware=[Middleware(BackendBaseUrl)])
