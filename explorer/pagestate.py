"""What each page shows, as settings: the part of a page's link that is not a run's config.

Each page's state is a frozen dataclass whose fields carry their `setting` (explorer/schema.py),
like `RunConfig`'s, so the one renderer draws them, the URL carries them and a tampered value
falls back with a notice. Options that depend on what a page has recorded read it from the
values the page passes along (`trace`, `steps`: explorer.ui.widgets.form's `context`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

from explorer.anatomy import AnatomyPage  # noqa: F401 (Cell anatomy's, in its own module)
from explorer.cells import CELLS, FUSED_CELLS, built_in
from explorer.config import RunConfig
from explorer.examples import EXAMPLE_TITLES, EXAMPLES
from explorer.figures.trajectory import COLOR_BY, color_options
from explorer.forecast.data import MISSING
from explorer.forecast.generated import GENERATORS
from explorer.forecast.spec import MAX_HORIZON
from explorer.packing import MAX_HIDDEN, MAX_ROWS
from explorer.packing import MAX_LENGTH as MAX_ROW_LENGTH
from explorer.presets import PRESETS, presets_for
from explorer.schema import Settings, setting, settings
from explorer.tasks import TASKS
from explorer.tasks.series import FORECAST_SHAPES
from explorer.text.corpora import CORPORA
from explorer.text.generate import MAX_LENGTH, TEMPERATURES
from explorer.text.model import MAX_READ
from explorer.views import MAX_UNITS, VIEWS, views_for

GRADIENT_VIEWS = {"flow": "Gradient flow", "vanishing": "Why it vanishes", "exploding": "Exploding"}
DIRECTIONS = ("forward", "backward")
SWEEP_LENGTHS = (5, 10, 25, 50, 100, 200)
STREAMS = {"encoder_forward": "Encoder h_j (forward)", "encoder_backward": "Encoder h_j (backward)",
           "decoder": "Decoder s_t"}
SOURCES = {"generated": "A generated one", "upload": "Your CSV"}
ERRORS = ("mse", "mae")
WORDS_TASKS = ("names", "tagging")
OWN = "own"  # the Text page's corpus "your own text" (uploaded or pasted: never in a link)
CLAMP_STEPS = tuple(round(0.05 * k, 2) for k in range(21))  # a clamped gate's values, 0 to 1
TEXT_VIEWS = {"sample": "Sample", "units_over_text": "Units over text", "connectivity": "Connectivity",
              "inside_views": "Inside views"}  # the Text page's tabs, by slug
TEMPERATURE_STEPS = tuple(round(0.1 * k, 1) for k in range(1, round(TEMPERATURES[1] * 10) + 1))
DIMS = (2, 3)  # the trajectory's principal components


def _text_corpus_title(name: str) -> str:
    return CORPORA[name].title if name in CORPORA else "Your own text"


def _units(values: dict) -> tuple[int, ...]:
    return tuple(range(values["trace"].hidden_size))


def _unit_bounds(values: dict, _limits: Any) -> tuple[int, int] | None:
    """A recording's units (a link's value waits for the recording: `explorer.ui.url.fit`)."""
    return (0, values["trace"].hidden_size - 1) if "trace" in values else None


def _view_names(values: dict) -> tuple[str, ...]:
    return tuple(view.name for view in views_for(values["trace"]))


def _clamping(values: dict) -> bool:
    return bool(values["clamp_gate"])


def slug(title: str) -> str:
    """A tab's title as a link writes it ('Compare moments' -> 'compare_moments')."""
    return re.sub(r"[^a-z0-9]+", "_", title.lower()).strip("_")


def _preset_title(name: str) -> str:
    return PRESETS[name].title


def _reused(owner: type, name: str, default: Any, changes: dict) -> Any:
    return field(default=default, metadata={"setting": replace(settings(owner)[name], **changes)})


def run_setting(name: str, default: Any, **changes: Any) -> Any:
    """A field that is a RunConfig setting on a page that offers it otherwise (its own default,
    steps, label …): the label, help and checks not changed are RunConfig's."""
    return _reused(RunConfig, name, default, changes)


