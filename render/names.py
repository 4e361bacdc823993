"""Names and labels that more than one part of the platform must agree on."""

from __future__ import annotations

PLATFORM_LABEL = {"app.kubernetes.io/part-of": "dask-platform"}

DECLARED_LABEL = {"dask-platform/declared": "true"}
"""On every custom resource of a declared cluster: the admission policy refuses users' changes to what it marks."""

GATEWAY_RELEASE = "dask-gateway"
OPERATOR_RELEASE = "dask-kubernetes-operator"

USER_SERVICE_ACCOUNT = "dask-user"
"""The ServiceAccount in every user and team namespace that may create Dask clusters."""
USER_CLUSTER_ROLE = "dask-platform-user"

PASSWORD_SECRET_NAME = "dask-gateway-password"
"""The Kubernetes Secret that carries the gateway's simple-auth password, in every namespace that needs it."""
PASSWORD_SECRET_KEY = "password"
PASSWORD_ENV = "DASK_GATEWAY_PASSWORD"
"""The environment variable through which the simple-auth password reaches the gateway."""
LOCAL_PASSWORD_FILE = "/etc/dask-gateway/password"
"""Where a local image's gateway reads its password: the local stack writes it there, readable by the image's
user only, so the password is in no process's environment."""

JUPYTERHUB_TOKEN_SECRET = "dask-gateway-jupyterhub"
"""The Secret the program creates in the gateway namespace from the secret `dask-platform:jupyterhubApiToken`."""
JUPYTERHUB_TOKEN_KEY = "api-token"

PROMETHEUS_CLIENT_VERSION = "0.26.0"
"""prometheus-client in every Dask image, and in requirements-dev.txt so the dashboards' queries are tested on it."""

SESSION_NAME = "dask-session"
TEAM_QUOTA_NAME = "dask-platform-team-quota"
USER_QUOTA_NAME = "dask-platform-user-quota"
TEAM_LIMIT_RANGE_NAME = "dask-platform-container-defaults"


def gateway_controller_service_account() -> str:
    """The ServiceAccount the gateway chart's controller runs as: it creates gateway clusters' pods and Secrets."""
    return f"controller-{GATEWAY_RELEASE}"


def operator_service_account() -> str:
    """The ServiceAccount the operator chart's pod runs as: the chart names it after the release."""
    return OPERATOR_RELEASE


def traefik_service_name() -> str:
    return f"traefik-{GATEWAY_RELEASE}"


def gateway_address(gateway_namespace: str, port: int) -> str:
    """The gateway's in-cluster address: traefik fronts both the API and the scheduler proxy."""
    return f"http://{traefik_service_name()}.{gateway_namespace}.svc.cluster.local:{port}"


def pod_security_labels(level: str) -> dict[str, str]:
    """Enforce the stack's Pod Security Standard level; warn and audit against the strictest one."""
    return {
        "pod-security.kubernetes.io/enforce": level,
        "pod-security.kubernetes.io/warn": "restricted",
        "pod-security.kubernetes.io/audit": "restricted",
    }
