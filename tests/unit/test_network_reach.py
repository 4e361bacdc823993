"""Who can reach whom under the rendered NetworkPolicies, evaluated as Kubernetes evaluates them.

A pod selected by no policy of a direction is open in that direction; a pod selected by one or more is allowed
exactly the union of their rules. A connection to a pod needs the source's egress and the destination's ingress;
a connection to an address outside the cluster's pods needs the source's egress only. The stack is prod's
namespaces plus a team, with an object store opened on 10.20.0.0/16:443.
"""

from __future__ import annotations

from typing import Any

import kubernetes_validate
import pytest

from config.pods import kubernetes_version
from render.network import network_policies
from tests.helpers import Address, Pod, parse, reaches


def named_cases(table: list[tuple[Any, ...]]) -> list[Any]:
    """``(id, *values)`` rows as pytest parameters named by their first column."""
    return [pytest.param(*row[1:], id=row[0]) for row in table]


OBJECT_STORE = {"name": "object-store", "cidr": "10.20.0.0/16", "ports": [443]}
STACK = {
    "environment": "prod",
    "kubernetes": {"context": "prod"},
    "gatewayPassword": "[secret]",
    "namespaces": {"users": ["dask-users", "dask-batch"]},
    "teams": [{"name": "team-ml"}],
}


def policies_of(**network: Any) -> list[dict[str, Any]]:
    return network_policies(parse({**STACK, "networkPolicies": network}, secret_keys=["gatewayPassword"]))


POLICIES = policies_of()
WITH_OBJECT_STORE = policies_of(egress=[OBJECT_STORE])
WIDE_OPEN_443 = policies_of(egress=[{"name": "anywhere", "cidr": "0.0.0.0/0", "ports": [443]}])

GATEWAY_WORKER = Pod("dask-users", {"gateway.dask.org/cluster": "dask-users.abc", "app.kubernetes.io/component": "w"})
GATEWAY_SCHEDULER = Pod("dask-users", {"gateway.dask.org/cluster": "dask-users.abc"})
OTHER_GATEWAY_SCHEDULER = Pod("dask-users", {"gateway.dask.org/cluster": "dask-users.other"})
TEAM_SCHEDULER = Pod("team-ml", {"gateway.dask.org/cluster": "team-ml.xyz"})
BATCH_SCHEDULER = Pod("dask-users", {"dask.org/cluster-name": "batch", "dask.org/component": "scheduler"})
BATCH_WORKER = Pod("dask-users", {"dask.org/cluster-name": "batch", "dask.org/component": "worker"})
OTHER_NAMESPACE_BATCH = Pod("dask-batch", {"dask.org/cluster-name": "batch", "dask.org/component": "scheduler"})
SESSION = Pod("dask-users", {"app.kubernetes.io/name": "dask-session", "app.kubernetes.io/part-of": "dask-platform"})
UNLABELLED = Pod("dask-users", {})
KUBE_DNS = Pod("kube-system", {"k8s-app": "kube-dns"})
OTHER_KUBE_SYSTEM = Pod("kube-system", {"component": "kube-apiserver"})
GATEWAY_API = Pod("dask-gateway", {"app.kubernetes.io/component": "gateway"})
TRAEFIK = Pod("dask-gateway", {"app.kubernetes.io/component": "traefik"})
CONTROLLER = Pod("dask-gateway", {"app.kubernetes.io/component": "controller"})
JUPYTERHUB = Pod("jupyterhub", {"component": "hub"})
OPERATOR_NAMESPACE_POD = Pod("dask-operator", {})
GATEWAY_LABEL_OUTSIDE_USER_NAMESPACES = Pod("jupyterhub", {"gateway.dask.org/cluster": "jupyterhub.abc"})
METADATA = Address("169.254.169.254")
KUBERNETES_SERVICE = Address("10.96.0.1")
KUBERNETES_ENDPOINT = Address("172.18.0.2")
"""Most network plugins see the API server's endpoint address, after the Service is translated."""
OBJECT_STORE_ADDRESS = Address("10.20.3.4")
INTERNET = Address("93.184.216.34")

