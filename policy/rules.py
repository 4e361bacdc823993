"""Policy rules as plain functions over plain data: a resource's type and inputs plus a small stack context.

A rule never needs a Pulumi engine: it reads one resource (``urn``, ``type``, ``name``, ``inputs``, the shape of
``tools.plan``'s ``resources.json``) or the whole stack's resources, and returns violations whose message says
what to change. The policy pack (``policy/pack.py``) wraps the same rules for ``pulumi preview --policy-pack``.

What a stack *intends* (cluster-wide user access, a public LoadBalancer, dev or prod) comes from its typed
config through ``context_from_config``, so a rule can tell a deliberate choice from an accident.

Objects a Helm chart renders appear as resources of their own in a real preview (their URN's type chain holds
the chart); offline, ``tools/chart_objects.py`` renders them the same way. Rules about what *we* declare
(container resources, wildcards in our RBAC) leave those to the chart's pinned version and check the values we pass
instead; rules about what runs (images, exposure, secrets, pod security, cluster-wide grants) check them all. What
the pinned charts are known to do that those rules would refuse is listed in ``UPSTREAM_FINDINGS`` with the reason
and the way to narrow it, and reported by a rule of its own that is advisory everywhere (``chart-upstream-findings``):
the same finding in a chart object not on that list, or in anything we declare, stays mandatory in prod.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import TypeAdapter, ValidationError

from config.platform import PlatformConfig
from config.quantities import kubernetes_quantity
from config.types import DASK_HELM_REPOSITORY, ExactVersion
from render.gateway_options import gateway_data_of_env
from render.names import PASSWORD_ENV

Environment = Literal["dev", "prod", "local"]
Enforcement = Literal["mandatory", "advisory"]

HELM_CHART = "kubernetes:helm.sh/v4:Chart"
HELM_RELEASE = "kubernetes:helm.sh/v3:Release"
NAMESPACE = "kubernetes:core/v1:Namespace"
CONFIG_MAP = "kubernetes:core/v1:ConfigMap"
SERVICE = "kubernetes:core/v1:Service"
ROLE_TYPES = (
    "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole",
    "kubernetes:rbac.authorization.k8s.io/v1:Role",
)
CLUSTER_ROLE = "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole"
CLUSTER_ROLE_BINDING = "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding"
ROLE_BINDING = "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding"
NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
DASK_CLUSTER = "kubernetes:kubernetes.dask.org/v1:DaskCluster"
DOCKER_BUILD_IMAGE = "docker-build:index:Image"

GATEWAY_CHART = "dask-gateway"
DEFAULT_CHART_REPOSITORIES: tuple[str, ...] = (DASK_HELM_REPOSITORY,)
DEFAULT_IMAGE_PREFIXES: tuple[str, ...] = ("ghcr.io/dask", "docker.io/traefik")
"""Upstream images the charts and the default gateway image use; the stack's own registry is always allowed."""

POD_SECURITY_ENFORCE = "pod-security.kubernetes.io/enforce"
POD_SECURITY_LEVELS = ("privileged", "baseline", "restricted")

# Every container a chart runs gets requests and limits from the values we pass (render/chart_values.py).
CHART_RESOURCE_PATHS: dict[str, tuple[str, ...]] = {
    "dask-gateway": ("gateway.resources", "controller.resources", "traefik.resources"),
    "dask-kubernetes-operator": ("resources",),
}

# Gateway settings that bound what one user's clusters may take, by their name in the gateway's option data: the
# stack key that sets each, and what is lost without it.
GATEWAY_LIMITS: dict[str, tuple[str, str]] = {
    "clusterMaxCores": ("gateway.clusterMaxCores", "one cluster may take every core"),
    "clusterMaxMemory": ("gateway.clusterMaxMemory", "one cluster may take all memory"),
    "clusterMaxWorkers": ("gateway.clusterMaxWorkers", "one cluster may start any number of workers"),
    "idleTimeout": ("gateway.idleTimeoutSeconds", "idle clusters keep their resources forever"),
}

_EXACT_VERSION: TypeAdapter[str] = TypeAdapter(ExactVersion)


