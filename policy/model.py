"""What every rule family shares: the resource a rule reads, the violation it returns, the stack's intent, the
rule itself, and the resource types the rules refer to.

A rule never needs a Pulumi engine: it reads one resource (``urn``, ``type``, ``name``, ``inputs``, the shape of
``tools.plan``'s ``resources.json``) or the whole stack's resources, and returns violations whose message says
what to change. What a stack *intends* (cluster-wide user access, a public LoadBalancer, dev or prod) comes from
its typed config through ``context_from_config``, so a rule can tell a deliberate choice from an accident.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from config.platform import PlatformConfig
from config.types import DASK_HELM_REPOSITORY
from policy.inputs import get

Environment = Literal["dev", "prod", "local"]
Enforcement = Literal["mandatory", "advisory"]

HELM_CHART = "kubernetes:helm.sh/v4:Chart"
HELM_RELEASE = "kubernetes:helm.sh/v3:Release"
HELM_TYPES = (HELM_CHART, HELM_RELEASE)
NAMESPACE = "kubernetes:core/v1:Namespace"
CONFIG_MAP = "kubernetes:core/v1:ConfigMap"
SERVICE = "kubernetes:core/v1:Service"
CLUSTER_ROLE = "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole"
ROLE_TYPES = (CLUSTER_ROLE, "kubernetes:rbac.authorization.k8s.io/v1:Role")
CLUSTER_ROLE_BINDING = "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding"
ROLE_BINDING = "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding"
NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
DASK_CLUSTER = "kubernetes:kubernetes.dask.org/v1:DaskCluster"
DOCKER_BUILD_IMAGE = "docker-build:index:Image"

GATEWAY_CHART = "dask-gateway"
GATEWAY_COMPONENT = "dask-platform:gateway:DaskGateway"
OPERATOR_COMPONENT = "dask-platform:operator:DaskOperator"
DEFAULT_CHART_REPOSITORIES: tuple[str, ...] = (DASK_HELM_REPOSITORY,)
DEFAULT_IMAGE_PREFIXES: tuple[str, ...] = ("ghcr.io/dask", "docker.io/traefik")
"""Upstream images the charts and the default gateway image use; the stack's own registry is always allowed."""


@dataclass(frozen=True)
class Resource:
    """One registered resource, as in ``resources.json`` or as the policy engine hands it over: what a rule reads,
    whether the resource is ours or an object a chart renders."""

    urn: str
    """Its URN, whose type chain names the Chart (and the component above it) that rendered it, if any."""
    type: str
    name: str
    inputs: Mapping[str, Any]

    @classmethod
    def from_plan(cls, entry: Mapping[str, Any]) -> Resource:
        return cls(urn=entry["urn"], type=entry["type"], name=entry["name"], inputs=entry.get("inputs") or {})

    @property
    def _parent_types(self) -> list[str]:
        """The types of the components that hold this resource, outermost first."""
        parts = self.urn.split("::")
        return parts[2].split("$")[:-1] if len(parts) > 2 else []

    @property
    def rendered_by_chart(self) -> bool:
        return any(kind in HELM_TYPES for kind in self._parent_types)

    @property
    def chart_component(self) -> str | None:
        """For an object a chart renders: the type of the component that declares the chart
        (``dask-platform:operator:DaskOperator``), which tells the two charts' objects apart."""
        type_chain = self._parent_types
        for index, kind in enumerate(type_chain):
            if kind in HELM_TYPES:
                return type_chain[index - 1] if index > 0 else None
        return None

    @property
    def kind(self) -> str:
        return self.type.rsplit(":", 1)[-1]

    @property
    def object_name(self) -> str:
        """``metadata.name``, or the resource's name where the manifest has none."""
        return str(get(self.inputs, "metadata.name") or self.name)

    @property
    def namespace(self) -> str | None:
        namespace = get(self.inputs, "metadata.namespace")
        return str(namespace) if namespace else None

    @property
    def chart_name(self) -> str | None:
        """The chart of a Helm resource (``dask-gateway``), also when it is given as an ``oci://`` reference."""
        if self.type not in HELM_TYPES:
            return None
        return str(self.inputs.get("chart") or "").rstrip("/").rsplit("/", 1)[-1]

    @property
    def is_gateway_chart(self) -> bool:
        return self.chart_name == GATEWAY_CHART

    @property
    def chart_values(self) -> Mapping[str, Any]:
        values = self.inputs.get("values")
        return values if isinstance(values, Mapping) else {}


