"""One settings schema: a field declared once with `setting(...)` is in the widgets, the link, the
CLI, `validate()` and the docs' table; every page's settings survive hostile links."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import fuzz
import pytest
from streamlit.testing.v1 import AppTest
from test_fuzz_url import HOSTILE

from explorer import __main__ as cli
from explorer import config, pagestate, schema
from explorer.config import Limits, RunConfig
from explorer.optimizers import OPTIMIZERS
from explorer.schema import setting
from explorer.seq2seq import Seq2SeqConfig
from explorer.shapes import ShapeQuestion
from explorer.ui import lab

ROOT = Path(__file__).resolve().parents[1]
WARMUP = setting(0, "Warm-up steps", "Steps at a smaller learning rate before the real ones.",
                 section="Training", steps=(0, 10, 100), bounds=(0, 1000))
PAGE_STATES = [pagestate.GradientsPage, pagestate.RacePage, pagestate.SweepPage, pagestate.InsidePage,
               pagestate.AttentionPage, pagestate.AnatomyPage, pagestate.ForecastPage, pagestate.WordsPage,
               pagestate.TextPage, ShapeQuestion, Seq2SeqConfig]


@pytest.fixture
def extended(monkeypatch):
    """RunConfig with one more field, `warmup`, declared the way the schema module says."""
    grown = dataclasses.make_dataclass("RunConfig", [("warmup", "int", WARMUP)], bases=(RunConfig,),
                                       frozen=True)
    for module in (config, lab, cli):
        monkeypatch.setattr(module, "RunConfig", grown)
    return grown


def test_a_new_field_is_in_the_widgets_the_link_and_validate(extended):
    at = AppTest.from_file(str(ROOT / "pages" / "train.py"), default_timeout=60)
    at.query_params["warmup"] = "100"
    at.run()
    assert not at.exception, at.exception
    slider = at.select_slider(key="train_warmup")  # drawn under Training, from its setting
    assert (slider.label, slider.value, slider.options) == ("Warm-up steps", 100, ["0", "10", "100"])
    slider.set_value(10).run()
    assert at.query_params["warmup"] == "10"
    assert extended(warmup=5000).validate() == ["Warmup must be between 0 and 1000 (got 5000)."]
    grown, notices = extended.from_query({"warmup": "-1"})
    assert grown.warmup == 0 and notices == [
        "Ignored warmup=-1: Warmup must be between 0 and 1000 (got -1). Using 0 instead."]


def test_a_new_field_is_a_cli_flag_with_the_schemas_help(extended, capsys):
    with pytest.raises(SystemExit):
        cli.main(["train", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "--warmup WARMUP Warm-up steps: Steps at a smaller learning rate before the real ones. " \
           "From 0 to 1000. (default: 0)" in text
    args = cli._parser().parse_args(["train", "--warmup", "10"])
    assert schema.from_arguments(extended, args).warmup == 10


def test_cli_help_shows_each_flags_choices_and_default(capsys):
    with pytest.raises(SystemExit):
        cli.main(["train", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert f"Optimizer: Adam adapts the step per weight; SGD with momentum is the classic. One of: " \
           f"{', '.join(OPTIMIZERS)}. (default: adam)" in text
    assert "--clip, --no-clip Clip gradients:" in text and "(default: 1)" in text
    for name in schema.settings(RunConfig):
        assert "--" + name.replace("_", "-") in text


def test_the_optimizer_list_lives_in_one_place():
    meta = schema.settings(RunConfig)["optimizer"]
    assert tuple(meta.choices()) == tuple(OPTIMIZERS)
    assert RunConfig(optimizer="rmsprop").validate() == [
        f"Unknown optimizer 'rmsprop'. Choose one of: {', '.join(OPTIMIZERS)}."]


def test_the_docs_table_lists_every_setting():
    table = schema.table(RunConfig)
    for name, meta in schema.settings(RunConfig).items():
        assert f"| `{name}`, `--{name.replace('_', '-')}` | {meta.label} |" in table
    assert "| `lr`, `--lr` | Learning rate | 0.01 | 1e-06 – 10 |" in table


@pytest.mark.parametrize("state", PAGE_STATES, ids=lambda c: c.__name__)
def test_every_page_setting_with_each_hostile_value_falls_back_with_a_notice(state):
    """Like RunConfig's links (test_fuzz_url): the result validates, each reset is named."""
    for name in schema.settings(state):
        for raw in HOSTILE:
            result, notices = schema.from_query(state(), {name: raw})
            fuzz.tried("url")
            assert result.validate() == [], (name, raw, result)
            if not notices:  # taken as it is
                parsed = schema.parse_value(getattr(state(), name), raw, schema.whole_items(state, name))
                assert getattr(result, name) == parsed, (name, raw)
            for notice in notices:
                fuzz.assert_clear(notice, "Ignored ")
                assert "<" not in notice and "\n" not in notice, notice


@pytest.mark.parametrize("state", [RunConfig, *PAGE_STATES], ids=lambda c: c.__name__)
def test_the_link_round_trip_reproduces_every_page_state(state):
    """Each setting at a value other than its default comes back from its own link."""
    for name, meta in schema.settings(state).items():
        default = getattr(state(), name)
        offered = [v for v in (tuple(meta.choices()) if meta.choices else meta.steps) if v != default]
        if not offered or isinstance(default, tuple):
            continue
        changed = dataclasses.replace(state(), **{name: offered[-1]})
        if changed.validate():
            continue  # needs another setting changed too (an init for one cell)
        assert schema.from_query(state(), schema.to_query(changed)) == (changed, []), name


def test_the_readme_tables_are_the_schemas():
    """README's "Settings and share links" shows each table as `schema.table` writes it."""
    readme = (ROOT / "README.md").read_text()
    for table in [schema.table(RunConfig, Limits())] + [schema.table(s, flags=False) for s in PAGE_STATES]:
        assert [row for row in table.splitlines() if row not in readme] == []
        assert table in readme
