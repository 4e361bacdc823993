"""The tools report an expected failure as one line and exit 1, and let any other error surface as a bug."""

from __future__ import annotations

import pytest

from tools.cli import exit_code
from tools.standin_bases import StandinError


def fail_with_standin_error() -> None:
    raise StandinError("python:9.9-slim: no stand-in is known for this image; it must be pulled")


def test_an_expected_failure_is_one_line_on_stderr_and_exit_1(capsys: pytest.CaptureFixture[str]) -> None:
    assert exit_code(fail_with_standin_error, StandinError) == 1
    assert capsys.readouterr().err == "error: python:9.9-slim: no stand-in is known for this image; it must be pulled\n"


def test_an_action_that_runs_through_exits_0() -> None:
    assert exit_code(lambda: None, StandinError) == 0


def test_an_unexpected_error_is_not_swallowed() -> None:
    with pytest.raises(StandinError):
        exit_code(fail_with_standin_error, KeyError)
