"""The settings schema: each setting of a config dataclass says once, on its field, what it is.

A field declares its metadata with `setting(default, label, help, ...)`::

    @dataclass(frozen=True)
    class RunConfig:
        hidden_size: int = setting(32, "Hidden units", "The size of h_t: more remembers more.",
                                   section="Model", steps=(4, 8, 16, 32, 64, 128, 256),
                                   bounds=lambda v, lim: (1, lim.max_hidden_size))

and everything reads it: `problems` (types, choices, bounds: a config's `validate()` adds only
what spans fields), `to_query` / `from_query` (the share link; a bad value falls back with a
notice), `add_arguments` / `from_arguments` (the CLI's flags and their `--help`), `table` (the
README's settings table) and `explorer.ui.widgets` (the one renderer of every page's widgets).
A new field with a `setting(...)` is in all of them; a field without one is none of them.

`Setting` in brief: `choices()` are the valid values (a registry's keys); `options(values)` what
a widget offers given the other settings (default: the choices, else the slider `steps`);
`bounds` a (low, high) pair or `(values, limits) -> (low, high) | None`; `widget` one of
`WIDGETS` (default: from the type and the above); `shown(values)` whether the widget is drawn;
`section` the widget's group (a setting with none is not drawn by `explorer.ui.widgets.form`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import MISSING, dataclass, field, fields, replace
from typing import Any

from explorer.checks import brief, shown, type_problems

WIDGETS = ("select", "slider", "number", "toggle", "segmented", "multiselect")
NAME = re.compile(r"[a-z0-9_-]{1,32}")  # what a URL may give a text field: a registry key
Values = Mapping[str, Any]


@dataclass(frozen=True)
class Setting:
    label: str  # what the widget, the CLI's help and the docs call it
    help: str  # one or two sentences: what it does, why one would change it
    section: str = ""  # the widgets' group (Model, Task, Training …)
    choices: Callable[[], Iterable] | None = None  # the valid values (a registry's keys)
    options: Callable[[Values], tuple] | None = None  # what a widget offers, given the other values
    steps: tuple = ()  # a slider's stops (a link may carry a value between them)
    bounds: tuple | Callable[[Values, Any], tuple | None] | None = None  # (low, high), inclusive
    message: str = ""  # out of bounds, said another way: a template over {low}, {high}, the values
    widget: str = ""  # one of WIDGETS; "" infers it
    step: float | None = None  # a number input's step
    fmt: Callable[[Any], str] | None = None  # how a widget writes a value
    shown: Callable[[Values], bool] | None = None  # the widget is drawn only when this holds
    enabled: Callable[[Values], bool] | None = None  # the widget is drawn greyed out unless this holds
    cli: bool = True  # a flag of `python -m explorer train`
    order: int = 0  # a link's bad settings are reset lowest first: what others depend on goes last
    fallback: Callable[[Values], Any] | None = None  # a link's bad value is replaced by this (None: base's)

    def kind(self, default: Any) -> str:
        """The widget that draws it: declared, or a toggle (bool), a select (choices), a slider
        (steps), a number input (the rest)."""
        if self.widget:
            return self.widget
        if isinstance(default, bool):
            return "toggle"
        return "select" if self.choices else "slider" if self.steps else "number"

    def offered(self, values: Values) -> tuple:
        """What a widget offers now."""
        if self.options is not None:
            return tuple(self.options(values))
        return tuple(self.choices()) if self.choices else self.steps

    def range(self, values: Values, limits: Any = None) -> tuple | None:
        return self.bounds(values, limits) if callable(self.bounds) else self.bounds

    def write(self, value: Any) -> str:
        return self.fmt(value) if self.fmt else f"{value:g}" if isinstance(value, float) else str(value)


def setting(default: Any, label: str, help: str, **meta: Any) -> Any:
    """A dataclass field with its `Setting` (see the module docstring)."""
    assert meta.get("widget", "") in ("", *WIDGETS), meta["widget"]
    return field(default=default, metadata={"setting": Setting(label, help, **meta)})


class Settings:
    """A base for a dataclass of settings checked one by one (nothing spans fields): a page's state."""

    def validate(self, limits: Any = None) -> list[str]:
        return problems(self, limits)


def settings(cls_or_config: Any) -> dict[str, Setting]:
    """Field name -> Setting, in the dataclass's order (fields without one are left out)."""
    return {f.name: f.metadata["setting"] for f in fields(cls_or_config) if "setting" in f.metadata}


def label(name: str) -> str:
    """A field's name as the start of a message ('hidden_size' -> 'Hidden size')."""
    return name.replace("_", " ").capitalize()


def choose(names: Iterable) -> str:
    return ", ".join(map(str, names))


