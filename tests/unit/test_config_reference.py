"""The README's config reference is generated from the models' field docstrings and defaults: it cannot drift."""

from __future__ import annotations

from config.stack import PROJECT_DIR
from tools.config_reference import readme_with_reference, reference_table


def test_the_readme_shows_the_reference_the_models_generate() -> None:
    readme = (PROJECT_DIR / "README.md").read_text()
    assert readme == readme_with_reference(readme), "run `python -m tools.config_reference` and commit README.md"


def test_the_reference_names_each_default_the_program_uses() -> None:
    table = reference_table()
    assert '| `gateway.image.name` | str | `"ghcr.io/dask/dask-gateway"` |' in table
    memory = '`{"default": "2 G", "min": "512 M", "max": "16 G"}`'
    assert f"| `gateway.clusterOptions.workerMemory` | MemoryOption mapping | {memory} |" in table
    assert "| `gatewayPassword` (secret) | str | unset |" in table
