"""A page's preset picker: its own presets only (explorer.presets: each names its pages)."""

from __future__ import annotations

import streamlit as st

from explorer.presets import PRESETS, presets_for
from explorer.ui import widgets

CUSTOM = "custom"  # the Train page's "none of them"


def apply_preset(prefix: str) -> None:
    """Callback of a preset picker: the chosen preset's settings into the widgets."""
    name = st.session_state[f"{prefix}_preset"]
    if name in PRESETS:
        widgets.put(prefix, PRESETS[name].config())


def matching(page: str, config) -> str:
    """The name of this page's preset whose settings these are, else CUSTOM: a link to a preset's
    settings opens with that preset picked (and its lesson shown)."""
    return next((name for name, p in presets_for(page).items() if p.config() == config), CUSTOM)


def picker(page: str, prefix: str) -> None:
    """The Train page's picker: 'Custom' and its presets; picking one fills in every setting."""
    st.selectbox("Preset", [CUSTOM, *presets_for(page)], key=f"{prefix}_preset", on_change=apply_preset,
                 args=(prefix,), persist_state="session",
                 format_func=lambda p: PRESETS[p].title if p in PRESETS else "Custom",
                 help="Good starting points; picking one fills in every setting below.")