@dataclass(frozen=True)
class ViewControls(Settings):
    """The controls the shared views draw beside their figure (explorer.ui.views.views_in_tabs), for
    a page whose link does not hold them; a page whose link does has them as fields (`view_setting`)."""
    units: tuple[int, ...] = setting((0,), "Units to follow", f"The units whose gates "
                                     f"*{VIEWS['gate_lines'].title}* draws as lines.", options=_units,
                                     bounds=(1, MAX_UNITS), widget="multiselect")
    dims: int = setting(2, "Projection", "The hidden-state trajectory on its first 2 or 3 principal "
                        "components.", choices=lambda: DIMS, fmt=lambda d: f"{d}D", widget="segmented")


def view_setting(name: str, **changes: Any) -> Any:
    """A field that is one of the `ViewControls` on a page whose link holds it: its default and
    setting are ViewControls' but for `changes` (`default` among them)."""
    return _reused(ViewControls, name, changes.pop("default", getattr(ViewControls(), name)), changes)


@dataclass(frozen=True)
class GradientsPage(Settings):
    preset: str = setting("lab-vanishing", "Preset", "A starting point for a lesson; every knob below "
                          "stays yours.", choices=lambda: presets_for("gradients"), fmt=_preset_title)
    view: str = setting("flow", "View", "Gradient flow through time, why it vanishes (the spectrum of "
                        "W_hh against the bound), or the gradient norm of every training step.",
                        choices=lambda: GRADIENT_VIEWS, fmt=GRADIENT_VIEWS.get, widget="segmented")

@dataclass(frozen=True)
class RacePage(Settings):
    preset: str = setting("race-quick", "Settings", "The race's task and training settings, each with "
                          "its lesson.", choices=lambda: presets_for("race"), fmt=_preset_title)
    cells: tuple[str, ...] = setting(("rnn_tanh", "lstm", "gru"), "Cells (2 to 4)", "The cells that race "
                                     "on the same data and seed.", choices=built_in,
                                     fmt=lambda c: CELLS[c].title, bounds=(2, 4), widget="multiselect")
    cursor: int = setting(0, "Time cursor: training step", "The training step whose recordings the "
                          "gradient profiles show (0: the last).", bounds=(0, 10**7),
                          options=lambda v: tuple(v["steps"]), widget="slider")

@dataclass(frozen=True)
class SweepPage(Settings):
    cells: tuple[str, ...] = setting(("rnn_tanh", "lstm", "gru"), "Cells", "The cells whose memory span "
                                     "is measured.", choices=built_in, fmt=lambda c: CELLS[c].title,
                                     bounds=(1, len(built_in())), widget="multiselect")
    lens: tuple[int, ...] = setting((10, 25, 50, 100), "Sequence lengths T", "Each cell trains once at each "
                                    "length.", choices=lambda: SWEEP_LENGTHS, bounds=(1, len(SWEEP_LENGTHS)),
                                    widget="multiselect")


