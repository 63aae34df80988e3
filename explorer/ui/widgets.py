"""The one renderer: a config dataclass's settings (explorer/schema.py) drawn as widgets.

Every widget's key is ``{prefix}_{field}`` (``train_lr``, ``race_cells`` …), so tests find it by
key and pages never collide; each keeps its value for the session (``persist_state``), so a
setting outlives a visit to another page. The session state holds every setting of a form, drawn
or not (`put`), so a link's value for a setting a page does not draw survives too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from typing import Any

import streamlit as st

from explorer import schema
from explorer.schema import Setting
from explorer.ui.server import limits


def put(prefix: str, config: Any) -> None:
    """Put a config into its widgets (before they are drawn, or from a callback)."""
    for name in schema.settings(config):
        value = getattr(config, name)
        st.session_state[f"{prefix}_{name}"] = list(value) if isinstance(value, tuple) else value


def current(prefix: str, base: Any) -> Any:
    """The config the widgets hold now (settings they lack: `base`'s)."""
    ss = st.session_state
    return replace(base, **{name: _read(ss[f"{prefix}_{name}"]) for name in schema.settings(base)
                            if f"{prefix}_{name}" in ss})


def form(prefix: str, base: Any, names: Iterable[str] | None = None, into: Any = None,
         context: dict | None = None, on_change: dict[str, Callable] | None = None,
         labels: dict[str, Callable] | None = None, offer: dict[str, tuple] | None = None) -> Any:
    """Draw the widgets of `base`'s settings named (default: every one with a `section`, under
    its section's heading) in `into` (a container, default the sidebar, or one per setting) and
    return the config they hold. A setting whose `shown` fails is not drawn and keeps its value.
    `context`: what options depend on besides the other settings (a page's trace); `on_change`:
    a callback per setting; `labels`: how to write a setting's options where that depends on the
    page's data (a probe example by its text); `offer`: fewer options than the schema's, where a
    page takes only some (the tasks a custom cell trains on)."""
    ss, metas = st.session_state, schema.settings(base)
    names = [n for n, meta in metas.items() if meta.section] if names is None else list(names)
    if not isinstance(into, Sequence):  # one heading per section: a section's settings together
        order = list(dict.fromkeys(metas[n].section for n in names))
        names.sort(key=lambda n: order.index(metas[n].section))
    for name in metas:
        ss.setdefault(f"{prefix}_{name}", getattr(base, name))
    values = {name: _read(ss[f"{prefix}_{name}"]) for name in metas}
    seen, defaults, calls, labels = {**(context or {}), **values}, type(base)(), on_change or {}, labels or {}
    section, one_place = None, not isinstance(into, Sequence)
    for k, name in enumerate(names):
        meta = metas[name]
        if meta.shown is not None and not meta.shown(seen):
            continue
        with (into or st.sidebar) if one_place else into[k]:
            if one_place and meta.section and meta.section != section:
                section = meta.section
                st.subheader(section)
            if name in labels:
                meta = replace(meta, fmt=labels[name])
            if name in (offer or {}):
                meta = replace(meta, options=lambda _, fewer=offer[name]: fewer)
            seen[name] = values[name] = _read(draw(meta, f"{prefix}_{name}", getattr(defaults, name), seen,
                                                   calls.get(name)))
    return replace(base, **values)


def draw(meta: Setting, key: str, default: Any, values: dict, on_change: Callable | None = None) -> Any:
    """One setting's widget; a value the widget cannot show (a link's, a new task's) is made one
    it can: a slider gains the link's value as a stop, a number is brought within its bounds, a
    choice falls back to the first offered."""
    ss, kind = st.session_state, meta.kind(default)
    # persist_state: the setting outlives a visit to another page (Streamlit drops undrawn widgets)
    common = dict(label=meta.label, key=key, help=meta.help, persist_state="session", on_change=on_change,
                  disabled=meta.enabled is not None and not meta.enabled(values))
    if kind == "toggle":
        return st.toggle(**common)
    if kind == "number":
        return _number(meta, key, values, common)
    options = meta.offered(values)
    if kind == "multiselect":
        ss[key] = [v for v in ss[key] if v in options]
        span = meta.range(values, limits())
        return tuple(st.multiselect(options=options, format_func=meta.write,
                                    max_selections=span[1] if span else None, **common))
    if ss[key] not in options:  # a shared link may carry a value between the steps
        options = _with(options, ss[key]) if kind == "slider" else options
        if ss[key] not in options:
            ss[key] = options[0]
    if kind == "slider":
        return st.select_slider(options=options, format_func=meta.write, **common)
    if kind == "segmented":
        return st.segmented_control(options=options, format_func=meta.write, required=True, **common)
    return st.selectbox(options=options, format_func=meta.write, **common)


def _number(meta: Setting, key: str, values: dict, common: dict) -> Any:
    ss = st.session_state
    span = meta.range(values, limits())
    whole = isinstance(ss[key], int)
    low, high = span if span is not None else (None, None)
    if span is not None and ss[key] is not None:
        ss[key] = min(max(ss[key], low), high)
    step = 1 if whole else meta.step or 0.1
    value = st.number_input(min_value=low, max_value=high, step=step, **common)
    return value if value is None else int(value) if whole else float(value)


def _with(options: tuple, value: Any) -> tuple:
    """A slider's steps plus a value a shared link carried."""
    if value is None:
        return options
    numbers = sorted({o for o in options if o is not None} | {value})
    return ((None,) if None in options else ()) + tuple(numbers)


def _read(value: Any) -> Any:
    """A widget's value as a config holds it (a multiselect's list is a tuple)."""
    return tuple(value) if isinstance(value, list) else value
