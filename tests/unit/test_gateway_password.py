"""Where the shipped configuration takes the simple-auth password from: a file the data names (the local
stack's, so the password is in no environment), else an environment variable (a Kubernetes Secret's)."""

from __future__ import annotations

from pathlib import Path

import pytest

from shipped.gateway_config import read_password

ENV = "DASK_GATEWAY_PASSWORD"


def data(password_file: Path | None, required: bool = False) -> dict[str, object]:
    values: dict[str, object] = {"passwordEnv": ENV, "passwordRequired": required}
    if password_file is not None:
        values["passwordFile"] = str(password_file)
    return values


def test_the_file_wins_over_the_environment(tmp_path: Path) -> None:
    path = tmp_path / "password"
    path.write_text("from-the-file\n")
    assert read_password(data(path), {ENV: "from-the-env"}) == "from-the-file"


def test_without_the_file_the_environment_sets_it(tmp_path: Path) -> None:
    assert read_password(data(tmp_path / "missing"), {ENV: "from-the-env"}) == "from-the-env"


def test_without_either_the_gateway_is_open_unless_a_password_is_required(tmp_path: Path) -> None:
    assert read_password(data(tmp_path / "missing"), {}) is None
    with pytest.raises(RuntimeError, match="DASK_GATEWAY_PASSWORD is not set, but this gateway requires a password"):
        read_password(data(None, required=True), {})


def test_an_empty_file_is_refused_rather_than_an_empty_password(tmp_path: Path) -> None:
    path = tmp_path / "password"
    path.write_text("\n")
    with pytest.raises(RuntimeError, match="is empty, but it is this gateway's password"):
        read_password(data(path), {})
