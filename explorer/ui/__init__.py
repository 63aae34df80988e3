"""Streamlit glue, by concern; the only part of `explorer` that imports streamlit.

    server     the server's limits and job layer, a session's handles, `through_app`
    widgets    the one renderer: a config's settings (explorer/schema.py) as widgets
    url        the address bar: a page's settings and view in, notices out, synced back
    presets    a page's preset picker (only its own presets)
    lab        the Train page's RunConfig widgets and link
    runs       the session's runs: start, hold, pause, step, resume, stop, reset
    status     a run's status line
    downloads  a finished run's files
    panels     live panels (fragments) at a pace the server can afford
    charts     live charts: sent whole once, then only what changed
    views      the views pages' shared pieces: views with downloads, tabs, the time cursor
    index_page serve.py's middleware: each page's HTML names the server's base URL
    feed_route serve.py's route for live charts' feeds (explorer/feeds.py)

Every widget key starts with its page's prefix (``train_cell``, ``race_cells`` …). Pages call
``ui.<name>``: the names below are re-exported from their modules.
"""

from explorer.ui import url, widgets
from explorer.ui.charts import live_chart, live_curve, live_memo, publish_static
from explorer.ui.downloads import downloads, module_name, script_download
from explorer.ui.lab import config_controls, load_config_from_url, set_config, share_url, sync_url
from explorer.ui.panels import live_fragment, live_load
from explorer.ui.presets import apply_preset, matching, picker
from explorer.ui.runs import (
    TRAIN_RUN_KEY,
    current_run,
    hold,
    lab_snapshot,
    pause_run,
    reset_run,
    resume_run,
    start_run,
    step_run,
    stop_run,
)
from explorer.ui.server import FAVICON, jobs, limits, submit, through_app
from explorer.ui.slots import script_slot
from explorer.ui.status import status_line
from explorer.ui.views import (
    linked_tabs,
    remembered_tabs,
    time_cursor,
    view_options,
    view_with_downloads,
    views_in_tabs,
)

__all__ = [
    "FAVICON", "TRAIN_RUN_KEY", "apply_preset", "config_controls", "current_run",
    "downloads", "hold", "jobs", "lab_snapshot", "limits", "linked_tabs", "live_chart", "live_curve",
    "live_fragment", "live_load", "live_memo", "load_config_from_url", "matching",
    "module_name", "pause_run", "picker", "publish_static", "remembered_tabs", "reset_run", "resume_run",
    "script_download", "script_slot", "set_config", "share_url", "start_run", "status_line", "step_run",
    "stop_run", "submit", "sync_url", "through_app", "time_cursor", "url",
    "view_options", "view_with_downloads", "views_in_tabs", "widgets",
]
