"""The ValidatingAdmissionPolicy that keeps users of a namespace out of each other's gateway clusters.

A user may create DaskClusters, DaskWorkerGroups and DaskJobs, whose schema takes whole pod specs, and a pod may
mount any Secret of its namespace: among them ``dask-credentials-<cluster>``, the TLS key and API token the gateway
controller makes for every gateway cluster. Labels of a DaskCluster reach its pods, and ``gateway.dask.org/*``
labels are what the NetworkPolicies let in among gateway clusters. So, in every user and team namespace, the
policy refuses from anyone but the gateway controller, the operator and the stack's exempt admins:

- a Pod or operator resource that references a ``dask-credentials-*`` Secret anywhere in any of its pod specs
  (volumes, projected volumes, volume credentials, env ``valueFrom``, ``envFrom``, image pull secrets; in
  containers, init containers and ephemeral containers); an update may keep such a reference, never add one;
- a ``gateway.dask.org/*`` label on the object or its pod templates that its previous version did not have;
- an update of a declared cluster's resources (``DECLARED_LABEL``) that changes their spec, labels or annotations;
- a user's DaskWorkerGroup or DaskAutoscaler attached to a declared cluster, and a scale request for a declared
  cluster or worker group (a scale request carries no labels, so these go by the names the stack declares).

The CEL uses only the standard library and macros (``has``, ``exists``, ``in``, ``startsWith``), on objects as
the API server hands them to a policy (unstructured), guarding every optional field with ``has``; the tests run
it with cel-python on the real objects.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from config.clusters import worker_group_name
from config.platform import PlatformConfig
from render.cluster_upgrades import ATTACHED_KINDS
from render.names import (
    DECLARED_LABEL,
    PLATFORM_LABEL,
    gateway_controller_service_account,
    operator_service_account,
)

ADMISSION_API_VERSION = "admissionregistration.k8s.io/v1"
POLICY_NAME = "dask-platform-tenancy"
CREDENTIALS_PREFIX = "dask-credentials-"
"""The gateway controller's Secret of each gateway cluster: ``dask-credentials-<cluster name>``."""
GATEWAY_LABEL_PREFIX = "gateway.dask.org/"
NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"
DASK_GROUP = "kubernetes.dask.org"
DASK_KINDS = ("daskclusters", "daskworkergroups", "daskjobs", "daskautoscalers")
"""The operator's custom resources, by plural name."""
SCALED_KINDS = DASK_KINDS[:2]
"""Those with a ``/scale`` subresource: scaling a declared cluster is a change the policy must see too."""
DASK_RESOURCES = (*DASK_KINDS, *(f"{plural}/scale" for plural in SCALED_KINDS))

POD_SPECS: dict[str, tuple[str, ...]] = {
    "Pod": ("spec",),
    "DaskCluster": ("spec.scheduler.spec", "spec.worker.spec"),
    "DaskWorkerGroup": ("spec.worker.spec",),
    "DaskJob": ("spec.job.spec", "spec.cluster.spec.scheduler.spec", "spec.cluster.spec.worker.spec"),
}
"""Where each kind holds pod specs (the operator's CRD schemas)."""
POD_METADATA: dict[str, tuple[str, ...]] = {
    "Pod": ("metadata",),
    "DaskCluster": ("metadata", "spec.scheduler.metadata", "spec.worker.metadata"),
    "DaskWorkerGroup": ("metadata", "spec.worker.metadata"),
    "DaskJob": (
        "metadata",
        "spec.job.metadata",
        "spec.cluster.metadata",
        "spec.cluster.spec.scheduler.metadata",
        "spec.cluster.spec.worker.metadata",
    ),
    "DaskAutoscaler": ("metadata",),
}
"""Where each kind holds labels that the operator copies onto pods."""
VOLUME_SECRET_NAMES = ("secret.secretName", "azureFile.secretName")
VOLUME_SECRET_REFS = ("cephfs", "cinder", "csi", "flexVolume", "iscsi", "rbd", "scaleIO", "storageos")
"""Volume sources that name a Secret, by ``secretName`` or by ``secretRef.name`` (``nodePublishSecretRef`` for CSI)."""
CONTAINER_LISTS = ("containers", "initContainers", "ephemeralContainers")


def _cel(value: str) -> str:
    """A CEL string literal (JSON's escapes are CEL's)."""
    return json.dumps(value)


def _cel_list(values: Iterable[str]) -> str:
    return f"[{', '.join(_cel(value) for value in values)}]"


def _present(root: str, path: str) -> str:
    """``has`` on every step of ``root.path``, so that a missing field reads as absent rather than an error."""
    parts = path.split(".")
    return " && ".join(f"has({'.'.join([root, *parts[: depth + 1]])})" for depth in range(len(parts)))


def _is_credentials(root: str, path: str) -> str:
    return f"({_present(root, path)} && {root}.{path}.startsWith({_cel(CREDENTIALS_PREFIX)}))"