@dataclass(frozen=True)
class InsidePage(Settings):
    preset: str = setting(next(iter(EXAMPLES)), "Example", "A small run that trains in about a second, "
                          "shown when the Train page has none.", choices=lambda: EXAMPLES,
                          fmt=EXAMPLE_TITLES.get)
    tab: str = setting("unrolled", "View tab", "The open tab (its title in lower case, words joined by _).")
    t: int = setting(0, "Time step t (the cursor)", "The time step every view marks.", bounds=(0, 100_000))
    moment: int = setting(-1, "Training step of the recording", "History: every view at that moment "
                          "(-1: the newest).", bounds=(-1, 10**7), options=lambda v: tuple(v["steps"]),
                          widget="slider", shown=lambda v: len(v["steps"]) > 1)
    example: int = setting(0, "Probe example", "Which sequence of the probe batch the views show.",
                           bounds=(0, 63), options=lambda v: tuple(range(v["trace"].batch_size)),
                           fmt=lambda b: f"example {b + 1}", widget="select")
    layer: int = setting(-1, "Layer (gates, trajectory, step-through)", "Which stacked layer (-1: the top).",
                         bounds=(-1, 3), options=lambda v: tuple(range(v["trace"].num_layers)),
                         fmt=lambda k: f"layer {k + 1}", widget="select",
                         enabled=lambda v: v["trace"].num_layers > 1)
    direction: int = setting(0, "Direction", "Forward, or backward for a bidirectional layer.",
                             bounds=(0, 1), options=lambda v: tuple(range(v["trace"].num_directions)),
                             fmt=DIRECTIONS.__getitem__, widget="select",
                             enabled=lambda v: v["trace"].num_directions > 1)
    # the views' own controls: the step-through's unit, Compare moments, gate lines, the trajectory
    unit: int = setting(0, "Unit", "The unit whose numbers the step-through writes into the cell's equations "
                        "(one of the recording's).", bounds=_unit_bounds, widget="number")
    compare_step: int = setting(0, "Compare with training step", "The recording *Compare moments* puts "
                                "beside the one shown (the first, unless the link names another).",
                                bounds=(0, 10**7), options=lambda v: tuple(v["steps"]), widget="slider")
    compare_view: str = setting("hidden", "View", "The view *Compare moments* draws at both training steps.",
                                choices=lambda: VIEWS, fmt=lambda n: VIEWS[n].title, options=_view_names)
    units: tuple[int, ...] = view_setting("units")
    dims: int = view_setting("dims")
    color: str = setting("time", "Colour points by", "The trajectory's points coloured by time step, or by "
                         "the probe example's target.", choices=lambda: COLOR_BY,
                         options=lambda v: color_options(v["trace"]), widget="segmented")
    # Interventions: the probe rerun with one change, beside the untouched rerun
    clamp_gate: str = setting("", "Clamp a gate", "The gate held at a value before the state update reads "
                              "it (none: no clamp).", options=lambda v: ("", *v["trace"].gates),
                              widget="select", enabled=lambda v: bool(v["trace"].gates))
    clamp_value: float = setting(0.0, "… to the value", "The value the clamped gate holds.",
                                 bounds=(0.0, 1.0), steps=CLAMP_STEPS, enabled=_clamping)
    clamp_units: tuple[int, ...] = setting((), "… for units (none chosen: all)", "The units whose gate is "
                                           "clamped.", options=_units, widget="multiselect",
                                           enabled=_clamping)
    ablate_units: tuple[int, ...] = setting((), "Zero (ablate) hidden units", "Hidden units set to 0 after "
                                            "every step.", options=_units, widget="multiselect")
    freeze: bool = setting(False, "Freeze W_hh at the first recording's", "Every other weight keeps this "
                           "recording's value.", enabled=lambda v: v["can_freeze"])
    intervene_view: str = setting("unrolled", "View", "The view of both reruns.", choices=lambda: VIEWS,
                                  fmt=lambda n: VIEWS[n].title, options=_view_names)

@dataclass(frozen=True)
class AttentionPage(Settings):
    beam: int = setting(3, "Beam width", "Beam search keeps this many best partial answers.", bounds=(1, 8),
                        section="Decoding", steps=tuple(range(1, 9)))
    example: int = setting(0, "Probe example", "Which pair of the probe batch the figures read.",
                           bounds=(0, 63), options=lambda v: tuple(range(len(v["sources"]))), widget="select")
    stream: str = setting("encoder_forward", "Stream", "The encoder's states (each direction) or the "
                          "decoder's.", choices=lambda: STREAMS, fmt=STREAMS.get,
                          options=lambda v: tuple(v["streams"]), widget="segmented")
    view: str = setting("hidden", "View", "One of the Inside page's views of that stream.",
                        choices=lambda: VIEWS, fmt=lambda n: VIEWS[n].title,
                        options=lambda v: tuple(v["views"]))
    cursor: int = setting(0, "Time step t (the cursor)", "The time step the view marks.",
                          bounds=(0, 100_000))


