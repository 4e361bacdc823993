"""The route that sends every cluster dashboard request through the gateway's API, as a plain manifest.

The gateway's controller gives each cluster an IngressRoute from traefik straight to its scheduler's dashboard,
without authentication. This IngressRoute matches every ``/clusters/`` path, outranks the controller's routes by
its priority, and sends the requests to the API server instead, where ``shipped/dashboards.py`` authenticates
them and forwards only those of the cluster's owner (or an admin) to the dashboard.
"""

from __future__ import annotations

from typing import Any

from render.names import GATEWAY_RELEASE, PLATFORM_LABEL

TRAEFIK_API_VERSION = "traefik.io/v1alpha1"
DASHBOARDS_ROUTE_NAME = "dask-platform-dashboards"
DASHBOARDS_PATH_PREFIX = "/clusters/"
"""What the controller's routes match (``/clusters/<namespace>.<name>/``), with no gateway prefix set."""
DASHBOARDS_ROUTE_PRIORITY = 100_000
"""Traefik's default priority is the length of a route's rule; a controller route's rule is under 200 characters,
and traefik keeps priorities near the largest integer for its own routers."""
GATEWAY_API_SERVICE_PORT = 8000
INSTANCE_LABEL = "gateway.dask.org/instance"
"""Traefik only reads routes with this label set to the release (``--providers.kubernetescrd.labelselector``)."""


def gateway_api_service() -> str:
    """The chart's Service in front of the API server (``dask-gateway.apiName``)."""
    return f"api-{GATEWAY_RELEASE}"


def dashboards_ingress_route(namespace: str) -> dict[str, Any]:
    return {
        "apiVersion": TRAEFIK_API_VERSION,
        "kind": "IngressRoute",
        "metadata": {
            "name": DASHBOARDS_ROUTE_NAME,
            "namespace": namespace,
            "labels": {**PLATFORM_LABEL, INSTANCE_LABEL: GATEWAY_RELEASE},
        },
        "spec": {
            "entryPoints": ["web"],
            "routes": [
                {
                    "kind": "Rule",
                    "match": f"PathPrefix(`{DASHBOARDS_PATH_PREFIX}`)",
                    "priority": DASHBOARDS_ROUTE_PRIORITY,
                    "services": [{"name": gateway_api_service(), "port": GATEWAY_API_SERVICE_PORT}],
                }
            ],
        },
    }