@dataclass(frozen=True)
class Resource:
    """One registered resource, as in ``resources.json`` or as the policy engine hands it over."""

    urn: str
    type: str
    name: str
    inputs: Mapping[str, Any]

    @classmethod
    def from_plan(cls, entry: Mapping[str, Any]) -> Resource:
        return cls(urn=entry["urn"], type=entry["type"], name=entry["name"], inputs=entry.get("inputs") or {})

    @property
    def rendered_by_chart(self) -> bool:
        parts = self.urn.split("::")
        type_chain = parts[2].split("$")[:-1] if len(parts) > 2 else []
        return any(kind in (HELM_CHART, HELM_RELEASE) for kind in type_chain)

    @property
    def chart_component(self) -> str | None:
        """For an object a chart renders: the type of the component that declares the chart
        (``dask-platform:operator:DaskOperator``), which tells the two charts' objects apart."""
        parts = self.urn.split("::")
        type_chain = parts[2].split("$")[:-1] if len(parts) > 2 else []
        for index, kind in enumerate(type_chain):
            if kind in (HELM_CHART, HELM_RELEASE):
                return type_chain[index - 1] if index > 0 else None
        return None

    @property
    def kind(self) -> str:
        return self.type.rsplit(":", 1)[-1]

    @property
    def object_name(self) -> str:
        """``metadata.name``, or the resource's name where the manifest has none."""
        return str(_get(self.inputs, "metadata.name") or self.name)

    @property
    def namespace(self) -> str | None:
        namespace = _get(self.inputs, "metadata.namespace")
        return str(namespace) if namespace else None

    @property
    def chart_name(self) -> str | None:
        """The chart of a Helm resource (``dask-gateway``), also when it is given as an ``oci://`` reference."""
        if self.type not in (HELM_CHART, HELM_RELEASE):
            return None
        return str(self.inputs.get("chart") or "").rstrip("/").rsplit("/", 1)[-1]

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
    every rule but the report of known upstream chart findings)."""

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


# ---------------------------------------------------------------------------------------------------------------
# Walking inputs


def _is_sequence(value: Any) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, str | bytes)


def _items(value: Any) -> Sequence[Any]:
    """A list input as a sequence; anything else (missing, a scalar) as no items."""
    return value if _is_sequence(value) else ()


def _get(value: Any, path: str) -> Any:
    for key in path.split("."):
        if not isinstance(value, Mapping) or key not in value:
            return None
        value = value[key]
    return value


def _walk(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """Every (dotted path, value) pair below ``value``, lists indexed as ``[i]``."""
    yield path, value
    if isinstance(value, Mapping):
        for key in value:
            yield from _walk(value[key], f"{path}.{key}" if path else str(key))
    elif _is_sequence(value):
        for index, item in enumerate(value):
            yield from _walk(item, f"{path}[{index}]")


def _containers(inputs: Mapping[str, Any]) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """Containers of any pod template: Deployments, Jobs, Pods, and custom resources such as DaskCluster."""
    for path, value in _walk(inputs):
        if path.rsplit(".", 1)[-1] in ("containers", "initContainers") and _is_sequence(value):
            for index, container in enumerate(value):
                if isinstance(container, Mapping):
                    yield f"{path}[{index}]", container


def _describe_container(path: str, container: Mapping[str, Any]) -> str:
    return f"container {container.get('name', '?')!r} ({path})"


# ---------------------------------------------------------------------------------------------------------------
# Helm charts


def _chart_repository(inputs: Mapping[str, Any]) -> str | None:
    repository = _get(inputs, "repositoryOpts.repo")
    if repository:
        return str(repository)
    chart = str(inputs.get("chart") or "")
    if chart.startswith("oci://"):
        return chart.rsplit("/", 1)[0]
    return None


def check_chart_pinned(resource: Resource, context: PolicyContext) -> Iterator[str]:
    if resource.type not in (HELM_CHART, HELM_RELEASE):
        return
    chart = resource.inputs.get("chart")
    version = resource.inputs.get("version")
    try:
        _EXACT_VERSION.validate_python(version)
    except ValidationError:
        yield (
            f"chart {chart!r} has version {version!r}: pin an exact version such as 2026.3.0 "
            "(no range, no 'latest', never empty) in the stack's chart.version"
        )
    allowed = ", ".join(context.allowed_chart_repositories)
    repository = _chart_repository(resource.inputs)
    if repository is None:
        yield f"chart {chart!r} names no repository: install it from an allowed repository ({allowed})"
    elif repository.rstrip("/") not in {r.rstrip("/") for r in context.allowed_chart_repositories}:
        yield (
            f"chart {chart!r} comes from {repository!r}, which is not an allowed chart repository: "
            f"use one of {allowed}, or add it to the policy pack's allowedRepositories"
        )


# ---------------------------------------------------------------------------------------------------------------
# Images


def split_image_reference(reference: str) -> tuple[str, str | None, str | None]:
    """``(repository, tag, digest)`` of ``registry/name:tag@sha256:...``; a port in the registry is no tag."""
    name, _, digest = reference.partition("@")
    last_slash = name.rfind("/")
    colon = name.rfind(":")
    if colon > last_slash:
        return name[:colon], name[colon + 1 :], digest or None
    return name, None, digest or None


def _chart_image(value: Any) -> str | None:
    """An image in chart values: ``{name|repository, tag, digest}`` as the dask charts and most others write it."""
    if isinstance(value, str):
        return value or None
    if not isinstance(value, Mapping):
        return None
    repository = value.get("name") or value.get("repository")
    if not isinstance(repository, str) or not repository:
        return None
    registry = value.get("registry")
    reference = f"{registry}/{repository}" if isinstance(registry, str) and registry else repository
    if value.get("tag"):
        reference += f":{value['tag']}"
    if value.get("digest"):
        reference += f"@{value['digest']}"
    return reference


def _images(resource: Resource) -> Iterator[tuple[str, str]]:
    """(where, image reference) for every image the resource runs or builds."""
    if resource.type in (HELM_CHART, HELM_RELEASE):
        for path, value in _walk(resource.chart_values):
            if path.rsplit(".", 1)[-1] == "image" and (reference := _chart_image(value)):
                yield f"chart values {path}", reference
    elif resource.type == DOCKER_BUILD_IMAGE:
        tags = resource.inputs.get("tags")
        for tag in _items(tags):
            yield "image build tag", str(tag)
    else:
        for path, container in _containers(resource.inputs):
            if isinstance(container.get("image"), str):
                yield _describe_container(path, container), container["image"]


def _under_prefix(repository: str, prefix: str) -> bool:
    prefix = prefix.rstrip("/")
    return repository == prefix or repository.startswith(prefix + "/")


def check_images(resource: Resource, context: PolicyContext) -> Iterator[str]:
    for where, reference in _images(resource):
        repository, tag, digest = split_image_reference(reference)
        if digest is None and tag in (None, "latest"):
            problem = "is untagged" if tag is None else "uses the moving tag 'latest'"
            yield (
                f"{where}: image {reference!r} {problem}: pin it to a version tag or a digest "
                f"({repository}:<version> or {repository}@sha256:<digest>)"
            )
        if not any(_under_prefix(repository, prefix) for prefix in context.image_prefixes):
            yield (
                f"{where}: image {reference!r} is not from the stack's registry or the allowed list "
                f"({', '.join(context.image_prefixes)}): push it to the stack's images.registry, "
                "or add its repository to the policy pack's allowedImagePrefixes"
            )


# ---------------------------------------------------------------------------------------------------------------
# Container resources


def _resource_problems(resources: Any, subject: str) -> Iterator[str]:
    for kind in ("requests", "limits"):
        for amount in ("cpu", "memory"):
            if not _get(resources, f"{kind}.{amount}"):
                yield f"{subject} sets no {kind}.{amount}: give every container CPU and memory requests and limits"
    for amount in ("cpu", "memory"):
        request, limit = _get(resources, f"requests.{amount}"), _get(resources, f"limits.{amount}")
        if not request or not limit:
            continue
        try:
            below = kubernetes_quantity(limit) < kubernetes_quantity(request)
        except ValueError as error:
            yield f"{subject}: {amount}: {error}"
            continue
        if below:
            yield (
                f"{subject} has limits.{amount} {limit!r} below requests.{amount} {request!r}: "
                f"raise the limit to at least the request"
            )


def check_container_resources(resource: Resource, context: PolicyContext) -> Iterator[str]:
    if resource.rendered_by_chart:
        return
    if resource.type in (HELM_CHART, HELM_RELEASE):
        values = resource.chart_values
        required = CHART_RESOURCE_PATHS.get(resource.chart_name or "", ())
        found = [path for path, value in _walk(values) if path.rsplit(".", 1)[-1] == "resources"]
        for path in dict.fromkeys([*required, *found]):
            yield from _resource_problems(_get(values, path) or {}, f"chart values {path}")
        return
    for path, container in _containers(resource.inputs):
        yield from _resource_problems(container.get("resources") or {}, _describe_container(path, container))


# ---------------------------------------------------------------------------------------------------------------
# RBAC


def check_rbac_wildcards(resource: Resource, context: PolicyContext) -> Iterator[str]:
    if resource.type not in ROLE_TYPES or resource.rendered_by_chart:
        return
    rules = resource.inputs.get("rules")
    for index, rule in enumerate(_items(rules)):
        for field in ("verbs", "resources", "apiGroups"):
            values = rule.get(field) if isinstance(rule, Mapping) else None
            wildcards = [v for v in _items(values) if "*" in str(v)]
            if wildcards:
                yield (
                    f"rules[{index}].{field} contains {', '.join(map(repr, wildcards))}: "
                    f"list exactly the {field} the role needs"
                )


def check_cluster_role_binding(resource: Resource, context: PolicyContext) -> Iterator[str]:
    if resource.type != CLUSTER_ROLE_BINDING or resource.rendered_by_chart or context.cluster_wide_access:
        return
    role = _get(resource.inputs, "roleRef.name")
    yield (
        f"ClusterRoleBinding grants {role!r} in every namespace, but the stack asks for namespace-scoped access: "
        "bind with one RoleBinding per namespace, or set operator.userAccess: cluster in the stack file "
        "if cluster-wide access is intended"
    )


# ---------------------------------------------------------------------------------------------------------------
# Secrets

_SECRET_NAMES = {"password", "passwd", "passphrase", "token", "secret", "credentials", "apikey"}
_SECRET_PAIRS = {("api", "key"), ("private", "key"), ("access", "key"), ("secret", "key"), ("auth", "key")}
# Words that make a key name a Secret rather than hold one: apiTokenFromSecretKey, existingSecret, tlsSecret.
_REFERENCE_WORDS = {"from", "existing", "pull", "tls", "name", "ref"}
_PRIVATE_KEY = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----")


def _words(key: str) -> list[str]:
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1 \2", key))
    return [word.lower() for word in re.split(r"[^A-Za-z0-9]+", spaced) if word]


def is_secret_name(key: str) -> bool:
    """``password``, ``apiToken``, ``AWS_SECRET_ACCESS_KEY``; not references such as ``apiTokenFromSecretKey``."""
    words = _words(key)
    if not words or _REFERENCE_WORDS.intersection(words):
        return False
    return words[-1] in _SECRET_NAMES or tuple(words[-2:]) in _SECRET_PAIRS


def _secret_literals(value: Any, path: str) -> Iterator[str]:
    """Paths below ``value`` where secret material is written as a literal."""
    for where, item in _walk(value, path):
        if isinstance(item, str) and _PRIVATE_KEY.search(item):
            yield where
        if not isinstance(item, Mapping):
            continue
        env_name, env_value = item.get("name"), item.get("value")
        if isinstance(env_name, str) and isinstance(env_value, str) and env_value and is_secret_name(env_name):
            yield f"{where} (env {env_name})"
        for key in item:
            if key not in ("name", "value") and is_secret_name(str(key)) and isinstance(item[key], str) and item[key]:
                yield f"{where}.{key}" if where else str(key)


def check_no_plaintext_secrets(resource: Resource, context: PolicyContext) -> Iterator[str]:
    if resource.type == CONFIG_MAP:
        places = [*_secret_literals(resource.inputs.get("data") or {}, "data")]
        places += [f"binaryData.{key}" for key in resource.inputs.get("binaryData") or {} if is_secret_name(key)]
        hint = "move them into a Kubernetes Secret and mount or reference that instead"
    elif resource.type in (HELM_CHART, HELM_RELEASE):
        places = list(_secret_literals(resource.chart_values, "values"))
        hint = (
            "chart values end up in plain text in the release: put the secret in a Kubernetes Secret and reference "
            "it (env valueFrom.secretKeyRef, or the chart's existing-Secret option); the gateway password is set "
            "with `pulumi config set --secret dask-platform:gatewayPassword`"
        )
    else:
        places = [
            where
            for path, container in _containers(resource.inputs)
            for where in _secret_literals(container.get("env") or [], f"{path}.env")
        ]
        hint = "read them from a Kubernetes Secret with env valueFrom.secretKeyRef"
    if places:
        yield f"secret material in plain text at {', '.join(places)}: {hint}"


def _gateway_data(resource: Resource) -> Mapping[str, Any] | None:
    """The gateway's option data (``render/gateway_options.py``) from the chart values' ``gateway.env``."""
    return gateway_data_of_env(_get(resource.chart_values, "gateway.env"))


def _is_gateway_chart(resource: Resource) -> bool:
    return resource.chart_name == GATEWAY_CHART


def _wires_password_from_secret(values: Mapping[str, Any]) -> bool:
    env = _get(values, "gateway.env")
    return any(
        isinstance(item, Mapping) and item.get("name") == PASSWORD_ENV and _get(item, "valueFrom.secretKeyRef.name")
        for item in _items(env)
    )


def check_gateway_auth(resource: Resource, context: PolicyContext) -> Iterator[str]:
    if not context.is_prod or not _is_gateway_chart(resource):
        return
    values = resource.chart_values
    if (_get(values, "gateway.auth.type") or "simple") != "simple":
        return
    data = _gateway_data(resource) or {}
    reads_password = data.get("passwordEnv") == PASSWORD_ENV and data.get("passwordRequired") is True
    if not (reads_password and _wires_password_from_secret(values)):
        yield (
            "the gateway uses the simple authenticator without a password from a Secret, so anyone who reaches it "
            "can start clusters as any user: set `pulumi config set --secret dask-platform:gatewayPassword` "
            f"(the program passes it from a Kubernetes Secret through {PASSWORD_ENV}), "
            "or use gateway.auth.type: jupyterhub"
        )


# ---------------------------------------------------------------------------------------------------------------
# Exposure and gateway limits


EXTERNAL_SERVICE_TYPES = ("NodePort", "LoadBalancer")
GATEWAY_COMPONENT = "dask-platform:gateway:DaskGateway"
OPERATOR_COMPONENT = "dask-platform:operator:DaskOperator"


def check_external_services(resource: Resource, context: PolicyContext) -> Iterator[str]:
    """NodePort and LoadBalancer Services (each opens a port outside the cluster) only with the stack's opt-in."""
    gateway_hint = (
        "set gateway.service.allowExternal: true in the stack file if that is intended, otherwise use ClusterIP"
    )
    if _is_gateway_chart(resource):
        kind = _get(resource.chart_values, "traefik.service.type")
        if kind in EXTERNAL_SERVICE_TYPES and not context.gateway_external_allowed:
            yield (
                f"chart values traefik.service.type is {kind}, which exposes the gateway outside the cluster, "
                f"but the stack does not ask for it: {gateway_hint}"
            )
    elif resource.type == SERVICE:
        kind = _get(resource.inputs, "spec.type")
        if kind not in EXTERNAL_SERVICE_TYPES:
            return
        if resource.chart_component == GATEWAY_COMPONENT:
            if not context.gateway_external_allowed:
                yield (
                    f"Service {resource.object_name!r} of the gateway chart is {kind}, which exposes the gateway "
                    f"outside the cluster, but the stack does not ask for it: {gateway_hint}"
                )
        else:
            yield (
                f"Service {resource.object_name!r} is {kind}, which exposes it outside the cluster, and no stack key "
                "asks for that: use ClusterIP (gateway.service and clusters[].scheduler have allowExternal for theirs)"
            )
    elif resource.type == DASK_CLUSTER:
        kind = _get(resource.inputs, "spec.scheduler.service.type")
        where = (resource.namespace or "", resource.object_name)
        if kind in EXTERNAL_SERVICE_TYPES and where not in context.external_schedulers:
            yield (
                f"the scheduler Service of cluster {where[1]!r} in {where[0]!r} is {kind}, which exposes the "
                "scheduler (and its dashboard) outside the cluster, but the stack does not ask for it: set "
                "clusters[].scheduler.allowExternal: true for that cluster if that is intended, otherwise use ClusterIP"
            )