@dataclass(frozen=True)
class ForecastPage(Settings):
    """The Forecast page: the series, the model and how it forecasts, and what the views inside the
    trained network show (an uploaded CSV and its columns are never in a link)."""
    source: str = setting("generated", "Series", "A generated series, or a CSV of your own (uploaded "
                          "again after a link: a file never travels in one).", choices=lambda: SOURCES,
                          fmt=SOURCES.get, widget="segmented")
    generated: str = setting("seasonal", "Generated series", "The series made by our own code.",
                             choices=lambda: GENERATORS, fmt=lambda g: GENERATORS[g].title,
                             shown=lambda v: v["source"] == "generated")
    missing: str = setting("refuse", "Missing values and gaps", "What to do with a CSV's empty cells "
                           "and gaps in its times: refuse them, drop the rows, or interpolate onto a grid.",
                           choices=lambda: MISSING, widget="segmented")
    cell: str = run_setting("cell", "gru", choices=built_in, options=None)
    hidden: int = run_setting("hidden_size", 32, steps=(8, 16, 32, 64, 128),
                              message="Hidden units must be between {low} and {high} (got {value}).")
    window: int = setting(48, "Window (steps read)", "How many past steps the network reads before it "
                          "forecasts.", section="Forecast", bounds=(2, 1000))
    horizon: int = setting(12, "Horizon (steps ahead)", "How many steps each forecast reaches ahead.",
                           section="Forecast", bounds=(1, MAX_HORIZON))
    shape: str = setting("closed", "How", "Closed loop feeds each forecast back as the next input; direct "
                         "forecasts every step ahead at once.", section="Forecast",
                         choices=lambda: FORECAST_SHAPES, fmt=lambda s: FORECAST_SHAPES[s].title,
                         widget="segmented")
    season: int = setting(0, "Season for seasonal-naive (0: found)", "The season, in steps, that "
                          "seasonal-naive repeats; 0 finds it on the training part.", section="Forecast",
                          bounds=(0, 5000))
    error: str = setting("mse", "Error drawn per step ahead", "Mean squared or mean absolute error, in "
                         "the data's units.", section="Forecast", choices=lambda: ERRORS, fmt=str.upper,
                         widget="segmented")
    steps: int = run_setting("steps", 200, steps=(50, 100, 200, 300, 500, 1000, 2000))
    lr: float = run_setting("lr", 1e-2, steps=(1e-3, 3e-3, 1e-2, 3e-2))
    seed: int = run_setting("seed", 0)
    tab: str = setting("gradient_through_time", "View tab", "The open tab of the views inside the trained "
                       "network (its title in lower case, words joined by _).")
    example: int = setting(0, "Window", "Which window of the training part the views inside show.",
                           bounds=(0, 63), options=lambda v: tuple(range(v["trace"].batch_size)),
                           fmt=lambda b: f"{b + 1}", widget="select")
    t: int = setting(0, "Time step t (the cursor)", "The time step of the window every view inside marks.",
                     bounds=(0, 100_000))
    units: tuple[int, ...] = view_setting("units")
    dims: int = view_setting("dims")

    def config(self) -> RunConfig:
        """The run these settings train (its window: the sequence length)."""
        return RunConfig(task="series", cell=self.cell, hidden_size=self.hidden, seq_len=self.window,
                         lr=self.lr, steps=self.steps, seed=self.seed, probe_every=20)


@dataclass(frozen=True)
class WordsPage(Settings):
    """The Words & names page: the task, its model, and the packing demo's layer and rows (the typed
    name or sentence is never in a link)."""
    task: str = setting("names", "Task", "A name's language from its letters (one answer), or an entity "
                        "tag for every word of a sentence (an answer per step).", choices=lambda: WORDS_TASKS,
                        fmt=lambda t: TASKS[t].title, widget="segmented")
    cell: str = run_setting("cell", "lstm", choices=lambda: FUSED_CELLS, options=None)
    bidirectional: bool = run_setting("bidirectional", False, help="Also read backwards: a word's tag may "
                                      "depend on the words after it.", shown=None)
    hidden: int = run_setting("hidden_size", 32, steps=(8, 16, 32, 64),
                              message="Hidden units must be between {low} and {high} (got {value}).")
    steps: int = run_setting("steps", 200, steps=(50, 100, 200, 300, 500, 1000))
    lr: float = run_setting("lr", 1e-2, steps=(1e-3, 3e-3, 1e-2, 3e-2))
    seed: int = run_setting("seed", 0)
    pack_cell: str = setting("lstm", "Layer", "The torch.nn layer run on the padded and the packed batch.",
                             choices=lambda: FUSED_CELLS, fmt=lambda c: CELLS[c].title)
    pack_hidden: int = setting(6, "Hidden units", "The packing demo's layer's units.", bounds=(1, MAX_HIDDEN),
                               steps=tuple(range(1, MAX_HIDDEN + 1)), message="The packing layer's hidden "
                               "units must be between {low} and {high} (got {value}).")
    rows: tuple[int, ...] = setting((7, 5, 3, 2), "Lengths of the rows", "The real length of every row of "
                                    "the packing demo's batch.", choices=lambda: range(1, MAX_ROW_LENGTH + 1),
                                    bounds=(1, MAX_ROWS))

    def config(self) -> RunConfig:
        """The run these settings train (the task's own sequence length)."""
        return RunConfig(task=self.task, seq_len=TASKS[self.task].default_seq_len, cell=self.cell,
                         bidirectional=self.bidirectional, hidden_size=self.hidden, steps=self.steps,
                         lr=self.lr, seed=self.seed, probe_every=50)


