"""The one stack reader: a stack's config, from its file or from what Pulumi hands a program, validated.

Everything a stack can set lives under the Pulumi project namespace ``dask-platform:``, one top-level key per
section (``dask-platform:gateway``, ``dask-platform:namespaces`` ...), in camelCase like Pulumi's own keys.
``read_stack`` is what the program, the offline plan, the lock tool and the policy pack all call; any mistake
becomes one ``ConfigError`` whose lines each name the stack file, the key path, the value and what is allowed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from pydantic_core import ErrorDetails

from config.local import RETIRED_KEYS
from config.platform import PlatformConfig, secret_problems

PROJECT = "dask-platform"
PROJECT_DIR = Path(__file__).resolve().parent.parent
"""The repository root: stack files, Dockerfiles and lock files are found relative to it."""
SECRET_KEYS = ("gatewayPassword", "registryPassword", "pipExtraIndexUrl", "jupyterhubApiToken")
"""Read as Pulumi secret Outputs by the program and never entered into the model, so they cannot leak."""
SECRET_PLACEHOLDER = "[secret]"
"""What an encrypted value of a stack file reads as offline, where it cannot be decrypted."""
_SHOWN_VALUE_LENGTH = 80


class ConfigError(Exception):
    """A user's mistake in a stack file, worded for the user; never shown with a traceback."""


@dataclass(frozen=True)
class StackSource:
    """A stack's raw config: ``{"gateway": {...}, ...}`` without the project prefix, and which keys are secret."""

    stack_file: str
    values: Mapping[str, Any]
    secret_keys: frozenset[str]


def cli_config(stack_file: Path) -> tuple[dict[str, str], list[str]]:
    """A stack file's values the way the Pulumi CLI hands them to a program: JSON text per full key, secrets
    marked (and, offline, unreadable)."""
    if not stack_file.is_file():
        raise ConfigError(f"{stack_file.name}: no such stack file in {stack_file.parent}")
    try:
        document = yaml.safe_load(stack_file.read_text()) or {}
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise ConfigError(f"{stack_file.name}: not valid YAML{where}; check the indentation and quoting") from None
    values: dict[str, str] = {}
    secret_keys: list[str] = []
    for key, value in (document.get("config") or {}).items():
        full_key = key if ":" in key else f"{PROJECT}:{key}"
        if isinstance(value, dict) and set(value) == {"secure"}:
            values[full_key] = SECRET_PLACEHOLDER
            secret_keys.append(full_key)
        else:
            values[full_key] = value if isinstance(value, str) else json.dumps(value)
    return values, secret_keys


def _decode(value: Any) -> Any:
    """Pulumi passes structured values as JSON text; scalars stay as they are when they are not JSON."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


def stack_source(stack_file: str, values: Mapping[str, Any], secret_keys: Iterable[str]) -> StackSource:
    """This project's keys of config as Pulumi passes it (full keys, JSON text), decoded."""
    prefix = f"{PROJECT}:"
    return StackSource(
        stack_file=stack_file,
        values={key.removeprefix(prefix): _decode(value) for key, value in values.items() if key.startswith(prefix)},
        secret_keys=frozenset(key.removeprefix(prefix) for key in secret_keys if key.startswith(prefix)),
    )


def _key_path(location: Iterable[int | str]) -> str:
    path = PROJECT
    for index, part in enumerate(location):
        path += f"[{part}]" if isinstance(part, int) else (f":{part}" if index == 0 else f".{part}")
    return path


def _shown(value: Any) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= _SHOWN_VALUE_LENGTH else text[: _SHOWN_VALUE_LENGTH - 3] + "..."


def _describe(error: ErrorDetails) -> str:
    location = [part for part in error["loc"] if not str(part).startswith("function-")]
    message = str(error["msg"]).removeprefix("Value error, ")
    retired = RETIRED_KEYS.get(tuple(str(part) for part in location))
    if error["type"] == "extra_forbidden" and retired is not None:
        return f"{_key_path(location)} = {_shown(error['input'])}: {retired}"
    if error["type"] == "extra_forbidden":
        return f"{_key_path(location)}: unknown key; check the spelling against docs/configuration.md"
    if error["type"] == "missing":
        return f"{_key_path(location)}: required, but not set"
    if location and location[-1] == "[key]":
        # A bad key of a mapping (a label, an env name): pydantic locates it as <mapping>.<key>.[key].
        return f"{_key_path(location[:-2])} has the key {_shown(error['input'])}: {message}"
    return f"{_key_path(location)} = {_shown(error['input'])}: {message}"


def parse_stack(source: StackSource) -> PlatformConfig:
    """Validate a stack's raw config; raises ConfigError with one line per problem."""
    known = {field.alias or name for name, field in PlatformConfig.model_fields.items()}
    problems = [
        f"{PROJECT}:{key}: unknown key; known keys are {', '.join(sorted(known | set(SECRET_KEYS)))}"
        for key in source.values
        if key not in known and key not in SECRET_KEYS
    ]
    problems += [
        f"{PROJECT}:{key} is set in plain text; set it with "
        f"`pulumi config set --secret {PROJECT}:{key}` so it is stored encrypted"
        for key in SECRET_KEYS
        if key in source.values and key not in source.secret_keys
    ]
    sections = {key: value for key, value in source.values.items() if key in known}
    model: PlatformConfig | None = None
    try:
        model = PlatformConfig.model_validate(sections)
    except ValidationError as error:
        problems += [_describe(detail) for detail in error.errors()]
    if model is not None:
        secrets_set = frozenset(key for key in SECRET_KEYS if key in source.values)
        problems += [
            f"{PROJECT}:{key} = {_shown(value)}: {message}"
            for key, value, message in secret_problems(model, secrets_set)
        ]
    if problems:
        raise ConfigError("\n".join(f"{source.stack_file}: {problem}" for problem in problems))
    assert model is not None
    return model


def read_stack(
    stack_file: Path, values: Mapping[str, Any] | None = None, secret_keys: Iterable[str] = ()
) -> PlatformConfig:
    """The validated config of one stack.

    ``values`` is the config as Pulumi hands it to a program or a policy pack (full keys, JSON text), with
    ``secret_keys`` naming the encrypted ones; without it, the stack file itself is read.
    """
    if values is None:
        values, secret_keys = cli_config(stack_file)
    return parse_stack(stack_source(stack_file.name, values, secret_keys))
