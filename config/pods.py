"""Settings a stack may give the pods of any part of the platform: where they run, what environment they get
from Secrets and ConfigMaps that already exist, extra labels and annotations, and resources beyond CPU and
memory. Affinity is checked against Kubernetes' own Pod schema, so a mistake is refused at its key.
"""

from __future__ import annotations

from functools import cache
from typing import Annotated, Any, Literal

import kubernetes_validate
from pydantic import AfterValidator, Field, model_validator

from config.types import (
    Annotations,
    ConfigModel,
    EnvName,
    EnvValues,
    KubernetesName,
    LabelKey,
    Labels,
    LabelValue,
    PositiveQuantity,
    Resources,
    SecretKey,
    resources_of,
)

_NODE_OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt")
_LABEL_OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")


@cache
def kubernetes_version() -> str:
    """The newest Kubernetes whose schemas kubernetes-validate ships: what stack values are checked against."""
    return str(kubernetes_validate.latest_version())


def _operator_problems(value: Any, path: str) -> list[str]:
    """Selector operators Kubernetes refuses (its schema types them only as strings)."""
    problems: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "matchExpressions" and isinstance(item, list):
                allowed = _NODE_OPERATORS if "nodeAffinity" in path else _LABEL_OPERATORS
                for index, expression in enumerate(item):
                    operator = expression.get("operator") if isinstance(expression, dict) else None
                    if operator not in allowed:
                        problems.append(
                            f"{path}.{key}[{index}].operator is {operator!r}; Kubernetes takes {', '.join(allowed)}"
                        )
            problems += _operator_problems(item, f"{path}.{key}" if path else key)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            problems += _operator_problems(item, f"{path}[{index}]")
    return problems


def _check_affinity(value: dict[str, Any]) -> dict[str, Any]:
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "placement-check"},
        "spec": {"containers": [{"name": "check", "image": "check"}], "affinity": value},
    }
    try:
        kubernetes_validate.validate(pod, kubernetes_version(), strict=True)
    except kubernetes_validate.ValidationError as error:
        where = ".".join(str(part) for part in list(error.path)[2:]) or "affinity"
        raise ValueError(f"Kubernetes refuses {where}: {error.message.splitlines()[0][:160]}") from None
    problems = _operator_problems(value, "")
    if problems:
        raise ValueError(problems[0])
    return value


Affinity = Annotated[dict[str, Any], AfterValidator(_check_affinity)]


class Toleration(ConfigModel):
    key: LabelKey | None = None
    """The taint's key; unset with `Exists` tolerates every taint."""
    operator: Literal["Exists", "Equal"] = "Exists"
    value: LabelValue | None = None
    """The taint's value, with `Equal` only."""
    effect: Literal["NoSchedule", "PreferNoSchedule", "NoExecute"] | None = None
    """The taint effect tolerated; unset tolerates every effect."""
    toleration_seconds: int | None = Field(None, ge=0)
    """With `NoExecute`: how long the pod stays on a node after the taint appears."""

    @model_validator(mode="after")
    def _operator_fits(self) -> Toleration:
        if self.operator == "Exists" and self.value:
            raise ValueError(f"operator 'Exists' takes no value, got {self.value!r}; use operator 'Equal'")
        if self.operator == "Equal" and self.key is None:
            raise ValueError("operator 'Equal' needs a key")
        if self.toleration_seconds is not None and self.effect != "NoExecute":
            raise ValueError("tolerationSeconds goes with effect 'NoExecute' only")
        return self


class Placement(ConfigModel):
    """Which nodes pods may run on: `nodeSelector`, `affinity` and `tolerations` as in a pod spec."""

    node_selector: Labels = Field(default_factory=dict)
    """Node labels the pods' nodes must carry."""
    affinity: Affinity = Field(default_factory=dict)
    """A pod `affinity` (node, pod and anti-affinity), checked against Kubernetes' own schema."""
    tolerations: list[Toleration] = Field(default_factory=list)
    """Node taints the pods tolerate."""

    @property
    def is_set(self) -> bool:
        return bool(self.node_selector or self.affinity or self.tolerations)


class KeyReference(ConfigModel):
    """One key of an existing Secret or ConfigMap, in the pods' namespace."""

    secret_name: KubernetesName | None = None
    """The existing Secret to read the key from."""
    config_map_name: KubernetesName | None = None
    """The existing ConfigMap to read the key from."""
    key: SecretKey
    """The key whose value becomes the variable."""

    @model_validator(mode="after")
    def _one_source(self) -> KeyReference:
        if (self.secret_name is None) == (self.config_map_name is None):
            raise ValueError("name exactly one of secretName and configMapName")
        return self


class EnvSource(ConfigModel):
    """Every key of an existing Secret or ConfigMap as environment variables, in the pods' namespace."""

    secret_name: KubernetesName | None = None
    """The existing Secret whose every key becomes a variable."""
    config_map_name: KubernetesName | None = None
    """The existing ConfigMap whose every key becomes a variable."""
    prefix: EnvName | None = None
    """Put before every variable's name."""

    @model_validator(mode="after")
    def _one_source(self) -> EnvSource:
        if (self.secret_name is None) == (self.config_map_name is None):
            raise ValueError("name exactly one of secretName and configMapName")
        return self


def _not_cpu_or_memory(name: str) -> str:
    if name in ("cpu", "memory"):
        raise ValueError("cpu and memory are set by the part's own cores and memory, not here")
    return name


ResourceName = Annotated[LabelKey, AfterValidator(_not_cpu_or_memory)]


class ExtraResources(ConfigModel):
    """Resources beyond CPU and memory, such as `ephemeral-storage`."""

    requests: dict[ResourceName, PositiveQuantity] = Field(default_factory=dict)
    limits: dict[ResourceName, PositiveQuantity] = Field(default_factory=dict)


class PodSettings(ConfigModel):
    """What an admin adds to scheduler or worker pods; secret values never appear here, only references."""

    placement: Placement = Placement()
    """Where the pods run."""
    env: EnvValues = Field(default_factory=dict)
    """Plain environment variables (never secret values)."""
    env_from: list[EnvSource] = Field(default_factory=list)
    """Existing Secrets and ConfigMaps whose every key becomes a variable."""
    env_value_from: dict[EnvName, KeyReference] = Field(default_factory=dict)
    """Variables read from one key of an existing Secret or ConfigMap."""
    labels: Labels = Field(default_factory=dict)
    """Extra pod labels."""
    annotations: Annotations = Field(default_factory=dict)
    """Extra pod annotations."""
    extra_resources: ExtraResources = ExtraResources()
    """Resources beyond CPU and memory, such as `ephemeral-storage`."""

    def secrets(self) -> list[str]:
        """Names of the existing Secrets these pods read."""
        names = [source.secret_name for source in self.env_from if source.secret_name]
        names += [ref.secret_name for ref in self.env_value_from.values() if ref.secret_name]
        return list(dict.fromkeys(names))


class ChartPod(ConfigModel):
    """A pod the gateway chart runs: the gateway API, its controller or traefik."""

    placement: Placement = Placement()
    """Where the pod runs."""
    resources: Resources = resources_of("100m", "128Mi", "500m", "512Mi")
    """The pod's requests and limits."""