def check_gateway_limits(resource: Resource, context: PolicyContext) -> Iterator[str]:
    if not _is_gateway_chart(resource):
        return
    data = _gateway_data(resource)
    if data is None:
        yield "the gateway chart's values carry no dask-platform option data (gateway.env DASK_PLATFORM_GATEWAY)"
        return
    limits = data.get("limits")
    if not isinstance(limits, Mapping):
        limits = {}
    for setting, (stack_key, risk) in GATEWAY_LIMITS.items():
        value = limits.get(setting)
        if not isinstance(value, int | float) or isinstance(value, bool) or value <= 0:
            yield f"the gateway's {setting} is {value!r}, so {risk}: set {stack_key} to a positive number"


# ---------------------------------------------------------------------------------------------------------------
# Namespaces


def check_namespace_labels(resource: Resource, context: PolicyContext) -> Iterator[str]:
    if resource.type != NAMESPACE:
        return
    labels = _get(resource.inputs, "metadata.labels")
    level = labels.get(POD_SECURITY_ENFORCE) if isinstance(labels, Mapping) else None
    if level not in POD_SECURITY_LEVELS:
        yield (
            f"the namespace has {POD_SECURITY_ENFORCE}={level!r}: label it with a Pod Security Standard level "
            f"({', '.join(POD_SECURITY_LEVELS)}); namespaces.podSecurity sets it for every namespace the stack declares"
        )
    elif level == "privileged" and context.is_prod:
        yield (
            "the namespace enforces the 'privileged' Pod Security Standard in prod: "
            "set namespaces.podSecurity to baseline or restricted"
        )


