"""Network: every namespace that runs workloads, ours or a chart's, is behind a NetworkPolicy of the stack."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from policy.model import NETWORK_POLICY, PolicyContext, Resource, Rule

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
RULES: tuple[Rule, ...] = (NETWORK_POLICY_RULE,)
