"""Fuzz: hostile share links. `RunConfig.from_query` always gives a config that validates, with a
notice naming each field it reset and what it used instead; on the Train page (AppTest) a
hostile link shows those notices as text (no markup of the link's making), never an
exception, and never starts a run even with run=1."""

from __future__ import annotations

from dataclasses import fields

import fuzz
import pytest
from apptest import RUN_KEY, open_app
from hypothesis import given
from hypothesis import strategies as st

from explorer.config import RunConfig
from explorer.schema import parse_value as _parse

pytestmark = pytest.mark.fuzz
FIELDS = [f.name for f in fields(RunConfig)]
HOSTILE = ["", " ", "abc", "nan", "inf", "-inf", "-1", "0", "1e309", "9" * 30, "0x1F", "1_0", "None",
           "<script>alert(1)</script>", "![x](http://e.vu/a.png)", ":red[alert]", "$x^2$", "x" * 5000, "１２",
           "\u202eevil", "lstm\n", "%00", "1;DROP TABLE runs", "[1, 2]", "true", "2.5"]


def check(params: dict) -> tuple[RunConfig, list[str]]:
    config, notices = RunConfig.from_query(params)
    assert config.validate() == [], (params, config)
    for notice in notices:
        fuzz.assert_clear(notice, "Ignored ")
        assert "](" not in notice and "<" not in notice and "\n" not in notice, notice
    return config, notices


def test_every_field_with_each_hostile_value_falls_back_with_a_notice():
    """Each value is either taken as it is (it was valid) or named in a notice."""
    for field in FIELDS:
        for raw in HOSTILE:
            config, notices = check({field: raw})
            fuzz.tried("url")
            if not any(notice.startswith(f"Ignored {field}=") for notice in notices):
                assert getattr(config, field) == _parse(getattr(RunConfig(), field), raw), (field, raw)


def test_a_bad_length_for_the_task_resets_the_length_and_says_so():
    config, notices = check({"task": "sentiment", "seq_len": "5"})
    fuzz.tried("url")
    assert (config.task, config.seq_len) == ("sentiment", 12)
    assert notices == ["Ignored seq_len=5: Sequence length for 'sentiment' must be between 6 and 200. "
                       "Using 12 instead."]


@fuzz.PROFILE
@given(params=st.dictionaries(
    st.sampled_from(FIELDS) | st.text(max_size=8),
    st.text(max_size=20) | st.sampled_from(HOSTILE) | st.integers().map(str) | st.floats().map(repr)
    | st.lists(st.text(max_size=5), max_size=3), max_size=6))
def test_any_link_gives_a_valid_config_and_a_notice_per_reset(params):
    config, notices = check(params)
    fuzz.tried("url")
    known = [key for key in params if key in FIELDS]
    assert len(notices) <= len(known) or (len(notices) == len(known) + 1 and "defaults" in notices[-1])


# the Train page itself: a choice of links, each a fresh session (~1 s each)
PAGE_LINKS = [
    ({"cell": "transformer"}, "cell"), ({"hidden_size": "lots"}, "hidden_size"), ({"lr": "nan"}, "lr"),
    ({"task": "sentiment", "seq_len": "5"}, "seq_len"), ({"seed": "-1"}, "seed"),
    ({"steps": "1000000000000"}, "steps"), ({"cell": "lstm", "init": "identity"}, "init"),
    ({"forget_bias": "x"}, "forget_bias"), ({"cell": "![x](http://e.vu/a.png)"}, "cell"),
    ({"probe_size": "65"}, "probe_size"),
    ({"task": "mod3", "seq_len": "1000", "batch_size": "512"}, "seq_len"),
    ({"clip": "maybe", "optimizer": "x" * 5000}, "clip"),
]


@pytest.mark.parametrize(("query", "field"), PAGE_LINKS, ids=[field for _, field in PAGE_LINKS])
def test_a_hostile_link_opens_the_page_with_a_notice_and_no_run(query, field):
    at = open_app(query=query | {"run": "1"})
    try:
        fuzz.tried("url, AppTest")
        assert not at.exception, at.exception
        notices = [w.value for w in at.warning if "cannot be used" in w.value]
        assert notices, [w.value for w in at.warning]
        fuzz.assert_clear(" ".join(notices), f"Ignored {field}=")
        assert not any("](http" in text for text in notices)
        assert RUN_KEY not in at.session_state  # a bad link never starts training
    finally:
        if RUN_KEY in at.session_state:
            at.session_state[RUN_KEY].stop()