# ---------------------------------------------------------------------------------------------------------------
# Image version consistency
#
# Clients, schedulers and workers only talk to each other when dask, distributed and dask-gateway match. The
# image catalog (render/catalog.py) passes the versions to every build as build arguments; lock contents are
# checked against them by catalog.check_catalog. Here what the stack builds is checked: every image carries the
# gateway chart's dask-gateway version, and an image built FROM another carries its base's Dask version.


def _build_args(resource: Resource) -> Mapping[str, Any]:
    args = resource.inputs.get("buildArgs")
    return args if isinstance(args, Mapping) else {}


def check_image_gateway_version(resource: Resource, context: PolicyContext) -> Iterator[str]:
    if resource.type != DOCKER_BUILD_IMAGE or not context.gateway_chart_version:
        return
    version = _build_args(resource).get("DASK_GATEWAY_VERSION")
    if version and version != context.gateway_chart_version:
        yield (
            f"the image is built with dask-gateway {version} but the gateway chart is "
            f"{context.gateway_chart_version}: clients and clusters must share it; set images.daskGatewayVersion "
            "to the chart version (or move gateway.chart.version with it)"
        )


def check_base_dask_version(resources: Sequence[Resource], context: PolicyContext) -> Iterator[tuple[Resource, str]]:
    images = [resource for resource in resources if resource.type == DOCKER_BUILD_IMAGE]
    # A built image's reference may carry its digest (name:tag@sha256:...); its tag identifies it.
    by_tag = {str(tag): image for image in images for tag in _items(image.inputs.get("tags"))}
    for image in images:
        args = _build_args(image)
        # A Jupyter kernel layer builds FROM the Jupyter image so far, but its kernel is KERNEL_IMAGE's environment.
        source = args.get("KERNEL_IMAGE") or args.get("BASE_IMAGE") or ""
        base = by_tag.get(str(source).partition("@")[0])
        base_dask = _build_args(base).get("DASK_VERSION") if base else None
        if base_dask and args.get("DASK_VERSION") and args["DASK_VERSION"] != base_dask:
            yield (
                image,
                f"the image installs Dask {args['DASK_VERSION']} on a base with Dask {base_dask}: "
                "an image and the image it builds FROM belong to one profile; build it from that profile's base",
            )