# --- validation ---------------------------------------------------------------------------
def problems(config: Any, limits: Any = None) -> list[str]:
    """Every field of the wrong type, outside its choices or its bounds, said for a person.
    Field types first: the other checks compare values of the right type."""
    found = type_problems(config)
    if found:
        return found
    values = vars(config)
    for name, meta in settings(config).items():
        value, span = values[name], meta.range(values, limits)
        if meta.choices is not None:
            names = tuple(meta.choices())
            for bad in (v for v in (value if isinstance(value, tuple) else (value,)) if v not in names):
                found.append(f"Unknown {meta.label.lower()} {brief(bad)}. Choose one of: {choose(names)}.")
        if isinstance(value, tuple) and span is not None and not span[0] <= len(value) <= span[1]:
            found.append(f"{meta.label}: choose {span[0]} to {span[1]} (got {len(value)}).")
        if span is None or value is None or isinstance(value, (bool, str, tuple)) or meta.choices:
            continue
        low, high = span
        if not low <= value <= high:  # NaN is within no bounds
            if meta.message:
                found.append(meta.message.format(low=low, high=high, value=value, **values))
            elif isinstance(value, int):
                found.append(f"{label(name)} must be between {low} and {high} (got {value}).")
            else:
                found.append(f"{label(name)} must be between {low:g} and {high:g} (got {value:g}).")
    return found


