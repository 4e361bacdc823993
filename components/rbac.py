"""RBAC for people and workloads that create Dask clusters through the operator.

The rules are the ones the dask-kubernetes documentation gives for users who create clusters: full control
of the operator's custom resources, read-only access to the pods and services those resources produce.
"""

from __future__ import annotations

from typing import Any

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

USER_SERVICE_ACCOUNT = "dask-user"
USER_CLUSTER_ROLE = "dask-platform-user"
