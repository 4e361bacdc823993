"""What the pinned charts are known to do that the pod security and RBAC rules would refuse.

Each entry is reviewed: why the chart's own templates do it, and how a stack can narrow it. A finding listed here
is reported, with its reason, by the advisory ``chart-upstream-findings`` rule (``policy/chart_findings.py``);
the same finding in a chart object not on this list, or in anything we declare, is refused by the rule of its kind.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from policy.model import GATEWAY_COMPONENT, OPERATOR_COMPONENT, Finding, Resource


@dataclass(frozen=True)
class UpstreamFinding:
    """A finding a pinned chart's own templates produce, why it is there, and how a stack can narrow it."""

    component: str
    """The component that declares the chart (its objects' URNs hold it before the Chart type)."""
    kinds: tuple[str, ...]
    name: str
    """A regular expression the object's ``metadata.name`` fully matches."""
    code: str
    subjects: frozenset[str]
    reason: str

    def covers(self, resource: Resource, finding: Finding) -> bool:
        return (
            resource.chart_component == self.component
            and resource.kind in self.kinds
            and re.fullmatch(self.name, resource.object_name) is not None
            and finding.code == self.code
            and finding.subject in self.subjects
        )


_OPERATOR_RESOURCES = frozenset(
    {"pods", "pods/status", "services", "services/status", "deployments", "deployments/status", "events"}
)
UPSTREAM_FINDINGS: tuple[UpstreamFinding, ...] = (
    UpstreamFinding(
        OPERATOR_COMPONENT,
        ("ClusterRole", "Role"),
        r".+-role(-cluster)?",
        "wildcard",
        _OPERATOR_RESOURCES,
        "known upstream grant: the operator creates, patches and deletes the scheduler and worker pods, their "
        "Services and Deployments for every DaskCluster it watches, and the chart grants it every verb on them; "
        "with operator.scope: cluster that is in every namespace, operator.scope: namespace narrows it to a Role in "
        "the one user namespace",
    ),
    UpstreamFinding(
        GATEWAY_COMPONENT,
        ("ClusterRole",),
        r"(api|controller)-.+",
        "wildcard",
        frozenset({"daskclusters", "daskclusters/status"}),
        "known upstream grant: the gateway api and controller own the gateway.dask.org DaskCluster objects they "
        "create for users' clusters; the chart grants every verb on that one custom resource, cluster-wide",
    ),
    UpstreamFinding(
        GATEWAY_COMPONENT,
        ("ClusterRole",),
        r"api-.+",
        "cluster-grant",
        frozenset({"secrets"}),
        "known upstream grant: the gateway api reads each cluster's TLS credentials Secret, in whichever namespace "
        "the cluster runs, and the chart grants `get` on Secrets cluster-wide; the chart has no namespaced RBAC option",
    ),
    UpstreamFinding(
        GATEWAY_COMPONENT,
        ("ClusterRole",),
        r"traefik-.+",
        "cluster-grant",
        frozenset({"secrets"}),
        "known upstream grant: traefik's Kubernetes CRD provider watches Secrets (TLS stores and options) across "
        "namespaces, because the chart lets it route to clusters in any namespace; the chart has no namespaced option",
    ),
)


def upstream_reason(resource: Resource, finding: Finding) -> str | None:
    """Why a chart object has ``finding``, when it is a known upstream finding."""
    if not resource.rendered_by_chart:
        return None
    return next((known.reason for known in UPSTREAM_FINDINGS if known.covers(resource, finding)), None)


def unknown_messages(resource: Resource, findings: Iterable[Finding]) -> Iterator[str]:
    """The messages of findings that are not known upstream findings of the resource's chart."""
    for finding in findings:
        if upstream_reason(resource, finding) is None:
            yield finding.message
