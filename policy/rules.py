"""Policy rules as plain functions over plain data: a resource's type and inputs plus a small stack context.

A rule never needs a Pulumi engine: it reads one resource (``urn``, ``type``, ``name``, ``inputs``, the shape of
``tools.plan``'s ``resources.json``) or the whole stack's resources, and returns violations whose message says
what to change. The policy pack (``policy/pack.py``) wraps the same rules for ``pulumi preview --policy-pack``.

What a stack *intends* (cluster-wide user access, a public LoadBalancer, dev or prod) comes from its typed
config through ``context_from_config``, so a rule can tell a deliberate choice from an accident.

Objects a Helm chart renders appear as resources of their own in a real preview (their URN's type chain holds
the chart). Rules about what *we* declare (container resources, RBAC) leave those to the chart's pinned version
and check the values we pass instead; rules about what runs (images, exposure, secrets) check them all.
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

Environment = Literal["dev", "prod"]
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
CLUSTER_ROLE_BINDING = "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding"
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
    load_balancer_requested: bool = False
    gateway_chart_version: str | None = None

    @property
    def is_prod(self) -> bool:
        return self.environment == "prod"

    @property
    def image_prefixes(self) -> tuple[str, ...]:
        registry = (self.image_registry,) if self.image_registry else ()
        return registry + self.allowed_image_prefixes


def context_from_config(config: PlatformConfig) -> PolicyContext:
    """The stack's intent: a LoadBalancer counts as asked for only when the stack file sets it explicitly."""
    service = config.gateway.service
    return PolicyContext(
        environment=config.environment,
        image_registry=config.images.registry,
        cluster_wide_access=config.operator.user_access == "cluster",
        load_balancer_requested="type" in service.model_fields_set and service.type == "LoadBalancer",
        gateway_chart_version=config.gateway.chart.version,
    )


ResourceCheck = Callable[[Resource, PolicyContext], Iterable[str]]
StackCheck = Callable[[Sequence[Resource], PolicyContext], Iterable[tuple[Resource | None, str]]]


@dataclass(frozen=True)
class Rule:
    """A named check; ``dev_enforcement`` is how it applies in dev (every rule is mandatory in prod)."""

    name: str
    description: str
    dev_enforcement: Enforcement
    resource_check: ResourceCheck | None = None
    stack_check: StackCheck | None = None

    def enforcement(self, environment: Environment) -> Enforcement:
        return "mandatory" if environment == "prod" else self.dev_enforcement

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


def check_load_balancer(resource: Resource, context: PolicyContext) -> Iterator[str]:
    if context.load_balancer_requested:
        return
    if _is_gateway_chart(resource) and _get(resource.chart_values, "traefik.service.type") == "LoadBalancer":
        where = "chart values traefik.service.type"
    elif resource.type == SERVICE and _get(resource.inputs, "spec.type") == "LoadBalancer":
        where = "Service spec.type"
    else:
        return
    yield (
        f"{where} is LoadBalancer, which exposes the gateway outside the cluster, but the stack does not ask for it: "
        "set gateway.service.type: LoadBalancer in the stack file if that is intended, otherwise use ClusterIP"
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
        base = by_tag.get(str(args.get("BASE_IMAGE") or "").partition("@")[0])
        base_dask = _build_args(base).get("DASK_VERSION") if base else None
        if base_dask and args.get("DASK_VERSION") and args["DASK_VERSION"] != base_dask:
            yield (
                image,
                f"the image installs Dask {args['DASK_VERSION']} on a base with Dask {base_dask}: "
                "an image and the image it builds FROM belong to one profile; build it from that profile's base",
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
        "Traefik is exposed as a LoadBalancer only when the stack says so explicitly.",
        "advisory",
        check_load_balancer,
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
)
RULES_BY_NAME: dict[str, Rule] = {rule.name: rule for rule in RULES}


def check_stack(resources: Iterable[Resource | Mapping[str, Any]], context: PolicyContext) -> list[Violation]:
    """Every violation of every rule over a stack's resources (``Resource`` objects or ``resources.json`` dicts)."""
    stack = [item if isinstance(item, Resource) else Resource.from_plan(item) for item in resources]
    return [violation for rule in RULES for violation in rule.check_stack(stack, context)]