def _volume_references(volume: str) -> str:
    named = [_is_credentials(volume, path) for path in VOLUME_SECRET_NAMES]
    ref_field = {"csi": "nodePublishSecretRef"}
    named += [
        _is_credentials(volume, f"{source}.{ref_field.get(source, 'secretRef')}.name") for source in VOLUME_SECRET_REFS
    ]
    projected = (
        f"({_present(volume, 'projected.sources')} && {volume}.projected.sources.exists(p, "
        f"{_is_credentials('p', 'secret.name')}))"
    )
    return " || ".join([*named, projected])


def _container_references(container: str) -> str:
    from_secret = _is_credentials("e", "valueFrom.secretKeyRef.name")
    env = f"({_present(container, 'env')} && {container}.env.exists(e, {from_secret}))"
    env_from = (
        f"({_present(container, 'envFrom')} && {container}.envFrom.exists(f, {_is_credentials('f', 'secretRef.name')}))"
    )
    return f"{env} || {env_from}"


def pod_spec_references_credentials(spec: str) -> str:
    """CEL: the pod spec ``spec`` names a gateway cluster's credentials Secret anywhere."""
    checks = [
        f"({_present(spec, 'volumes')} && {spec}.volumes.exists(v, {_volume_references('v')}))",
        f"({_present(spec, 'imagePullSecrets')} && {spec}.imagePullSecrets.exists(r, {_is_credentials('r', 'name')}))",
    ]
    checks += [
        f"({_present(spec, field)} && {spec}.{field}.exists(c, {_container_references('c')}))"
        for field in CONTAINER_LISTS
    ]
    return " || ".join(checks)


def _by_kind(root: str, paths: Mapping[str, tuple[str, ...]], leaf: str = "") -> str:
    """CEL: the list of what ``root`` holds at its kind's ``paths`` (each path extended by ``leaf``), where
    present."""
    branches = []
    for kind, kind_paths in paths.items():
        items = [f"({_present(root, path + leaf)} ? [{root}.{path}{leaf}] : [])" for path in kind_paths]
        branches.append(f"request.kind.kind == {_cel(kind)} ? ({' + '.join(items)})")
    return " : ".join([*branches, "[]"])


def _on_update(expression: str) -> str:
    return f"request.operation == 'UPDATE' ? ({expression}) : []"


def _declared_key() -> str:
    (key,) = DECLARED_LABEL
    return key


def declared_names(config: PlatformConfig) -> tuple[list[str], list[str]]:
    """``namespace/name`` of every declared DaskCluster (a DaskJob's cluster takes the job's name), and of every
    worker group a declared cluster has: its extra groups and the ``<cluster>-default`` the operator makes."""
    clusters: list[str] = []
    groups: list[str] = []
    for cluster in config.clusters:
        if not cluster.enabled:
            continue
        clusters.append(f"{cluster.namespace}/{cluster.name}")
        names = ["default", *(group.name for group in cluster.worker_groups)]
        groups += [f"{cluster.namespace}/{worker_group_name(cluster.name, name)}" for name in names]
    return clusters, groups


def _variables(config: PlatformConfig) -> list[dict[str, str]]:
    key, value = _cel(_declared_key()), _cel(DECLARED_LABEL[_declared_key()])
    forged = (
        f"variables.labels.exists(m, m.exists(k, k.startsWith({_cel(GATEWAY_LABEL_PREFIX)}) && "
        "!variables.oldLabels.exists(o, k in o && o[k] == m[k])))"
    )
    clusters, groups = declared_names(config)
    attached = (
        f"request.kind.kind in {_cel_list(ATTACHED_KINDS)} && has(object.spec) && has(object.spec.cluster) && "
        f"(request.namespace + '/' + object.spec.cluster) in {_cel_list(clusters)}"
    )
    scaled = (
        f"request.subResource == 'scale' && (request.namespace + '/' + request.name) in {_cel_list(clusters + groups)}"
    )
    return [
        {"name": "attachesToDeclared", "expression": attached},
        {"name": "scalesDeclared", "expression": scaled},
        {"name": "podSpecs", "expression": _by_kind("object", POD_SPECS)},
        {"name": "oldPodSpecs", "expression": _on_update(_by_kind("oldObject", POD_SPECS))},
        {"name": "labels", "expression": _by_kind("object", POD_METADATA, ".labels")},
        {"name": "oldLabels", "expression": _on_update(_by_kind("oldObject", POD_METADATA, ".labels"))},
        {
            "name": "referencesCredentials",
            "expression": f"variables.podSpecs.exists(s, {pod_spec_references_credentials('s')})",
        },
        {
            "name": "referencedCredentials",
            "expression": f"variables.oldPodSpecs.exists(s, {pod_spec_references_credentials('s')})",
        },
        {"name": "forgesGatewayLabels", "expression": forged},
        {
            "name": "declared",
            "expression": (
                f"request.operation == 'UPDATE' && request.kind.group == {_cel(DASK_GROUP)} && "
                f"has(oldObject.metadata.labels) && {key} in oldObject.metadata.labels && "
                f"oldObject.metadata.labels[{key}] == {value}"
            ),
        },
    ]


