"""RBAC for people and workloads that create Dask clusters through the operator, as plain manifests.

The rules are the ones the dask-kubernetes documentation gives for users who create clusters: full control
of the operator's custom resources, read-only access to the pods and services those resources produce.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from render.names import PLATFORM_LABEL, USER_CLUSTER_ROLE, USER_SERVICE_ACCOUNT

RBAC_API_VERSION = "rbac.authorization.k8s.io/v1"

USER_CLUSTER_ROLE_RULES: list[dict[str, Any]] = [
    {
        "apiGroups": ["kubernetes.dask.org"],
        "resources": [
            "daskclusters",
            "daskworkergroups",
            "daskworkergroups/scale",
            "daskjobs",
            "daskautoscalers",
        ],
        "verbs": ["get", "list", "watch", "patch", "create", "delete"],
    },
    {
        "apiGroups": [""],
        "resources": ["pods", "pods/status", "services"],
        "verbs": ["get", "list", "watch"],
    },
]

_ROLE_REF = {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": USER_CLUSTER_ROLE}


def user_cluster_role() -> dict[str, Any]:
    return {
        "apiVersion": RBAC_API_VERSION,
        "kind": "ClusterRole",
        "metadata": {"name": USER_CLUSTER_ROLE, "labels": PLATFORM_LABEL},
        "rules": USER_CLUSTER_ROLE_RULES,
    }


def _user_subject(namespace: str) -> dict[str, str]:
    return {"kind": "ServiceAccount", "name": USER_SERVICE_ACCOUNT, "namespace": namespace}


def user_service_account(namespace: str) -> dict[str, Any]:
    """The ServiceAccount users' pods (and the session) run as in a user or team namespace."""
    return {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": {"name": USER_SERVICE_ACCOUNT, "namespace": namespace, "labels": PLATFORM_LABEL},
    }


def user_role_binding(namespace: str) -> dict[str, Any]:
    """Grants the user ClusterRole to the namespace's user ServiceAccount, in that namespace only."""
    return {
        "apiVersion": RBAC_API_VERSION,
        "kind": "RoleBinding",
        "metadata": {"name": USER_CLUSTER_ROLE, "namespace": namespace, "labels": PLATFORM_LABEL},
        "roleRef": _ROLE_REF,
        "subjects": [_user_subject(namespace)],
    }


def user_cluster_role_binding(namespaces: Iterable[str]) -> dict[str, Any]:
    """Grants the user ClusterRole in every namespace to the user ServiceAccounts of ``namespaces``."""
    return {
        "apiVersion": RBAC_API_VERSION,
        "kind": "ClusterRoleBinding",
        "metadata": {"name": USER_CLUSTER_ROLE, "labels": PLATFORM_LABEL},
        "roleRef": _ROLE_REF,
        "subjects": [_user_subject(namespace) for namespace in namespaces],
    }
