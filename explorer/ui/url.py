"""The address bar: every page's settings and what it shows, so that a link reproduces the view.

A page reads its link once per session (`load`: each dataclass of settings over its base, into
the widgets; a bad value falls back with a notice that says what was used, `notify`), and
writes the address bar on every run (`sync`). `explorer.schema` does the reading and writing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any
from urllib.parse import urlencode

import streamlit as st

from explorer import schema
from explorer.pagestate import slug
from explorer.ui import widgets

RUN = "run"  # ?run=1: the link also starts the run it describes


def linked() -> dict[str, str]:
    """The link's query parameters, as the page was opened."""
    return st.query_params.to_dict()


def first_visit(prefix: str) -> bool:
    """True once per session and page: the moment to read its link."""
    flag = f"{prefix}_url_loaded"
    if st.session_state.get(flag):
        return False
    st.session_state[flag] = True
    return True


def load(prefix: str, base: Any, link: str = "") -> tuple[Any, list[str]]:
    """The link's settings of `base`'s class (keys: `link` + field), read over `base`, put into the
    widgets (`prefix`); the config and a notice for each value that could not be used."""
    config, notices = schema.from_query(base, linked(), link)
    widgets.put(prefix, config)
    return config, notices


def notify(notices: list[str]) -> None:
    for notice in notices:
        st.warning(f"The link had a setting that cannot be used. {notice}")


def query(*parts: tuple) -> dict[str, str]:
    """(config, base[, link prefix]) as one query: each config's settings that differ from its base."""
    found: dict[str, str] = {}
    for config, base, *link in parts:
        found |= schema.to_query(config, base, *link)
    return found


def sync(*parts: tuple) -> None:
    """The address bar holds the page's settings now."""
    wanted = query(*parts)
    if st.query_params.to_dict() != wanted:
        st.query_params.from_dict(wanted)


def share_url(*parts: tuple, run: bool = True) -> str:
    """A link to this page with these settings (and, with `run`, one that starts the run)."""
    base = (st.context.url or "").split("?")[0]
    return f"{base}?{urlencode(query(*parts) | ({RUN: '1'} if run else {}))}"


def wants_run(notices: list[str]) -> bool:
    """The link asks to start its run, and every setting it holds could be used."""
    return linked().get(RUN) == "1" and not notices


def press_later(prefix: str, *buttons: str) -> None:
    """The link asks for what these buttons draw (a sample, a reading), once the page can: `pressed`."""
    st.session_state[f"{prefix}_link_presses"] = set(buttons)


def pressed(prefix: str, button: str, ready: bool) -> bool:
    """True once, when `ready`, for a button `press_later` named: the link presses it."""
    asked = st.session_state.get(f"{prefix}_link_presses", set())
    if not ready or button not in asked:
        return False
    asked.discard(button)
    return True


def remember(prefix: str, base: Any) -> None:
    """Note the values the link gave settings whose options depend on data the page has yet to
    load (a recording's length, its training steps), for `fit`."""
    for name in schema.settings(base):
        if name in linked():
            st.session_state[f"{prefix}_{name}_linked"] = st.session_state[f"{prefix}_{name}"]


def fit(prefix: str, name: str, options: Sequence, default: Any, write: Callable[[Any], str] = str,
        reason: str = "") -> None:
    """Before a widget whose options depend on data: keep its value among them, else `default`
    (a multiselect keeps the values among them, `default` when none is); when the link gave the
    value, a notice says so, why (`reason`, else the options) and what is shown instead. `write`: an
    option as the link writes it (a tab's title as its slug)."""
    ss, key = st.session_state, f"{prefix}_{name}"
    linked_value = ss.pop(f"{key}_linked", None)
    value = ss.get(key)
    many = isinstance(value, (list, tuple))  # a multiselect's
    if many:
        default = [v for v in value if v in options] or list(default)
        if default == list(value):
            return
    elif value in options:
        return
    if linked_value is not None and linked_value == value:
        given = schema.format_value(tuple(linked_value) if many else linked_value)
        used = ",".join(map(write, default)) if many else write(default)
        reason = reason or f"this recording has {_span(options, write)}"
        st.warning(f"The link had a setting that cannot be used. Ignored {name}={given}: {reason}. "
                   f"Using {used or 'none'} instead.")
    ss[key] = default


def _span(options: Sequence, write: Callable[[Any], str]) -> str:
    """A recording's options in a sentence: '0 to 19' for numbers, 'one of: a, b' for names."""
    options = list(options)
    if not options:
        return "none"
    if all(isinstance(o, int) and not isinstance(o, bool) for o in options):
        return f"{write(options[0])} to {write(options[-1])}"
    return "one of: " + ", ".join(map(write, options))


def shown(prefix: str, base: Any, tabs: Sequence[str] = ("tab",)) -> Any:
    """What the page shows now (`widgets.current`), each of its `tabs` settings as a link writes
    it: the open tab's slug (kept by `ui.views.remembered_tabs`), or the link's until it is drawn."""
    ss, state = st.session_state, widgets.current(prefix, base)
    return replace(state, **{name: slug(ss.get(f"{prefix}_{name}_kept", getattr(state, name)))
                             for name in tabs})
