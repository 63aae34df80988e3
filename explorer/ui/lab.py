"""The Train page's settings: `RunConfig`'s widgets in the sidebar and their link."""

from __future__ import annotations

from explorer.config import RunConfig
from explorer.ui import url, widgets
from explorer.ui.runs import TRAIN_RUN_KEY, start_run

set_config = widgets.put  # a config into the widgets (before they are drawn, or from a callback)


def config_controls(prefix: str) -> RunConfig:
    """The sidebar settings as a RunConfig, drawn from its schema; the widgets hold the state."""
    return widgets.form(prefix, RunConfig())


def load_config_from_url(prefix: str) -> list[str]:
    """Once per session: the URL's settings into the widgets (and, with run=1 and nothing to
    fix, the run started); returns notices for bad ones."""
    if not url.first_visit(prefix):
        return []
    config, notices = url.load(prefix, RunConfig())
    if url.wants_run(notices):
        start_run(TRAIN_RUN_KEY, config)
    return notices


def sync_url(config: RunConfig) -> None:
    """The address bar always holds the current settings."""
    url.sync((config, RunConfig()))


def share_url(config: RunConfig) -> str:
    return url.share_url((config, RunConfig()))