GATEWAY_WORKER_REACH = [
    ("metadata:80", METADATA, 80, "TCP", False),
    ("kubernetes-service:443", KUBERNETES_SERVICE, 443, "TCP", False),
    ("kubernetes-endpoint:6443", KUBERNETES_ENDPOINT, 6443, "TCP", False),
    ("internet:443", INTERNET, 443, "TCP", False),
    ("object-store-not-opened:443", OBJECT_STORE_ADDRESS, 443, "TCP", False),
    ("jupyterhub-api:8081", JUPYTERHUB, 8081, "TCP", False),
    ("kube-system-other:443", OTHER_KUBE_SYSTEM, 443, "TCP", False),
    ("gateway-controller:8000", CONTROLLER, 8000, "TCP", False),
    ("other-namespace-gateway-scheduler:8786", TEAM_SCHEDULER, 8786, "TCP", False),
    ("other-namespace-declared-scheduler:8786", OTHER_NAMESPACE_BATCH, 8786, "TCP", False),
    ("same-namespace-declared-scheduler:8786", BATCH_SCHEDULER, 8786, "TCP", False),
    ("session:8888", SESSION, 8888, "TCP", False),
    ("kube-dns:53/udp", KUBE_DNS, 53, "UDP", True),
    ("kube-dns:53/tcp", KUBE_DNS, 53, "TCP", True),
    ("kube-dns:80", KUBE_DNS, 80, "TCP", False),
    ("gateway-api:8000", GATEWAY_API, 8000, "TCP", True),
    ("gateway-api:9000", GATEWAY_API, 9000, "TCP", False),
    ("traefik:8000", TRAEFIK, 8000, "TCP", True),
    ("traefik-tcp-entry-point:8786", TRAEFIK, 8786, "TCP", True),
    ("traefik:9000", TRAEFIK, 9000, "TCP", False),
    ("own-scheduler:8786", GATEWAY_SCHEDULER, 8786, "TCP", True),
    ("own-scheduler-dashboard:8787", GATEWAY_SCHEDULER, 8787, "TCP", True),
]


@pytest.mark.parametrize(("destination", "port", "protocol", "allowed"), named_cases(GATEWAY_WORKER_REACH))
def test_a_gateway_worker_reaches_only_dns_the_gateway_and_its_namespace_gateway_pods(
    destination: Pod | Address, port: int, protocol: str, allowed: bool
) -> None:
    assert reaches(POLICIES, GATEWAY_WORKER, destination, port, protocol) is allowed


OBJECT_STORE_REACH = [
    ("object-store:443", GATEWAY_WORKER, OBJECT_STORE_ADDRESS, 443, True),
    ("object-store:80", GATEWAY_WORKER, OBJECT_STORE_ADDRESS, 80, False),
    ("outside-the-cidr:443", GATEWAY_WORKER, Address("10.21.0.1"), 443, False),
    ("declared-worker-object-store:443", BATCH_WORKER, OBJECT_STORE_ADDRESS, 443, True),
    ("session-object-store:443", SESSION, OBJECT_STORE_ADDRESS, 443, True),
    ("still-no-metadata", GATEWAY_WORKER, METADATA, 80, False),
    ("still-no-kubernetes-api", GATEWAY_WORKER, KUBERNETES_SERVICE, 443, False),
]


@pytest.mark.parametrize(("source", "destination", "port", "allowed"), named_cases(OBJECT_STORE_REACH))
def test_an_opened_object_store_is_reachable_on_its_port_only(
    source: Pod, destination: Address, port: int, allowed: bool
) -> None:
    assert reaches(WITH_OBJECT_STORE, source, destination, port) is allowed


WIDE_REACH = [
    ("internet:443", INTERNET, 443, True),
    ("internet:80", INTERNET, 80, False),
    ("metadata:443", METADATA, 443, False),
    ("metadata:80", METADATA, 80, False),
]


@pytest.mark.parametrize(("destination", "port", "allowed"), named_cases(WIDE_REACH))
def test_opening_every_address_on_a_port_keeps_cloud_metadata_closed(
    destination: Address, port: int, allowed: bool
) -> None:
    assert reaches(WIDE_OPEN_443, GATEWAY_WORKER, destination, port) is allowed


