"""The smoke check as plain manifests: a Job that runs ``shipped/smoke_check.py`` on the session's image with the
session's credentials, the ConfigMap that ships the module, and the ConfigMap (with the Role that may write it)
that carries the result back to Pulumi.

The Job's name ends in a digest of everything the check proves: the gateway's and the operator's chart values
(options, limits, images users may pick), the Job itself (image, environment, data) and the module. A stack
whose gateway, images and options are unchanged renders the same name, so ``pulumi up`` leaves the finished Job
alone; any change renders a new name, a new Job, and a new run.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from config.platform import PlatformConfig
from render.names import PASSWORD_SECRET_KEY, PLATFORM_LABEL
from render.pods import CONTAINER_SECURITY, POD_SECURITY, placement_spec, resource_requirements
from render.rbac import RBAC_API_VERSION
from render.session import CLIENT_PASSWORD_ENV, session_client_environment
from shipped import smoke_check
from shipped.smoke_check import DATA_ENV, JOB_NAME_ENV, SmokeCheckData

SMOKE_NAME = "dask-smoke-check"
MODULE_CONFIG_MAP = f"{SMOKE_NAME}-module"
MODULE_FILE = "smoke_check.py"
MODULE_DIR = "/opt/dask-platform"
RESULT_CONFIG_MAP = f"{SMOKE_NAME}-result"
RESULT_KEY = "result"
PASSWORD_SECRET = f"{SMOKE_NAME}-gateway-password"
"""The check's own copy of the gateway password in its namespace (Secrets are namespaced)."""
SMOKE_USER = "dask-platform-smoke-check"
"""The gateway user the check authenticates as with simple auth: its clusters and pods say whose they are."""
COMMAND = ("python", f"{MODULE_DIR}/{MODULE_FILE}")
"""The image's own Python runs the module as the ConfigMap mounts it."""
STARTUP_ALLOWANCE = 60
"""Of the check's timeout, what pulling the image and starting the pod may take before the check itself runs."""
AWAIT_MARGIN = 120
"""Pulumi waits this much longer than Kubernetes lets the Job run, so the Job's own failure is what it reports."""
JOB_NAME_LABEL = "job-name"
"""The Job controller's label on the Job's pods, holding the Job's name."""


def smoke_module_source() -> str:
    """The text of the check's module, exactly as it ships."""
    return Path(smoke_check.__file__).read_text()


def smoke_data(config: PlatformConfig, namespace: str) -> SmokeCheckData:
    return {
        "timeoutSeconds": float(config.smoke_check.timeout_seconds - STARTUP_ALLOWANCE),
        "result": {"namespace": namespace, "configMap": RESULT_CONFIG_MAP, "key": RESULT_KEY},
    }


def _credential_env(config: PlatformConfig, with_password: bool) -> list[dict[str, Any]]:
    """How the check authenticates: as the session does with simple auth, with the stack's token Secret with
    JupyterHub auth (``config.platform`` refuses JupyterHub auth without one)."""
    token = config.smoke_check.jupyterhub_token_secret
    if config.gateway.auth.type == "jupyterhub" and token is not None:
        reference = {"secretKeyRef": {"name": token.secret_name, "key": token.key}}
        return [{"name": "JUPYTERHUB_API_TOKEN", "valueFrom": reference}]
    env: list[dict[str, Any]] = [
        {"name": "DASK_GATEWAY__AUTH__TYPE", "value": "basic"},
        {"name": "DASK_GATEWAY__AUTH__KWARGS__USERNAME", "value": SMOKE_USER},
    ]
    if with_password:
        reference = {"secretKeyRef": {"name": PASSWORD_SECRET, "key": PASSWORD_SECRET_KEY}}
        env.append({"name": CLIENT_PASSWORD_ENV, "valueFrom": reference})
    return env


def smoke_environment(config: PlatformConfig, namespace: str, with_password: bool) -> list[dict[str, Any]]:
    """The check's container ``env``: the session's gateway settings and credentials, the data, the Job's name."""
    env: list[dict[str, Any]] = [
        {"name": name, "value": value} for name, value in session_client_environment(config).items()
    ]
    env += _credential_env(config, with_password)
    env.append({"name": DATA_ENV, "value": json.dumps(smoke_data(config, namespace), sort_keys=True)})
    label = {"fieldRef": {"fieldPath": f"metadata.labels['{JOB_NAME_LABEL}']"}}
    env.append({"name": JOB_NAME_ENV, "valueFrom": label})
    return env


def _labels() -> dict[str, str]:
    return {**PLATFORM_LABEL, "app.kubernetes.io/name": SMOKE_NAME}


def _metadata(name: str, namespace: str) -> dict[str, Any]:
    return {"name": name, "namespace": namespace, "labels": _labels()}


