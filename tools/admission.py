"""A ValidatingAdmissionPolicy and its binding evaluated offline, as the API server admits one request.

The API server's steps, in its order: the binding's namespace selector and the policy's resource rules select
the request; every match condition must hold, or the policy does not apply; the variables are computed; every
validation must hold, or the request is refused with that validation's message. An expression that fails to
evaluate refuses the request, as ``failurePolicy: Fail`` does. The CEL runs on cel-python (``celpy``), which
implements the standard library and macros the policy uses; objects are plain JSON, as the API server hands
them to a policy.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import celpy
from celpy import celtypes


@dataclass(frozen=True)
class Request:
    """One admission request: what is done, to what, in which namespace, by whom."""

    operation: str
    object: Mapping[str, Any] | None
    namespace: str
    username: str
    groups: Sequence[str] = ()
    old_object: Mapping[str, Any] | None = None
    resource: str = ""
    """The plural resource, ``pods`` or ``daskclusters``; derived from the kind when empty."""
    resource_api_version: str = ""
    """The resource's group and version, when not the object's (a ``scale`` request's object is a Scale)."""
    sub_resource: str = ""
    namespace_labels: Mapping[str, str] = field(default_factory=dict)

    @property
    def subject(self) -> Mapping[str, Any]:
        subject = self.object if self.object is not None else self.old_object
        assert subject is not None, "a request has an object or an old object"
        return subject

    def as_cel(self) -> dict[str, Any]:
        group, _, version = str(self.subject["apiVersion"]).rpartition("/")
        kind = str(self.subject["kind"])
        resource_group, _, resource_version = (self.resource_api_version or str(self.subject["apiVersion"])).rpartition(
            "/"
        )
        resource = self.resource or f"{kind.lower()}s"
        return {
            "operation": self.operation,
            "kind": {"group": group, "version": version, "kind": kind},
            "resource": {"group": resource_group, "version": resource_version, "resource": resource},
            "subResource": self.sub_resource,
            "name": self.subject.get("metadata", {}).get("name", ""),
            "namespace": self.namespace,
            "userInfo": {"username": self.username, "groups": list(self.groups)},
        }


@dataclass(frozen=True)
class Decision:
    applies: bool
    """Whether the binding and policy selected the request and its match conditions held."""
    refusals: tuple[str, ...] = ()
    """The messages of the validations that failed (or of the expressions that could not be evaluated)."""

    @property
    def allowed(self) -> bool:
        return not self.refusals


def _selects_namespace(selector: Mapping[str, Any], labels: Mapping[str, str]) -> bool:
    if any(labels.get(key) != value for key, value in (selector.get("matchLabels") or {}).items()):
        return False
    for requirement in selector.get("matchExpressions") or []:
        key, operator, values = requirement["key"], requirement["operator"], requirement.get("values") or []
        holds = {
            "In": key in labels and labels[key] in values,
            "NotIn": key not in labels or labels[key] not in values,
            "Exists": key in labels,
            "DoesNotExist": key not in labels,
        }[operator]
        if not holds:
            return False
    return True


def _rule_matches(rule: Mapping[str, Any], request: Mapping[str, Any]) -> bool:
    resource = request["resource"]["resource"] + (f"/{request['subResource']}" if request["subResource"] else "")

    def among(values: Sequence[str], value: str) -> bool:
        return "*" in values or value in values

    return (
        among(rule["apiGroups"], request["resource"]["group"])
        and among(rule["apiVersions"], request["resource"]["version"])
        and among(rule["operations"], request["operation"])
        and among(rule["resources"], resource)
    )


class _Evaluator:
    def __init__(self) -> None:
        self._environment = celpy.Environment()
        self._programs: dict[str, Any] = {}

    def __call__(self, expression: str, activation: Mapping[str, Any]) -> Any:
        if expression not in self._programs:
            self._programs[expression] = self._environment.program(self._environment.compile(expression))
        result = self._programs[expression].evaluate(dict(activation))
        if isinstance(result, celpy.CELEvalError):
            raise result
        return result


_evaluate = _Evaluator()


def _plain(manifest: Mapping[str, Any] | None) -> dict[str, Any] | None:
    return None if manifest is None else dict(manifest)


def admit(policy: Mapping[str, Any], binding: Mapping[str, Any], request: Request) -> Decision:
    """What the API server decides about ``request`` under ``policy`` bound by ``binding``."""
    cel_request = request.as_cel()
    labels = {"kubernetes.io/metadata.name": request.namespace, **request.namespace_labels}
    selector = binding["spec"].get("matchResources", {}).get("namespaceSelector") or {}
    rules = policy["spec"]["matchConstraints"]["resourceRules"]
    if not _selects_namespace(selector, labels) or not any(_rule_matches(rule, cel_request) for rule in rules):
        return Decision(applies=False)
    activation: dict[str, Any] = {
        "request": celpy.json_to_cel(cel_request),
        "object": celpy.json_to_cel(_plain(request.object)),
        "oldObject": celpy.json_to_cel(_plain(request.old_object)),
        "params": celpy.json_to_cel(None),
    }
    try:
        if not all(_evaluate(c["expression"], activation) for c in policy["spec"].get("matchConditions", [])):
            return Decision(applies=False)
        # Each variable may use the ones before it.
        variables = celtypes.MapType()
        activation["variables"] = variables
        for variable in policy["spec"].get("variables", []):
            variables[celtypes.StringType(variable["name"])] = _evaluate(variable["expression"], activation)
        refusals = tuple(
            validation["message"]
            for validation in policy["spec"]["validations"]
            if not _evaluate(validation["expression"], activation)
        )
    except celpy.CELEvalError as error:
        return Decision(applies=True, refusals=(f"expression failed, refused by failurePolicy Fail: {error}",))
    return Decision(applies=True, refusals=refusals)