OTHER_SOURCES_REACH = [
    ("declared-worker-own-scheduler", BATCH_WORKER, BATCH_SCHEDULER, 8786, True),
    ("declared-worker-gateway-scheduler", BATCH_WORKER, GATEWAY_SCHEDULER, 8786, False),
    ("declared-worker-gateway-api", BATCH_WORKER, GATEWAY_API, 8000, False),
    ("declared-worker-traefik", BATCH_WORKER, TRAEFIK, 8000, True),
    ("declared-worker-dns", BATCH_WORKER, KUBE_DNS, 53, True),
    ("declared-worker-metadata", BATCH_WORKER, METADATA, 80, False),
    ("declared-worker-other-namespace", BATCH_WORKER, OTHER_NAMESPACE_BATCH, 8786, False),
    ("gateway-scheduler-api-heartbeat", GATEWAY_SCHEDULER, GATEWAY_API, 8000, True),
    ("gateway-scheduler-other-cluster", GATEWAY_SCHEDULER, OTHER_GATEWAY_SCHEDULER, 8786, True),
    ("session-traefik", SESSION, TRAEFIK, 8000, True),
    ("session-traefik-tcp-entry-point", SESSION, TRAEFIK, 8786, True),
    ("declared-worker-traefik-tcp-entry-point", BATCH_WORKER, TRAEFIK, 8786, True),
    ("operator-declared-scheduler", OPERATOR_NAMESPACE_POD, BATCH_SCHEDULER, 8786, True),
    ("gateway-controller-declared-scheduler", CONTROLLER, BATCH_SCHEDULER, 8786, False),
    ("session-dns", SESSION, KUBE_DNS, 53, True),
    ("session-gateway-scheduler-direct", SESSION, GATEWAY_SCHEDULER, 8786, False),
    ("session-kubernetes-api", SESSION, KUBERNETES_SERVICE, 443, False),
    ("session-jupyterhub", SESSION, JUPYTERHUB, 8081, False),
    ("unlabelled-pod-internet", UNLABELLED, INTERNET, 443, False),
    ("unlabelled-pod-metadata", UNLABELLED, METADATA, 80, False),
    ("team-worker-own-namespace", TEAM_SCHEDULER, Pod("team-ml", {"gateway.dask.org/cluster": "t"}), 8786, True),
    ("team-worker-dask-users", TEAM_SCHEDULER, GATEWAY_SCHEDULER, 8786, False),
    ("team-worker-gateway-api", TEAM_SCHEDULER, GATEWAY_API, 8000, True),
    ("traefik-to-gateway-scheduler", TRAEFIK, GATEWAY_SCHEDULER, 8786, True),
    ("api-to-gateway-dashboard", GATEWAY_API, GATEWAY_SCHEDULER, 8787, True),
]


@pytest.mark.parametrize(("source", "destination", "port", "allowed"), named_cases(OTHER_SOURCES_REACH))
def test_declared_clusters_the_session_and_the_gateway_reach_what_they_need_and_no_more(
    source: Pod, destination: Pod | Address, port: int, allowed: bool
) -> None:
    assert reaches(POLICIES, source, destination, port) is allowed


def test_the_egress_policies_are_the_only_change_to_the_ingress_rules() -> None:
    ingress = [policy for policy in POLICIES if policy["spec"]["policyTypes"] == ["Ingress"]]
    egress = [policy for policy in POLICIES if policy["spec"]["policyTypes"] == ["Egress"]]
    assert len(ingress) + len(egress) == len(POLICIES)
    assert sorted({(p["metadata"]["namespace"], p["metadata"]["name"]) for p in egress}) == [
        (namespace, f"dask-platform-egress-{name}")
        for namespace in ("dask-batch", "dask-users", "team-ml")
        for name in ("declared-clusters", "default", "gateway-clusters")
    ]
    assert not any(p["metadata"]["namespace"] in ("dask-gateway", "dask-operator") for p in egress)


