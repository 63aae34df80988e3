"""Fuzz: hostile EXPLORER_* environment values — each is a limit within its range, or a refusal
naming the variable, its value and the accepted range; the app then shows that and serves
nothing, and `python -m explorer limits` (what `make run` calls first) exits 2."""

from __future__ import annotations

import math
import os
import subprocess
import sys
from dataclasses import asdict, fields
from pathlib import Path

import fuzz
import pytest
from hypothesis import given
from hypothesis import strategies as st

from explorer.limits import LIMIT_RANGES, Limits, LimitsError, env_variable

pytestmark = pytest.mark.fuzz
ROOT = Path(__file__).resolve().parents[1]
VARIABLES = [env_variable(f.name) for f in fields(Limits)]
BAD = ["abc", "", " ", "-1", "-0.5", "nan", "NaN", "inf", "-inf", "1e400", "0x10", "1e3", "1.5", "10" * 20,
       "١٢", "5 000", "5,000", "true", "None", "$(reboot)", "![x](http://e.vu/a.png)", "\u202e5"]


def check(environ: dict[str, str]) -> None:
    """Limits within their ranges, or a LimitsError naming every variable that is out of them."""
    try:
        limits = Limits.from_env(environ)
    except LimitsError as refused:
        for problem in refused.problems:
            fuzz.assert_clear(problem, "EXPLORER_", " is not accepted: ", " must be ", " from ")
        named = {v for v in environ if any(p.startswith(v + "=") for p in refused.problems)}
        assert named, refused.problems
        return
    for name, value in asdict(limits).items():
        lo, hi = LIMIT_RANGES[name]
        assert lo <= value <= hi and math.isfinite(value), (name, value)


def test_every_variable_with_each_bad_value_is_refused_or_in_range():
    for variable in VARIABLES:
        for value in BAD:
            check({variable: value})
            fuzz.tried("env")


def test_the_issues_values_are_refused_with_variable_value_and_range():
    for variable, value, accepted in [("EXPLORER_MAX_STEPS", "abc", "a whole number from 1 to 1,000,000"),
                                      ("EXPLORER_CACHED_RUNS", "-1", "a whole number from 0 to 10,000"),
                                      ("EXPLORER_MAX_SECONDS", "nan", "a number from 0.1 to 604,800")]:
        with pytest.raises(LimitsError) as refused:
            Limits.from_env({variable: value})
        fuzz.tried("env")
        fuzz.assert_clear(refused.value.problems[0], f"{variable}='{value}'", accepted)


@fuzz.PROFILE
@given(environ=st.dictionaries(st.sampled_from(VARIABLES), st.text(max_size=12)
                               | st.integers(-10, 10**7).map(str) | st.floats().map(repr), max_size=4))
def test_any_environment_gives_limits_in_range_or_names_what_is_wrong(environ):
    check(environ)
    fuzz.tried("env")


def test_limits_set_in_code_are_checked_the_same_way():
    for name in LIMIT_RANGES:
        for value in (-1, math.nan, math.inf, "8", None, 10**12, True):
            with pytest.raises(LimitsError) as refused:
                Limits(**{name: value})
            fuzz.tried("env")
            fuzz.assert_clear(str(refused.value), f"{name}=")


def test_the_cli_refuses_to_start_naming_every_bad_variable():
    environ = {k: v for k, v in os.environ.items() if not k.startswith("EXPLORER_")}
    bad = {"EXPLORER_MAX_STEPS": "abc", "EXPLORER_CACHED_RUNS": "-1", "EXPLORER_MAX_SECONDS": "nan",
           "EXPLORER_WORKERS": "1e3"}
    done = subprocess.run([sys.executable, "-m", "explorer", "limits"], capture_output=True, text=True,
                          cwd=ROOT, timeout=120, env=environ | bad | {"PYTHONPATH": str(ROOT)})
    fuzz.tried("env, subprocess", len(bad))
    assert done.returncode == 2 and not done.stdout
    fuzz.assert_clear(done.stderr, "does not start", *bad)


def test_the_app_shows_the_invalid_limits_and_serves_nothing(monkeypatch):
    from apptest import open_app

    from explorer import ui

    monkeypatch.setenv("EXPLORER_CACHED_RUNS", "-1")
    monkeypatch.setenv("EXPLORER_MAX_SECONDS", "nan")
    ui.limits.clear()
    try:
        at = open_app()
    finally:
        monkeypatch.undo()
        ui.limits.clear()
    fuzz.tried("env, AppTest", 2)
    assert not at.exception
    [error] = at.error
    fuzz.assert_clear(error.value, "does not run", "EXPLORER_CACHED_RUNS='-1'", "EXPLORER_MAX_SECONDS='nan'")
    assert not at.title and not at.button  # no page: nothing trains under a limit that is not there