# ---------------------------------------------------------------------------------------------------------------
# Findings: pod security and RBAC
#
# These checks apply to everything that runs or grants, ours and the charts' alike. Each yields findings with a
# code and a subject (a container, a volume, an RBAC resource) so that a finding the pinned charts are known to have
# (UPSTREAM_FINDINGS) can be told from any other: the known ones are reported, with their reason, by the advisory
# rule chart-upstream-findings; every other one by the rule of its code, mandatory in prod.


@dataclass(frozen=True)
class Finding:
    code: str
    """The rule-level kind: privileged, host-path, host-namespaces, root, seccomp, broad-binding, cluster-grant."""
    subject: str
    """What it is about: a container's name, a volume's, a role rule's resource (``secrets``, ``pods/exec``)."""
    message: str


Findings = Iterator[Finding]

_CONTAINER_LISTS = ("containers", "initContainers", "ephemeralContainers")
_SAFE_SECCOMP = ("RuntimeDefault", "Localhost")
_HOST_NAMESPACES = ("hostNetwork", "hostPID", "hostIPC")


def _pod_specs(inputs: Mapping[str, Any]) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """Every pod spec in a manifest: a Pod's spec, any template's, a DaskCluster's scheduler and worker specs."""
    for path, value in _walk(inputs):
        if isinstance(value, Mapping) and _is_sequence(value.get("containers")):
            yield path, value