INGRESS_ONLY = [policy for policy in POLICIES if "Ingress" in policy["spec"]["policyTypes"]]
"""The ingress rules alone decide, as with egress open on every side: what each NetworkPolicy's peers and ports
let in, with no egress policy hiding a peer that is too wide."""
INGRESS_REACH = [
    # The gateway API: traefik, and gateway cluster pods of a user namespace (both at once: one peer).
    ("traefik-gateway-api", TRAEFIK, GATEWAY_API, 8000, True),
    ("gateway-scheduler-gateway-api", GATEWAY_SCHEDULER, GATEWAY_API, 8000, True),
    ("team-gateway-scheduler-gateway-api", TEAM_SCHEDULER, GATEWAY_API, 8000, True),
    ("unlabelled-user-namespace-pod-gateway-api", UNLABELLED, GATEWAY_API, 8000, False),
    ("declared-worker-gateway-api", BATCH_WORKER, GATEWAY_API, 8000, False),
    (
        "gateway-label-outside-user-namespaces-gateway-api",
        GATEWAY_LABEL_OUTSIDE_USER_NAMESPACES,
        GATEWAY_API,
        8000,
        False,
    ),
    ("jupyterhub-gateway-api", JUPYTERHUB, GATEWAY_API, 8000, False),
    # traefik: anyone, on its HTTP and its TCP (scheduler TLS) entry points only.
    ("jupyterhub-traefik-http", JUPYTERHUB, TRAEFIK, 8000, True),
    ("jupyterhub-traefik-tcp", JUPYTERHUB, TRAEFIK, 8786, True),
    ("jupyterhub-traefik-other-port", JUPYTERHUB, TRAEFIK, 9000, False),
    # Gateway cluster pods: their own kind in the namespace and the gateway's namespace.
    ("gateway-worker-gateway-scheduler", GATEWAY_WORKER, GATEWAY_SCHEDULER, 8786, True),
    ("traefik-gateway-scheduler", TRAEFIK, GATEWAY_SCHEDULER, 8786, True),
    ("declared-worker-gateway-scheduler", BATCH_WORKER, GATEWAY_SCHEDULER, 8786, False),
    ("operator-namespace-gateway-scheduler", OPERATOR_NAMESPACE_POD, GATEWAY_SCHEDULER, 8786, False),
    # Declared cluster pods: their own kind in the namespace and the operator's namespace, not the gateway's.
    ("declared-worker-declared-scheduler", BATCH_WORKER, BATCH_SCHEDULER, 8786, True),
    ("operator-namespace-declared-scheduler", OPERATOR_NAMESPACE_POD, BATCH_SCHEDULER, 8786, True),
    ("gateway-namespace-declared-scheduler", CONTROLLER, BATCH_SCHEDULER, 8786, False),
    ("gateway-scheduler-declared-scheduler", GATEWAY_SCHEDULER, BATCH_SCHEDULER, 8786, False),
]


@pytest.mark.parametrize(("source", "destination", "port", "allowed"), named_cases(INGRESS_REACH))
def test_each_ingress_policy_lets_in_exactly_its_peers_on_its_ports(
    source: Pod, destination: Pod, port: int, allowed: bool
) -> None:
    assert reaches(INGRESS_ONLY, source, destination, port) is allowed


def test_egress_policies_validate_against_the_kubernetes_schema() -> None:
    for policy in WITH_OBJECT_STORE + WIDE_OPEN_443:
        kubernetes_validate.validate(policy, kubernetes_version(), strict=True)


def test_disabled_network_policies_declare_no_egress_either() -> None:
    assert policies_of(enabled=False, egress=[OBJECT_STORE]) == []


NAMESPACED_OPERATOR_POLICIES = network_policies(
    parse(
        {
            "environment": "dev",
            "operator": {"scope": "namespace"},
            "namespaces": {"users": ["dask-users"]},
        }
    )
)
OPERATOR = Pod("dask-users", {"app.kubernetes.io/name": "dask-kubernetes-operator"})
FORGED_OPERATOR_WORKER = Pod(
    "dask-users", {"app.kubernetes.io/name": "dask-kubernetes-operator", "dask.org/cluster-name": "mine"}
)
NAMESPACED_OPERATOR_REACH = [
    ("operator-api-server", OPERATOR, KUBERNETES_ENDPOINT, 6443, True),
    ("operator-declared-scheduler", OPERATOR, BATCH_SCHEDULER, 8786, True),
    ("forged-operator-label-api-server", FORGED_OPERATOR_WORKER, KUBERNETES_ENDPOINT, 6443, False),
    ("forged-operator-label-internet", FORGED_OPERATOR_WORKER, INTERNET, 443, False),
    ("session-next-to-operator-api-server", SESSION, KUBERNETES_ENDPOINT, 6443, False),
    ("gateway-worker-next-to-operator-metadata", GATEWAY_WORKER, METADATA, 80, False),
]


@pytest.mark.parametrize(("source", "destination", "port", "allowed"), named_cases(NAMESPACED_OPERATOR_REACH))
def test_an_operator_in_a_user_namespace_keeps_the_api_server_and_lends_its_label_to_no_cluster(
    source: Pod, destination: Pod | Address, port: int, allowed: bool
) -> None:
    assert reaches(NAMESPACED_OPERATOR_POLICIES, source, destination, port) is allowed
