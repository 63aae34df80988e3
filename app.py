"""RNN Explorer: the entry point. Page config and navigation; no model code here."""

import os
import sys
from pathlib import Path

# One intra-op thread per process, set before torch loads: with two, small recurrent
# steps ran several times slower per CPU-second on a 2-core server.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import streamlit as st  # noqa: E402

from explorer import ui  # noqa: E402  (imports torch now, not on the first page view)
from explorer.limits import LimitsError  # noqa: E402

# the icon is a file the server sends: a Material icon name makes the browser fetch it from Google
st.set_page_config(page_title="RNN Explorer", page_icon=ui.FAVICON, layout="wide")
try:
    ui.limits()  # EXPLORER_* read once per server; `make run` checks them before it starts
except LimitsError as invalid:  # serve nothing rather than run without a limit
    print("RNN Explorer: invalid limits:\n  " + "\n  ".join(invalid.problems), file=sys.stderr)
    st.error("**This server's limits are invalid, so RNN Explorer does not run.** Whoever runs the "
             "server: fix these environment variables and restart it.\n\n"
             + "\n".join(f"- {problem}" for problem in invalid.problems), icon=":material/block:")
    st.stop()
ui.publish_static(Path(__file__).parent / "static")  # for ui.live_chart
ui.jobs()  # start the workers with the server, not on the first Train

# (script, title, Material icon); the first is the home page. The URL path is the file's name.
PAGES = [
    ("train", "Train", "model_training"),
    ("inside", "Inside", "biotech"),
    ("gradients", "Gradients", "trending_down"),
    ("race", "Race", "sports_score"),
    ("attention", "Attention", "center_focus_strong"),
    ("forecast", "Forecast", "timeline"),
    ("words", "Words & names", "translate"),
    ("text", "Text", "text_fields"),
    ("anatomy", "Cell anatomy", "functions"),
    ("your_cell", "Your cell", "edit_note"),
    ("shapes", "Shape explorer", "straighten"),
    ("your_model", "Your model", "upload_file"),
]

page = st.navigation([
    st.Page(f"pages/{name}.py", title=title, icon=f":material/{icon}:", url_path=name, default=k == 0)
    for k, (name, title, icon) in enumerate(PAGES)
])
with ui.script_slot():  # a classroom's scripts take turns, a few at a time (explorer/ui/slots.py)
    page.run()