# --- the share link -------------------------------------------------------------------------
def format_value(value: Any) -> str:
    """A value as a URL writes it."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, tuple):
        return ",".join(map(format_value, value))
    return repr(value) if isinstance(value, float) else str(value)


def parse_value(default: Any, raw: str, whole: bool | None = None) -> Any:
    """A URL's text as a value of the default's type; ValueError when it is not one. A tuple holds
    whole numbers or names, as `whole` says (a field's type: `whole_items`), else its first item."""
    if default is MISSING:
        raise ValueError(raw)
    if isinstance(default, tuple):
        whole = bool(default) and isinstance(default[0], int) if whole is None else whole
        parse = int if whole else _parse_name
        return tuple(parse(part) for part in raw.split(",")) if raw else ()
    if default is None and raw.lower() == "none":
        return None
    if isinstance(default, bool):
        if raw.lower() in ("1", "true", "yes", "on"):
            return True
        if raw.lower() in ("0", "false", "no", "off"):
            return False
        raise ValueError(raw)
    if isinstance(default, int):
        return int(raw)
    if isinstance(default, float) or default is None:
        value = float(raw)
        if not math.isfinite(value):
            raise ValueError(raw)
        return value
    return _parse_name(raw)


def _parse_name(raw: str) -> str:
    if not NAME.fullmatch(raw):
        raise ValueError(raw)
    return raw


def expected(config_class: type, name: str) -> str:
    """What a URL value for this field must look like."""
    meta, default = settings(config_class)[name], _defaults(config_class)[name]
    if meta.choices is not None:
        return f"not one of {choose(meta.choices())}"
    if isinstance(default, tuple):
        return "not a list of " + ("whole numbers" if whole_items(config_class, name) else "names")
    if isinstance(default, bool):
        return "not 1 or 0"
    if isinstance(default, int):
        return "not a whole number"
    if isinstance(default, str):
        return "not a name"
    return "not a finite number" + (" or none" if default is None else "")


def to_query(config: Any, base: Any = None, prefix: str = "") -> dict[str, str]:
    """The settings that differ from `base` (default: the class's defaults), as query parameters
    (keys: `prefix` + the field's name, where two configs share a link)."""
    base = type(config)() if base is None else base
    return {prefix + name: format_value(getattr(config, name)) for name in settings(config)
            if getattr(config, name) != getattr(base, name)}


def parse_query(config_class: type, params: Mapping[str, Any], prefix: str = "",
                ) -> tuple[dict[str, Any], list[str]]:
    """The values of this class's settings that the parameters hold, and a notice for each that
    cannot be read. Other keys are other settings' and are left alone."""
    values, notices, defaults = {}, [], _defaults(config_class)
    for key, raw in params.items():
        name = key[len(prefix):] if key.startswith(prefix) else None
        if name not in defaults:
            continue
        raw = raw[-1] if isinstance(raw, (list, tuple)) and raw else raw
        try:
            values[name] = parse_value(defaults[name], str(raw), whole_items(config_class, name))
        except ValueError:
            notices.append(f"Ignored {key}={shown(raw)}: {expected(config_class, name)}.")
    return values, notices


def whole_items(config_class: type, name: str) -> bool | None:
    """Whether the field is a tuple of whole numbers, by its type (None: not a tuple)."""
    kind = next(str(f.type) for f in fields(config_class) if f.name == name)
    return kind == "tuple[int, ...]" if kind.startswith("tuple[") else None


def _defaults(config_class: type) -> dict[str, Any]:
    return {f.name: f.default for f in fields(config_class) if "setting" in f.metadata}


# --- the CLI --------------------------------------------------------------------------------
def add_arguments(parser: Any, config_class: type) -> None:
    """One flag per setting (`--hidden-size`), its help the schema's: label, help, choices or
    bounds, default. Values are checked by the config's `validate()`, not argparse, so a bad one
    gets the same message as everywhere else. A flag not given is absent from the parsed
    namespace, so `from_arguments` can tell it from one given with the default's value (a flag
    given explicitly overrides a preset)."""
    import argparse

    for name, meta in settings(config_class).items():
        if not meta.cli:
            continue
        default = _defaults(config_class)[name]
        flag, about = "--" + name.replace("_", "-"), _cli_help(meta, default)
        if isinstance(default, bool):
            parser.add_argument(flag, action=argparse.BooleanOptionalAction, default=argparse.SUPPRESS,
                                help=about)
        else:
            kind = float if default is None else type(default)
            parser.add_argument(flag, type=kind, default=argparse.SUPPRESS, help=about,
                                metavar=name.upper() if meta.choices is None else "NAME")


def _cli_help(meta: Setting, default: Any) -> str:
    words = f"{meta.label}: {meta.help}"
    if meta.choices is not None:
        words += f" One of: {choose(meta.choices())}."
    elif isinstance(meta.bounds, tuple):
        words += f" From {meta.bounds[0]:g} to {meta.bounds[1]:g}."
    text = "none" if default is None else "empty" if default == "" else format_value(default)
    return (words + f" (default: {text})").replace("%", "%%")


def from_arguments(config_class: type, args: Any, base: Any = None, **fixed: Any) -> Any:
    """`base` (default: the defaults, with `fixed` for fields without a flag) with every setting
    whose flag was given replaced by the flag's value."""
    base = base if base is not None else config_class(**fixed)
    return replace(base, **{name: getattr(args, name) for name, meta in settings(config_class).items()
                            if meta.cli and hasattr(args, name)})


# --- the docs -------------------------------------------------------------------------------
def table(config_class: type, limits: Any = None, flags: bool = True) -> str:
    """The settings as a Markdown table: URL key and CLI flag, label, default, accepted values
    (bounds that depend on other settings or on `limits`: as they are with the defaults), help."""
    key = "URL key, `--flag`" if flags else "URL key"
    rows = [f"| setting ({key}) | label | default | accepted | what it does |",
            "|---|---|---|---|---|"]
    for name, meta in settings(config_class).items():
        default = _defaults(config_class)[name]
        if meta.choices is not None:
            accepted = choose(meta.choices())
        elif isinstance(default, bool):
            accepted = "1 or 0"
        elif (span := meta.range(_defaults(config_class), limits)) is None:
            accepted = "any"
        elif isinstance(default, tuple):  # bounds on how many
            kind = "whole numbers" if whole_items(config_class, name) else "names"
            accepted = f"{span[0]} to {span[1]} {kind}"
        else:
            accepted = f"{span[0]:g} – {span[1]:g}" + ("" if isinstance(meta.bounds, tuple) else "¹")
        flag = f", `--{name.replace('_', '-')}`" if meta.cli and flags else ""
        rows.append(f"| `{name}`{flag} | {meta.label} | {format_value(default)} | {accepted} | "
                    f"{meta.help.replace('|', chr(92) + '|')} |")
    note = "\n\n¹ With the other settings at their defaults." if any("¹" in row for row in rows) else ""
    return "\n".join(rows) + note


def from_query(base: Any, params: Mapping[str, Any], prefix: str = "") -> tuple[Any, list[str]]:
    """The config a link describes: `base` with the settings it holds. A value that cannot be
    read, or makes `validate()` fail, falls back (to its setting's `fallback`, else to `base`'s),
    one field at a time, with a notice that says which, why and what is used instead."""
    values, notices = parse_query(type(base), params, prefix)
    config = replace(base, **values)
    problems = config.validate()
    metas = settings(base)
    for name in sorted(metas, key=lambda n: metas[n].order):  # what others depend on, last
        if not problems:
            break
        meta = metas[name]
        fallback = meta.fallback(vars(config)) if meta.fallback else None
        fallback = getattr(base, name) if fallback is None else fallback
        candidate = replace(config, **{name: fallback})
        remaining = candidate.validate()
        if len(remaining) < len(problems):
            fixed = " ".join(p for p in problems if p not in remaining)
            notices.append(f"Ignored {prefix}{name}={format_value(getattr(config, name))}: {fixed} "
                           f"Using {format_value(fallback) or 'none'} instead.")
            config, problems = candidate, remaining
    if problems:
        return base, [f"Ignored the link's settings: {' '.join(problems)} Using the defaults."]
    return config, notices
