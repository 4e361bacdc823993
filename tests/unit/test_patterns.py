"""The name and label patterns of ``shipped/patterns.py``: what Kubernetes takes, checked by the stack config and,
through the same text, by the gateway's handler."""

from __future__ import annotations

import re

import pytest

from shipped import gateway_config
from shipped.patterns import DNS_LABEL, LABEL_NAME, LABEL_VALUE


@pytest.mark.parametrize("value", ["a", "team-a", "Team_A.1", "x" * 63, ""])
def test_a_label_value_kubernetes_takes_matches(value: str) -> None:
    assert re.fullmatch(LABEL_VALUE, value)


@pytest.mark.parametrize("value", ["-a", "a-", "a b", "a/b", "x" * 64, "é"])
def test_a_label_value_kubernetes_refuses_does_not_match(value: str) -> None:
    assert not re.fullmatch(LABEL_VALUE, value)


def test_a_label_name_is_a_label_value_that_is_not_empty() -> None:
    assert re.fullmatch(LABEL_NAME, "team-a")
    assert not re.fullmatch(LABEL_NAME, "")


@pytest.mark.parametrize(("name", "matches"), [("dask-gateway-base", True), ("Dask", False), ("a_b", False)])
def test_a_dns_label_is_lowercase_letters_digits_and_dashes(name: str, matches: bool) -> None:
    assert bool(re.fullmatch(DNS_LABEL, name)) is matches


def test_the_gateway_handler_checks_label_values_with_the_shared_pattern() -> None:
    # The handler runs alone inside dask-gateway-server, where shipped/patterns.py is not importable, so it holds
    # the text itself; this keeps the two from drifting apart.
    assert gateway_config.LABEL_VALUE.pattern == LABEL_VALUE