def _unchanged(field: str) -> str:
    """CEL: ``metadata.<field>`` (a map) is the same in the object and its previous version."""
    new, old = f"object.metadata.{field}", f"oldObject.metadata.{field}"
    return f"(has({new}) ? {new} : {{}}) == (has({old}) ? {old} : {{}})"


_DECLARED_MESSAGE = (
    f"refused: the stack declares this cluster (label {_declared_key()}); change it in the stack's clusters and run "
    "pulumi up"
)
VALIDATIONS: list[dict[str, str]] = [
    {
        "expression": "!variables.referencesCredentials || variables.referencedCredentials",
        "reason": "Forbidden",
        "message": (
            f"refused: a {CREDENTIALS_PREFIX}* Secret holds a gateway cluster's TLS key and API token, and only the "
            "gateway's controller may mount it or read it into a pod"
        ),
    },
    {
        "expression": "!variables.forgesGatewayLabels",
        "reason": "Forbidden",
        "message": (
            f"refused: {GATEWAY_LABEL_PREFIX}* labels mark the gateway's cluster pods, which its NetworkPolicies let "
            "in; only the gateway's controller sets them"
        ),
    },
    {
        "expression": (
            "!variables.declared || (has(object.spec) == has(oldObject.spec) && (!has(object.spec) || "
            f"object.spec == oldObject.spec) && {_unchanged('labels')} && {_unchanged('annotations')})"
        ),
        "reason": "Forbidden",
        "message": _DECLARED_MESSAGE,
    },
    {"expression": "!variables.scalesDeclared", "reason": "Forbidden", "message": _DECLARED_MESSAGE},
    {
        "expression": "!variables.attachesToDeclared",
        "reason": "Forbidden",
        "message": (
            "refused: spec.cluster names a cluster the stack declares; a worker group or autoscaler of yours may "
            "only join a cluster of yours"
        ),
    },
]


def exempt_users(config: PlatformConfig) -> list[str]:
    """Who creates and changes what the policy guards by design: the gateway controller (its clusters' pods mount
    their credentials and carry gateway labels) and the operator (it copies declared clusters' labels onto the
    objects it makes), then the stack's own list."""
    controller = f"system:serviceaccount:{config.namespaces.gateway}:{gateway_controller_service_account()}"
    operator = f"system:serviceaccount:{config.operator_namespace}:{operator_service_account()}"
    return list(dict.fromkeys([controller, operator, *config.admission.exempt_users]))


def _match_conditions(config: PlatformConfig) -> list[dict[str, str]]:
    users, groups = _cel_list(exempt_users(config)), _cel_list(config.admission.exempt_groups)
    return [
        {"name": "not-an-exempt-user", "expression": f"!(request.userInfo.username in {users})"},
        {"name": "not-in-an-exempt-group", "expression": f"!request.userInfo.groups.exists(g, g in {groups})"},
    ]


def admission_policy(config: PlatformConfig) -> dict[str, Any]:
    operations = ["CREATE", "UPDATE"]
    return {
        "apiVersion": ADMISSION_API_VERSION,
        "kind": "ValidatingAdmissionPolicy",
        "metadata": {"name": POLICY_NAME, "labels": dict(PLATFORM_LABEL)},
        "spec": {
            "failurePolicy": "Fail",
            "matchConstraints": {
                "resourceRules": [
                    {
                        "apiGroups": [""],
                        "apiVersions": ["v1"],
                        "operations": operations,
                        "resources": ["pods", "pods/ephemeralcontainers"],
                    },
                    {
                        "apiGroups": [DASK_GROUP],
                        "apiVersions": ["*"],
                        "operations": operations,
                        "resources": list(DASK_RESOURCES),
                    },
                ]
            },
            "matchConditions": _match_conditions(config),
            "variables": _variables(config),
            "validations": VALIDATIONS,
        },
    }


def admission_policy_binding(config: PlatformConfig) -> dict[str, Any]:
    """Binds the policy to the user and team namespaces by the name label Kubernetes itself sets, which no
    user can change."""
    return {
        "apiVersion": ADMISSION_API_VERSION,
        "kind": "ValidatingAdmissionPolicyBinding",
        "metadata": {"name": POLICY_NAME, "labels": dict(PLATFORM_LABEL)},
        "spec": {
            "policyName": POLICY_NAME,
            "validationActions": ["Deny"],
            "matchResources": {
                "namespaceSelector": {
                    "matchExpressions": [
                        {"key": NAMESPACE_NAME_LABEL, "operator": "In", "values": config.user_namespaces}
                    ]
                }
            },
        },
    }


def admission_manifests(config: PlatformConfig) -> list[dict[str, Any]]:
    """The policy and its binding, or nothing when ``admission.enabled`` is off."""
    if not config.admission.enabled:
        return []
    return [admission_policy(config), admission_policy_binding(config)]