@dataclass(frozen=True)
class Violation:
    rule: str
    urn: str | None
    name: str | None
    message: str

    def __str__(self) -> str:
        return f"[{self.rule}] {self.name or 'stack'}: {self.message}"


@dataclass(frozen=True)
class Finding:
    """What a pod security or RBAC check found, kept apart from the rule that reports it so that a finding the
    pinned charts are known to have (``policy/upstream.py``) can be told from any other."""

    code: str
    """The rule-level kind: privileged, host-path, host-namespaces, root, seccomp, broad-binding, cluster-grant."""
    subject: str
    """What it is about: a container's name, a volume's, a role rule's resource (``secrets``, ``pods/exec``)."""
    message: str


@dataclass(frozen=True)
class PolicyContext:
    """What the stack intends, derived from its typed config; the defaults are the strict choices."""

    environment: Environment = "prod"
    image_registry: str | None = None
    allowed_image_prefixes: tuple[str, ...] = DEFAULT_IMAGE_PREFIXES
    allowed_chart_repositories: tuple[str, ...] = DEFAULT_CHART_REPOSITORIES
    cluster_wide_access: bool = False
    gateway_external_allowed: bool = False
    """``gateway.service.allowExternal``: traefik may be a NodePort or LoadBalancer Service."""
    external_schedulers: frozenset[tuple[str, str]] = frozenset()
    """``(namespace, name)`` of declared clusters with ``scheduler.allowExternal``."""
    gateway_chart_version: str | None = None

    @property
    def is_prod(self) -> bool:
        return self.environment == "prod"

    @property
    def image_prefixes(self) -> tuple[str, ...]:
        registry = (self.image_registry,) if self.image_registry else ()
        return registry + self.allowed_image_prefixes


def context_from_config(config: PlatformConfig) -> PolicyContext:
    """The stack's intent: exposure outside the cluster counts as asked for only with an explicit ``allowExternal``."""
    return PolicyContext(
        environment=config.environment,
        image_registry=config.images.registry,
        cluster_wide_access=config.operator.user_access == "cluster",
        gateway_external_allowed=bool(getattr(config.gateway.service, "allow_external", False)),
        external_schedulers=frozenset(
            (cluster.namespace, cluster.name)
            for cluster in config.clusters
            if getattr(cluster.scheduler, "allow_external", False)
        ),
        gateway_chart_version=config.gateway.chart.version,
    )


ResourceCheck = Callable[[Resource, PolicyContext], Iterable[str]]
StackCheck = Callable[[Sequence[Resource], PolicyContext], Iterable[tuple[Resource | None, str]]]


@dataclass(frozen=True)
class Rule:
    """A named check; ``dev_enforcement`` is how it applies in dev, ``prod_enforcement`` in prod (mandatory for
    every rule but the report of known upstream chart findings). ``description`` says what the rule refuses: the
    pack shows it, and ``docs/policies.md`` is generated from it."""

    name: str
    description: str
    dev_enforcement: Enforcement
    resource_check: ResourceCheck | None = None
    stack_check: StackCheck | None = None
    prod_enforcement: Enforcement = "mandatory"

    def enforcement(self, environment: Environment) -> Enforcement:
        return self.prod_enforcement if environment == "prod" else self.dev_enforcement

    def check_resource(self, resource: Resource, context: PolicyContext) -> list[Violation]:
        if self.resource_check is None:
            return []
        return [
            Violation(self.name, resource.urn, resource.name, message)
            for message in self.resource_check(resource, context)
        ]

    def check_stack(self, resources: Sequence[Resource], context: PolicyContext) -> list[Violation]:
        if self.stack_check is not None:
            return [
                Violation(self.name, found.urn if found else None, found.name if found else None, message)
                for found, message in self.stack_check(resources, context)
            ]
        return [violation for resource in resources for violation in self.check_resource(resource, context)]