def _pod_containers(pod: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    for field in _CONTAINER_LISTS:
        for container in _items(pod.get(field)):
            if isinstance(container, Mapping):
                yield container


def _security(value: Mapping[str, Any]) -> Mapping[str, Any]:
    context = value.get("securityContext")
    return context if isinstance(context, Mapping) else {}


def _effective(pod: Mapping[str, Any], container: Mapping[str, Any], field: str) -> Any:
    """A container's security setting as the kubelet applies it: the container's own, else the pod's."""
    own = _security(container).get(field)
    return own if own is not None else _security(pod).get(field)


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _where(path: str, container: Mapping[str, Any]) -> str:
    return f"container {container.get('name', '?')!r} ({path or 'spec'})"


def privileged_findings(resource: Resource) -> Findings:
    for path, pod in _pod_specs(resource.inputs):
        for container in _pod_containers(pod):
            if _security(container).get("privileged") is True:
                yield Finding(
                    "privileged",
                    str(container.get("name")),
                    f"{_where(path, container)} is privileged: it has every capability of the node's root and every "
                    "device; drop securityContext.privileged (add only the capability it needs, if any)",
                )


def host_path_findings(resource: Resource) -> Findings:
    for path, pod in _pod_specs(resource.inputs):
        for volume in _items(pod.get("volumes")):
            if isinstance(volume, Mapping) and volume.get("hostPath") is not None:
                host = _get(volume, "hostPath.path")
                yield Finding(
                    "host-path",
                    str(volume.get("name")),
                    f"volume {volume.get('name')!r} ({path or 'spec'}.volumes) mounts the node's {host!r}: a pod with "
                    "the node's files can escape to it; use an emptyDir, a ConfigMap, a Secret or a "
                    "PersistentVolumeClaim",
                )


def host_namespace_findings(resource: Resource) -> Findings:
    for path, pod in _pod_specs(resource.inputs):
        shared = [field for field in _HOST_NAMESPACES if pod.get(field) is True]
        if shared:
            yield Finding(
                "host-namespaces",
                ",".join(shared),
                f"the pod ({path or 'spec'}) sets {', '.join(shared)}: it shares the node's network, processes or IPC "
                "and sees everything else on the node; remove them",
            )


def root_findings(resource: Resource, built_images: frozenset[str] = frozenset()) -> Findings:
    """Containers that run as root or may: an effective ``runAsUser: 0``; or neither an effective
    ``runAsNonRoot: true`` (the kubelet then refuses to start a root process) nor an effective non-zero
    ``runAsUser`` (container over pod), unless the image is one the stack builds (``built_images``), whose
    Dockerfiles end in the numeric non-root ``USER 1000:1000`` (hadolint's DL3002 guards it)."""
    for path, pod in _pod_specs(resource.inputs):
        for container in _pod_containers(pod):
            user = _number(_effective(pod, container, "runAsUser"))
            non_root = _effective(pod, container, "runAsNonRoot") is True
            image = str(container.get("image") or "").partition("@")[0]
            if user == 0:
                problem = "runs as root (runAsUser 0)"
                if non_root:
                    problem += " and sets runAsNonRoot, so the kubelet will refuse to start it"
            elif non_root or user is not None or image in built_images:
                continue
            else:
                problem = (
                    "may run as root: neither it nor its pod sets runAsNonRoot: true or a non-zero runAsUser, "
                    "so the image's user decides"
                )
            yield Finding(
                "root",
                str(container.get("name")),
                f"{_where(path, container)} {problem}; set securityContext.runAsNonRoot: true "
                "(and runAsUser to the image's non-root uid, e.g. 1000) on the pod or the container",
            )


def seccomp_findings(resource: Resource) -> Findings:
    for path, pod in _pod_specs(resource.inputs):
        for container in _pod_containers(pod):
            profile = _effective(pod, container, "seccompProfile")
            kind = profile.get("type") if isinstance(profile, Mapping) else None
            if kind not in _SAFE_SECCOMP:
                state = "sets no seccomp profile" if kind is None else f"has seccomp profile {kind!r}"
                yield Finding(
                    "seccomp",
                    str(container.get("name")),
                    f"{_where(path, container)} {state}, so it may run unconfined: set "
                    "securityContext.seccompProfile.type: RuntimeDefault on the pod (or Localhost with a profile)",
                )


BROAD_GROUPS = ("system:authenticated", "system:unauthenticated", "system:serviceaccounts")
"""Groups that hold every authenticated user, every anonymous request, or every ServiceAccount of the cluster."""
BROAD_GROUP_PREFIXES = ("system:serviceaccounts:",)
"""Every ServiceAccount of one namespace, including the ones other workloads there run as."""
BROAD_USERS = ("system:anonymous",)
BINDING_TYPES = (ROLE_BINDING, CLUSTER_ROLE_BINDING)


def broad_binding_findings(resource: Resource) -> Findings:
    if resource.type not in BINDING_TYPES:
        return
    role_kind, role = _get(resource.inputs, "roleRef.kind"), _get(resource.inputs, "roleRef.name")
    if role_kind == "ClusterRole" and role == "cluster-admin":
        yield Finding(
            "broad-binding",
            "cluster-admin",
            f"{resource.kind} binds cluster-admin, which may do anything (in a RoleBinding: anything in the namespace, "
            "including its Secrets and RBAC): bind a role with exactly the permissions needed",
        )
    for subject in _items(resource.inputs.get("subjects")):
        if not isinstance(subject, Mapping):
            continue
        kind, name = subject.get("kind"), str(subject.get("name") or "")
        broad = (kind == "Group" and (name in BROAD_GROUPS or name.startswith(BROAD_GROUP_PREFIXES))) or (
            kind == "User" and name in BROAD_USERS
        )
        if broad:
            yield Finding(
                "broad-binding",
                name,
                f"{resource.kind} grants {role!r} to the {kind} {name!r}, which holds far more than this platform's "
                "workloads: bind the ServiceAccounts that need it (kind ServiceAccount, name and namespace)",
            )


_READ_VERBS = {"get", "list", "watch", "*"}
# `create` opens an exec session; API servers before Kubernetes 1.31 also authorized the WebSocket upgrade with `get`.
_EXEC_VERBS = {"create", "get", "*"}
BUILT_IN_ROLE_GRANTS: dict[str, tuple[str, ...]] = {
    "cluster-admin": ("secrets", "pods/exec"),
    "admin": ("secrets", "pods/exec"),
    "edit": ("secrets", "pods/exec"),
}
"""Kubernetes' default ClusterRoles that read Secrets and exec into pods, for bindings to roles the stack lacks."""


def _grants(rule: Mapping[str, Any], resource: str, verbs: set[str]) -> bool:
    """Whether one RBAC rule grants any of ``verbs`` on a core-group ``resource`` (``secrets``, ``pods/exec``)."""
    groups = {str(g) for g in _items(rule.get("apiGroups"))}
    resources = {str(r) for r in _items(rule.get("resources"))}
    granted = {str(v) for v in _items(rule.get("verbs"))}
    parent = resource.split("/", 1)[0]
    matches_resource = bool(resources & {resource, "*", f"{parent}/*"})
    # Named Secrets only: `get` on resourceNames reaches just those (list and watch would still list them all).
    if rule.get("resourceNames") and granted <= {"get"}:
        return False
    return bool(groups & {"", "*"}) and matches_resource and bool(granted & verbs)


def role_grants(rules: Any) -> list[str]:
    """``secrets`` and/or ``pods/exec`` when the role's rules read Secrets or exec into pods."""
    rules = [rule for rule in _items(rules) if isinstance(rule, Mapping)]
    found = []
    if any(_grants(rule, "secrets", _READ_VERBS) for rule in rules):
        found.append("secrets")
    if any(_grants(rule, "pods/exec", _EXEC_VERBS) for rule in rules):
        found.append("pods/exec")
    return found


def cluster_grant_findings(role: Resource, bindings: Sequence[str]) -> Findings:
    """A ClusterRole bound cluster-wide (by the ClusterRoleBindings named in ``bindings``) that reads Secrets or
    execs into pods: in every namespace, today's and tomorrow's. Bound only by RoleBindings it stays per namespace."""
    for grant in role_grants(role.inputs.get("rules")):
        what = "reads every Secret" if grant == "secrets" else "may exec into every pod"
        yield Finding(
            "cluster-grant",
            grant,
            f"ClusterRole {role.object_name!r}, bound cluster-wide by {', '.join(map(repr, bindings))}, {what} in "
            "the cluster: grant it per namespace (a Role, or RoleBindings to the ClusterRole) or drop the verbs",
        )


def _cluster_grant_findings(resources: Sequence[Resource]) -> Iterator[tuple[Resource, Finding]]:
    roles = {r.object_name: r for r in resources if r.type == CLUSTER_ROLE}
    bound: dict[str, list[Resource]] = {}
    for binding in resources:
        if binding.type == CLUSTER_ROLE_BINDING and _get(binding.inputs, "roleRef.kind") == "ClusterRole":
            bound.setdefault(str(_get(binding.inputs, "roleRef.name")), []).append(binding)
    for name, bindings in bound.items():
        names = [binding.object_name for binding in bindings]
        if name in roles:
            for finding in cluster_grant_findings(roles[name], names):
                yield roles[name], finding
        elif name in BUILT_IN_ROLE_GRANTS:
            for binding in bindings:
                for grant in BUILT_IN_ROLE_GRANTS[name]:
                    what = "reads every Secret" if grant == "secrets" else "may exec into every pod"
                    message = (
                        f"ClusterRoleBinding binds the built-in ClusterRole {name!r}, which {what} in the cluster: "
                        "bind it per namespace with a RoleBinding, or bind a narrower role"
                    )
                    yield binding, Finding("cluster-grant", grant, message)


def wildcard_findings(resource: Resource) -> Findings:
    """``*`` verbs in a chart's roles, one finding per resource they cover (our own roles: rbac-no-wildcards)."""
    if resource.type not in ROLE_TYPES:
        return
    for rule in _items(resource.inputs.get("rules")):
        if not isinstance(rule, Mapping) or "*" not in [str(v) for v in _items(rule.get("verbs"))]:
            continue
        for granted in _items(rule.get("resources")):
            yield Finding(
                "wildcard",
                str(granted),
                f"{resource.kind} {resource.object_name!r} grants every verb ('*') on {granted!r}",
            )


# ---------------------------------------------------------------------------------------------------------------
# What the pinned charts are known to do


@dataclass(frozen=True)
class UpstreamFinding:
    """A finding a pinned chart's own templates produce, why it is there, and how a stack can narrow it."""

    component: str
    """The component that declares the chart (its objects' URNs hold it before the Chart type)."""
    kinds: tuple[str, ...]
    name: str
    """A regular expression the object's ``metadata.name`` fully matches."""
    code: str
    subjects: frozenset[str]
    reason: str

    def covers(self, resource: Resource, finding: Finding) -> bool:
        return (
            resource.chart_component == self.component
            and resource.kind in self.kinds
            and re.fullmatch(self.name, resource.object_name) is not None
            and finding.code == self.code
            and finding.subject in self.subjects
        )


_OPERATOR_RESOURCES = frozenset(
    {"pods", "pods/status", "services", "services/status", "deployments", "deployments/status", "events"}
)
UPSTREAM_FINDINGS: tuple[UpstreamFinding, ...] = (
    UpstreamFinding(
        OPERATOR_COMPONENT,
        ("ClusterRole", "Role"),
        r".+-role(-cluster)?",
        "wildcard",
        _OPERATOR_RESOURCES,
        "known upstream grant: the operator creates, patches and deletes the scheduler and worker pods, their "
        "Services and Deployments for every DaskCluster it watches, and the chart grants it every verb on them; "
        "with operator.scope: cluster that is in every namespace, operator.scope: namespace narrows it to a Role in "
        "the one user namespace",
    ),
    UpstreamFinding(
        GATEWAY_COMPONENT,
        ("ClusterRole",),
        r"(api|controller)-.+",
        "wildcard",
        frozenset({"daskclusters", "daskclusters/status"}),
        "known upstream grant: the gateway api and controller own the gateway.dask.org DaskCluster objects they "
        "create for users' clusters; the chart grants every verb on that one custom resource, cluster-wide",
    ),
    UpstreamFinding(
        GATEWAY_COMPONENT,
        ("ClusterRole",),
        r"api-.+",
        "cluster-grant",
        frozenset({"secrets"}),
        "known upstream grant: the gateway api reads each cluster's TLS credentials Secret, in whichever namespace "
        "the cluster runs, and the chart grants `get` on Secrets cluster-wide; the chart has no namespaced RBAC option",
    ),
    UpstreamFinding(
        GATEWAY_COMPONENT,
        ("ClusterRole",),
        r"traefik-.+",
        "cluster-grant",
        frozenset({"secrets"}),
        "known upstream grant: traefik's Kubernetes CRD provider watches Secrets (TLS stores and options) across "
        "namespaces, because the chart lets it route to clusters in any namespace; the chart has no namespaced option",
    ),
)


def upstream_reason(resource: Resource, finding: Finding) -> str | None:
    """Why a chart object has ``finding``, when it is a known upstream finding."""
    if not resource.rendered_by_chart:
        return None
    return next((known.reason for known in UPSTREAM_FINDINGS if known.covers(resource, finding)), None)


def _unknown(resource: Resource, findings: Iterable[Finding]) -> Iterator[str]:
    """The messages of findings that are not known upstream findings of the resource's chart."""
    for finding in findings:
        if upstream_reason(resource, finding) is None:
            yield finding.message


def _built_images(resources: Sequence[Resource]) -> frozenset[str]:
    return frozenset(
        str(tag) for r in resources if r.type == DOCKER_BUILD_IMAGE for tag in _items(r.inputs.get("tags"))
    )


def check_privileged(resource: Resource, context: PolicyContext) -> Iterator[str]:
    yield from _unknown(resource, privileged_findings(resource))


def check_host_path(resource: Resource, context: PolicyContext) -> Iterator[str]:
    yield from _unknown(resource, host_path_findings(resource))


def check_host_namespaces(resource: Resource, context: PolicyContext) -> Iterator[str]:
    yield from _unknown(resource, host_namespace_findings(resource))


def check_non_root(resources: Sequence[Resource], context: PolicyContext) -> Iterator[tuple[Resource, str]]:
    built = _built_images(resources)
    for resource in resources:
        for message in _unknown(resource, root_findings(resource, built)):
            yield resource, message


def check_seccomp(resource: Resource, context: PolicyContext) -> Iterator[str]:
    yield from _unknown(resource, seccomp_findings(resource))


def check_broad_bindings(resource: Resource, context: PolicyContext) -> Iterator[str]:
    yield from _unknown(resource, broad_binding_findings(resource))


def check_cluster_grants(resources: Sequence[Resource], context: PolicyContext) -> Iterator[tuple[Resource, str]]:
    for resource, finding in _cluster_grant_findings(resources):
        if upstream_reason(resource, finding) is None:
            yield resource, finding.message


def check_upstream_findings(resources: Sequence[Resource], context: PolicyContext) -> Iterator[tuple[Resource, str]]:
    """Every finding in a chart's objects: the known ones with their reason, unknown wildcards as unreviewed
    (unknown findings of the other kinds are reported, mandatory in prod, by their own rules)."""
    built = _built_images(resources)
    charted = [r for r in resources if r.rendered_by_chart]
    found: list[tuple[Resource, Finding]] = [
        (r, f)
        for r in charted
        for findings in (
            privileged_findings(r),
            host_path_findings(r),
            host_namespace_findings(r),
            root_findings(r, built),
            seccomp_findings(r),
            broad_binding_findings(r),
            wildcard_findings(r),
        )
        for f in findings
    ]
    found += [(r, f) for r, f in _cluster_grant_findings(resources) if r.rendered_by_chart]
    for resource, finding in found:
        reason = upstream_reason(resource, finding)
        if reason is not None:
            yield resource, f"{finding.message}: {reason}"
        elif finding.code == "wildcard":
            yield (
                resource,
                (
                    f"{finding.message}: not a reviewed upstream grant; review it and add it to policy/rules.py "
                    "UPSTREAM_FINDINGS with its reason, or narrow it through the chart's values"
                ),
            )


# ---------------------------------------------------------------------------------------------------------------
# Network policies

WORKLOAD_KINDS = (
    "Pod",
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "Job",
    "CronJob",
    "DaskCluster",
    "DaskWorkerGroup",
    "DaskJob",
)


def check_network_policies(resources: Sequence[Resource], context: PolicyContext) -> Iterator[tuple[Resource, str]]:
    """Workloads (ours and the charts') in a namespace no NetworkPolicy of the stack selects from."""
    covered = {r.namespace for r in resources if r.type == NETWORK_POLICY}
    for resource in resources:
        workload = resource.kind in WORKLOAD_KINDS and resource.type.startswith("kubernetes:")
        if workload and resource.namespace and resource.namespace not in covered:
            yield (
                resource,
                (
                    f"{resource.kind} {resource.object_name!r} runs in namespace {resource.namespace!r}, which has no "
                    "NetworkPolicy: every pod in the cluster can reach it; declare the namespace's NetworkPolicies"
                ),
            )


NETWORK_POLICY_RULE = Rule(
    "workloads-network-policy",
    "Every namespace with workloads has a NetworkPolicy.",
    "advisory",
    stack_check=check_network_policies,
)


RULES: tuple[Rule, ...] = (
    Rule(
        "helm-chart-pinned",
        "Helm charts are pinned to an exact version from an allowed repository.",
        "mandatory",
        check_chart_pinned,
    ),
    Rule(
        "images-pinned-and-allowed",
        "Images are pinned by tag or digest (never 'latest' or untagged) and come from the stack's registry or "
        "the allowed list.",
        "advisory",
        check_images,
    ),
    Rule(
        "container-resources",
        "Every container we declare has CPU and memory requests and limits, and no limit below its request.",
        "mandatory",
        check_container_resources,
    ),
    Rule(
        "rbac-no-wildcards",
        "RBAC rules we declare have no '*' in verbs, resources or API groups.",
        "mandatory",
        check_rbac_wildcards,
    ),
    Rule(
        "cluster-role-binding-only-when-asked",
        "A ClusterRoleBinding only where the stack asks for cluster-wide access.",
        "mandatory",
        check_cluster_role_binding,
    ),
    Rule(
        "no-plaintext-secrets",
        "No secret material in ConfigMaps, chart values or literal container env.",
        "mandatory",
        check_no_plaintext_secrets,
    ),
    Rule(
        "gateway-auth-not-open",
        "Gateway auth in prod is never an open simple authenticator.",
        "advisory",
        check_gateway_auth,
    ),
    Rule(
        "load-balancer-only-when-asked",
        "NodePort and LoadBalancer Services only with the stack's opt-in: the gateway's with "
        "gateway.service.allowExternal, a declared cluster's scheduler with clusters[].scheduler.allowExternal; "
        "no other Service may be exposed.",
        "advisory",
        check_external_services,
    ),
    Rule(
        "gateway-cluster-limits",
        "The gateway sets cluster_max_cores, cluster_max_memory, cluster_max_workers and an idle timeout.",
        "advisory",
        check_gateway_limits,
    ),
    Rule(
        "namespace-pod-security",
        "Namespaces carry Pod Security Standard labels.",
        "mandatory",
        check_namespace_labels,
    ),
    Rule(
        "image-gateway-version",
        "Every image is built with the gateway chart's dask-gateway version.",
        "mandatory",
        check_image_gateway_version,
    ),
    Rule(
        "image-base-dask-version",
        "An image built FROM another carries its base's Dask version: the images of a profile share it.",
        "mandatory",
        stack_check=check_base_dask_version,
    ),
    Rule(
        "pods-not-privileged",
        "No privileged container, ours or a chart's.",
        "advisory",
        check_privileged,
    ),
    Rule(
        "pods-no-host-path",
        "No hostPath volume, ours or a chart's.",
        "advisory",
        check_host_path,
    ),
    Rule(
        "pods-no-host-namespaces",
        "No pod shares the node's network, PID or IPC namespace (hostNetwork, hostPID, hostIPC).",
        "advisory",
        check_host_namespaces,
    ),
    Rule(
        "pods-not-root",
        "No container runs as root: runAsUser 0 is refused, and every container has an effective "
        "runAsNonRoot: true or non-zero runAsUser, or runs an image the stack builds (non-root USER 1000).",
        "advisory",
        stack_check=check_non_root,
    ),
    Rule(
        "pods-seccomp",
        "Every container runs with a RuntimeDefault or Localhost seccomp profile (its own or its pod's).",
        "advisory",
        check_seccomp,
    ),
    Rule(
        "rbac-no-broad-bindings",
        "No RoleBinding or ClusterRoleBinding to cluster-admin, or to everyone: system:authenticated, "
        "system:unauthenticated, system:serviceaccounts(:<namespace>), system:anonymous.",
        "advisory",
        check_broad_bindings,
    ),
    Rule(
        "rbac-no-cluster-wide-secrets-or-exec",
        "No ClusterRole bound by a ClusterRoleBinding reads Secrets (get, list, watch, *) or execs into pods "
        "(pods/exec create, get, *); neither does a ClusterRoleBinding to the built-in admin, edit or cluster-admin.",
        "advisory",
        stack_check=check_cluster_grants,
    ),
    Rule(
        "chart-upstream-findings",
        "Reports what the pinned charts' own objects do that the rules above would refuse, each with the reason it "
        "is there and how to narrow it, and wildcards in the charts' RBAC. Advisory in every environment: these are "
        "reviewed upstream choices a stack cannot change but through the chart's values (operator.scope: namespace "
        "for the operator's grants); anything not on the reviewed list is refused by the rule of its kind.",
        "advisory",
        stack_check=check_upstream_findings,
        prod_enforcement="advisory",
    ),
    NETWORK_POLICY_RULE,
)
RULES_BY_NAME: dict[str, Rule] = {rule.name: rule for rule in RULES}


def check_stack(resources: Iterable[Resource | Mapping[str, Any]], context: PolicyContext) -> list[Violation]:
    """Every violation of every rule over a stack's resources (``Resource`` objects or ``resources.json`` dicts)."""
    stack = [item if isinstance(item, Resource) else Resource.from_plan(item) for item in resources]
    return [violation for rule in RULES for violation in rule.check_stack(stack, context)]
