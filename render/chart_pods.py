"""The security context the charts' own pods get from a Pulumi transform, as plain data.

The dask-gateway chart sets no security context on its api and controller pods and has no value for one; its
traefik container sets only a user. Every workload the charts render gets the settings the ``restricted`` Pod
Security Standard asks for, so the gateway's and the operator's namespaces can enforce it too. Each image already
runs as uid and gid 1000 (dask-gateway-server's and the operator's images end with that numeric ``USER``, and
the chart starts traefik as 1000:1000 on ports above 1024), so nothing changes for the processes inside.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

CHART_POD_USER = 1000
CHART_POD_SECURITY: dict[str, Any] = {
    "runAsNonRoot": True,
    "runAsUser": CHART_POD_USER,
    "runAsGroup": CHART_POD_USER,
    "seccompProfile": {"type": "RuntimeDefault"},
}
CHART_CONTAINER_SECURITY: dict[str, Any] = {
    "runAsNonRoot": True,
    "allowPrivilegeEscalation": False,
    "capabilities": {"drop": ["ALL"]},
}
POD_SPEC_PATHS: dict[str, tuple[str, ...]] = {
    "Pod": ("spec",),
    "Deployment": ("spec", "template", "spec"),
    "StatefulSet": ("spec", "template", "spec"),
    "DaemonSet": ("spec", "template", "spec"),
    "ReplicaSet": ("spec", "template", "spec"),
    "Job": ("spec", "template", "spec"),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
}
"""Where each workload kind keeps the pod spec it runs."""
CONTAINER_LISTS = ("initContainers", "containers")


def _overlay(own: Any, ours: Mapping[str, Any]) -> dict[str, Any]:
    """The chart's settings with ours on top: what the chart adds (a read-only root filesystem) stays."""
    return {**(own if isinstance(own, Mapping) else {}), **copy.deepcopy(dict(ours))}


def hardened_pod_spec(spec: Mapping[str, Any]) -> dict[str, Any]:
    hardened = dict(spec)
    hardened["securityContext"] = _overlay(spec.get("securityContext"), CHART_POD_SECURITY)
    for field in CONTAINER_LISTS:
        containers = spec.get(field)
        if isinstance(containers, list):
            hardened[field] = [
                {**container, "securityContext": _overlay(container.get("securityContext"), CHART_CONTAINER_SECURITY)}
                if isinstance(container, Mapping)
                else container
                for container in containers
            ]
    return hardened


def hardened_workload(kind: str, manifest: Mapping[str, Any]) -> dict[str, Any] | None:
    """A copy of a chart's workload of ``kind`` whose pods run hardened; None for any other object, or one
    without a pod spec where its kind keeps it."""
    path = POD_SPEC_PATHS.get(kind)
    if path is None:
        return None
    hardened = dict(manifest)
    parent: dict[str, Any] = hardened
    for key in path[:-1]:
        child = parent.get(key)
        if not isinstance(child, Mapping):
            return None
        parent[key] = dict(child)
        parent = parent[key]
    spec = parent.get(path[-1])
    if not isinstance(spec, Mapping):
        return None
    parent[path[-1]] = hardened_pod_spec(spec)
    return hardened
