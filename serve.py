"""RNN Explorer's server: `streamlit run serve.py` serves the app (app.py) as an ASGI app.

Two additions to Streamlit's own server: `BackendBaseUrl`, so that every page's HTML says where the
server is (a deep link such as /gradients does not probe /gradients/_stcore/… first: two 404s);
and the feeds' route, where live charts ask for their new points (`explorer.feeds`) instead of
their panels rerunning five times a second to send them.
"""

import os
from pathlib import Path

# as app.py does, before torch loads (explorer.ui imports it): one intra-op thread per process
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import streamlit as st  # noqa: E402
from starlette.middleware import Middleware  # noqa: E402

from explorer.ui.charts import publish_static  # noqa: E402
from explorer.ui.feed_route import feed_route  # noqa: E402
from explorer.ui.index_page import BackendBaseUrl  # noqa: E402

# before Streamlit looks for app/static/ (a fresh checkout has none); app.py keeps it fresh
publish_static(Path(__file__).parent / "static")

app = st.App("app.py", middleware=[Middleware(BackendBaseUrl)],
             routes=[feed_route(st.get_option("server.baseUrlPath") or "")])