def _job_without_name(config: PlatformConfig, namespace: str, with_password: bool) -> dict[str, Any]:
    timeout = config.smoke_check.timeout_seconds
    container = {
        "name": "check",
        "image": config.session_image,
        "command": list(COMMAND),
        "env": smoke_environment(config, namespace, with_password),
        "resources": resource_requirements(config.session.resources),
        "securityContext": CONTAINER_SECURITY,
        "volumeMounts": [{"name": "module", "mountPath": MODULE_DIR, "readOnly": True}],
    }
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {
            "namespace": namespace,
            "labels": _labels(),
            # pulumi-kubernetes waits for a Job to complete and fails the update when it fails; this bounds
            # the wait just beyond the Job's own deadline.
            "annotations": {"pulumi.com/timeoutSeconds": str(timeout + AWAIT_MARGIN)},
        },
        "spec": {
            # One attempt: a retry would hide a platform that works only sometimes.
            "backoffLimit": 0,
            "activeDeadlineSeconds": timeout,
            "template": {
                "metadata": {"labels": _labels()},
                "spec": {
                    "serviceAccountName": SMOKE_NAME,
                    "restartPolicy": "Never",
                    "securityContext": POD_SECURITY,
                    "containers": [container],
                    "volumes": [{"name": "module", "configMap": {"name": MODULE_CONFIG_MAP}}],
                    **placement_spec(config.session.placement),
                },
            },
        },
    }


def smoke_digest(job: Mapping[str, Any], module: str, *chart_values: Mapping[str, Any]) -> str:
    """Ten hex digits that change whenever the Job, its module or the charts' values change."""
    document = json.dumps({"job": job, "module": module, "charts": list(chart_values)}, sort_keys=True)
    return hashlib.sha256(document.encode()).hexdigest()[:10]


@dataclass(frozen=True)
class SmokeCheckObjects:
    """Everything the check declares, in the session's namespace."""

    namespace: str
    job: dict[str, Any]
    module: dict[str, Any]
    result: dict[str, Any]
    """The ConfigMap the Job writes its result to; Pulumi creates it empty and reads it back after the Job."""
    service_account: dict[str, Any]
    role: dict[str, Any]
    role_binding: dict[str, Any]
    password_secret: str | None
    """The name of the Secret to copy the gateway password into, when the gateway has one."""

    @property
    def job_name(self) -> str:
        name: str = self.job["metadata"]["name"]
        return name


def _access(namespace: str) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """The check's ServiceAccount may read and patch the one result ConfigMap, nothing else. (Kubernetes cannot
    limit ``create`` to a name, so the program creates the ConfigMap and the Job only patches it.)"""
    account = {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": _metadata(SMOKE_NAME, namespace)}
    role = {
        "apiVersion": RBAC_API_VERSION,
        "kind": "Role",
        "metadata": _metadata(SMOKE_NAME, namespace),
        "rules": [
            {
                "apiGroups": [""],
                "resources": ["configmaps"],
                "resourceNames": [RESULT_CONFIG_MAP],
                "verbs": ["get", "patch"],
            }
        ],
    }
    binding = {
        "apiVersion": RBAC_API_VERSION,
        "kind": "RoleBinding",
        "metadata": _metadata(SMOKE_NAME, namespace),
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": SMOKE_NAME},
        "subjects": [{"kind": "ServiceAccount", "name": SMOKE_NAME, "namespace": namespace}],
    }
    return account, role, binding


def smoke_check_objects(
    config: PlatformConfig, with_password: bool, *chart_values: Mapping[str, Any]
) -> SmokeCheckObjects:
    """The check's manifests; ``chart_values`` (the gateway's and the operator's) go into the Job's digest."""
    namespace = config.session_namespace
    module = smoke_module_source()
    job = _job_without_name(config, namespace, with_password)
    job["metadata"] = {"name": f"{SMOKE_NAME}-{smoke_digest(job, module, *chart_values)}", **job["metadata"]}
    account, role, binding = _access(namespace)
    return SmokeCheckObjects(
        namespace=namespace,
        job=job,
        module={
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": _metadata(MODULE_CONFIG_MAP, namespace),
            "data": {MODULE_FILE: module},
        },
        result={"apiVersion": "v1", "kind": "ConfigMap", "metadata": _metadata(RESULT_CONFIG_MAP, namespace)},
        service_account=account,
        role=role,
        role_binding=binding,
        password_secret=PASSWORD_SECRET if with_password else None,
    )


def first_worker_seconds(result_data: Mapping[str, str] | None) -> float | None:
    """The figure from the result ConfigMap's data as the Job wrote it, or None before any run."""
    text = (result_data or {}).get(RESULT_KEY)
    if not text:
        return None
    value = json.loads(text).get("firstWorkerSeconds")
    return float(value) if isinstance(value, int | float) else None