@dataclass(frozen=True)
class TextPage(Settings):
    """The Text page: the corpus and model, how the trained model is sampled, and what the views of
    the model show (your own text, the prime and a text to read are never in a link)."""
    corpus: str = setting("grammar", "Corpus", "The text to model: generated by our own code, or your "
                          "own (uploaded or pasted again after a link: a text never travels in one).",
                          choices=lambda: (*CORPORA, OWN), fmt=_text_corpus_title)
    cell: str = run_setting("cell", "lstm", choices=built_in, options=None)
    hidden: int = run_setting("hidden_size", 32, steps=(16, 32, 64, 128),
                              message="Hidden units must be between {low} and {high} (got {value}).")
    steps: int = run_setting("steps", 200, steps=(100, 200, 300, 500, 1000, 2000))
    length: int = setting(200, "Length", "Characters each sample writes after the prime.",
                          bounds=(1, MAX_LENGTH), steps=(20, 40, 60, 80, 100, 150, 200, 300, 400, 500))
    temperature: float = setting(0.5, "Temperature", "Below 1 the likeliest characters get likelier "
                                 "(safe, repetitive); above 1 the unlikely ones do (inventive, misspelt).",
                                 bounds=TEMPERATURES, steps=TEMPERATURE_STEPS)
    temperature2: float = setting(1.0, "Side by side at", "A second sample at this temperature, from the "
                                  "same prime and seed.", bounds=TEMPERATURES, steps=TEMPERATURE_STEPS)
    top_k: int = setting(0, "Top-k (0: all)", "Draw only from the k likeliest characters (at most the "
                         "model's alphabet).", bounds=(0, 10_000))
    seed: int = setting(0, "Seed", "The sampling seed: the same seed, the same samples.",
                        bounds=(0, 2**31 - 1), step=1)
    greedy: bool = setting(False, "Also greedy (the likeliest character every time)", "A third sample "
                           "that always takes the likeliest character: it soon repeats itself.")
    view: str = setting("sample", "View", "The open tab: samples, units over text, connectivity or the "
                        "Inside views.", choices=lambda: TEXT_VIEWS, fmt=TEXT_VIEWS.get)
    at: int = setting(0, "Next-character distribution at step", "The step of the first sample whose "
                      "distribution is drawn.", bounds=(0, MAX_LENGTH - 1))
    unit: int = setting(0, "Unit (ranked by how it follows each feature)", "The unit (or gate) that colours "
                        "the text read, by its place in the ranking; the Inside views follow it.",
                        bounds=(0, 999))
    t: int = setting(-1, "Prediction t", "The prediction whose row of connectivity is drawn (-1: the last).",
                     bounds=(-1, MAX_READ - 1))
    inside_tab: str = setting("unrolled", "Inside views tab", "The open tab of the Inside views of the text "
                              "read (its title in lower case, words joined by _).")
    cursor: int = setting(0, "Time step t (the cursor)", "The character every Inside view marks.",
                          bounds=(0, MAX_READ - 1))
    inside_units: tuple[int, ...] = view_setting(
        "units", default=(), bounds=(0, MAX_UNITS), help=f"The units whose gates the Inside views' "
        f"*{VIEWS['gate_lines'].title}* draws as lines (none given: the unit picked, which they follow).")
    inside_dims: int = view_setting("dims")

    def linked(self, last: int | None, followed: tuple[int, ...]) -> TextPage:
        """These settings as a link writes them: the connectivity row -1 at the `last` prediction, and
        the Inside views' units none while they are the unit `followed`."""
        return replace(self, t=-1 if self.t == last else self.t,
                       inside_units=() if self.inside_units == followed else self.inside_units)
