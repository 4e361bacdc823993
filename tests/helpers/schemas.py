"""CRD schemas, closed so that an unknown field fails as the API server's pruning would hide it."""

from __future__ import annotations

import copy
import functools
import importlib.resources
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import jsonschema
import yaml

OPERATOR_CHART = (
    importlib.resources.files("dask_kubernetes") / "operator" / "deployment" / "helm" / "dask-kubernetes-operator"
)


def closed_schema(schema: Any) -> Any:
    """The schema with ``additionalProperties: false`` on every object that lists its properties."""
    if isinstance(schema, list):
        return [closed_schema(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    closed = {key: closed_schema(value) for key, value in schema.items()}
    if (
        schema.get("type") == "object"
        and "properties" in schema
        and "additionalProperties" not in schema
        and not schema.get("x-kubernetes-preserve-unknown-fields")
    ):
        closed["additionalProperties"] = False
    return closed


@functools.cache
def operator_crd_validators() -> dict[tuple[str, str], Any]:
    """(apiVersion, kind) -> a validator for every served version of every CRD in the operator's chart."""
    with importlib.resources.as_file(OPERATOR_CHART / "crds") as crds:
        return crd_validators(sorted(Path(crds).glob("*.yaml")))


def schema_errors(manifest: dict[str, Any]) -> list[str]:
    key = (manifest["apiVersion"], manifest["kind"])
    validator = operator_crd_validators().get(key)
    if validator is None:
        return [f"no served CRD version for {key} in the operator chart"]
    return [
        f"{'.'.join(str(part) for part in error.absolute_path) or '<root>'}: {error.message}"
        for error in validator.iter_errors(manifest)
    ]


def crd_validators(paths: Iterable[Path]) -> dict[tuple[str, str], Any]:
    """(apiVersion, kind) -> a closed-schema validator for every served version of the CRDs in ``paths``."""
    validators: dict[tuple[str, str], Any] = {}
    for path in paths:
        crd = yaml.load(path.read_text(), Loader=yaml.CSafeLoader)
        spec = crd["spec"]
        for version in spec["versions"]:
            if not version["served"]:
                continue
            schema = copy.deepcopy(version["schema"]["openAPIV3Schema"])
            # Every object carries these; the CRD schema leaves them to the API server.
            schema["properties"].update(
                apiVersion={"type": "string"}, kind={"type": "string"}, metadata={"type": "object"}
            )
            # Draft 7 counts 2.0 as an integer, as the API server does with JSON numbers.
            key = (f"{spec['group']}/{version['name']}", spec["names"]["kind"])
            validators[key] = jsonschema.Draft7Validator(closed_schema(schema))
    return validators
