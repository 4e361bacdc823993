"""The policy tests run as the pack runs outside the Pulumi CLI: with no config handed over by the shell."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _no_cli_config(monkeypatch: pytest.MonkeyPatch) -> None:
    """What the Pulumi CLI hands a policy pack must not leak in from the shell running the tests."""
    for name in ("PULUMI_CONFIG", "PULUMI_CONFIG_SECRET_KEYS", "PULUMI_STACK"):
        monkeypatch.delenv(name, raising=False)
