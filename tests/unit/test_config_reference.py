"""The config reference is generated from the models' field docstrings and defaults: it cannot drift."""

from __future__ import annotations

from tools.config_reference import reference_table


def test_the_reference_names_each_default_the_program_uses() -> None:
    table = reference_table()
    assert '| `gateway.image.name` | str | `"ghcr.io/dask/dask-gateway"` |' in table
    memory = '`{"default": "2 G", "min": "512 M", "max": "16 G"}`'
    assert f"| `gateway.clusterOptions.workerMemory` | MemoryOption mapping | {memory} |" in table
    assert "| `gatewayPassword` (secret) | str | unset |" in table
