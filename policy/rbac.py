"""RBAC: the roles we declare list what they need, and no binding, ours or a chart's, hands out the cluster.

Like the pod security checks, the binding and grant checks yield findings (``policy.model.Finding``) so that the
ones the pinned charts are known to have (``policy/upstream.py``) can be told from any other.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from policy.inputs import get, items
from policy.model import (
    CLUSTER_ROLE,
    CLUSTER_ROLE_BINDING,
    ROLE_BINDING,
    ROLE_TYPES,
    Finding,
    PolicyContext,
    Resource,
    Rule,
)
from policy.upstream import unknown_messages, upstream_reason

Findings = Iterator[Finding]

BROAD_GROUPS = ("system:authenticated", "system:unauthenticated", "system:serviceaccounts")
"""Groups that hold every authenticated user, every anonymous request, or every ServiceAccount of the cluster."""
BROAD_GROUP_PREFIXES = ("system:serviceaccounts:",)
"""Every ServiceAccount of one namespace, including the ones other workloads there run as."""
BROAD_USERS = ("system:anonymous",)
BINDING_TYPES = (ROLE_BINDING, CLUSTER_ROLE_BINDING)

_READ_VERBS = {"get", "list", "watch", "*"}
# `create` opens an exec session; API servers before Kubernetes 1.31 also authorized the WebSocket upgrade with `get`.
_EXEC_VERBS = {"create", "get", "*"}
BUILT_IN_ROLE_GRANTS: dict[str, tuple[str, ...]] = {
    "cluster-admin": ("secrets", "pods/exec"),
    "admin": ("secrets", "pods/exec"),
    "edit": ("secrets", "pods/exec"),
}
"""Kubernetes' default ClusterRoles that read Secrets and exec into pods, for bindings to roles the stack lacks."""


def check_rbac_wildcards(resource: Resource, context: PolicyContext) -> Iterator[str]:
    if resource.type not in ROLE_TYPES or resource.rendered_by_chart:
        return
    rules = resource.inputs.get("rules")
    for index, rule in enumerate(items(rules)):
        for field in ("verbs", "resources", "apiGroups"):
            values = rule.get(field) if isinstance(rule, Mapping) else None
            wildcards = [v for v in items(values) if "*" in str(v)]
            if wildcards:
                yield (
                    f"rules[{index}].{field} contains {', '.join(map(repr, wildcards))}: "
                    f"list exactly the {field} the role needs"
                )


def check_cluster_role_binding(resource: Resource, context: PolicyContext) -> Iterator[str]:
    if resource.type != CLUSTER_ROLE_BINDING or resource.rendered_by_chart or context.cluster_wide_access:
        return
    role = get(resource.inputs, "roleRef.name")
    yield (
        f"ClusterRoleBinding grants {role!r} in every namespace, but the stack asks for namespace-scoped access: "
        "bind with one RoleBinding per namespace, or set operator.userAccess: cluster in the stack file "
        "if cluster-wide access is intended"
    )


def _is_broad_subject(kind: Any, name: str) -> bool:
    if kind == "Group":
        return name in BROAD_GROUPS or name.startswith(BROAD_GROUP_PREFIXES)
    return kind == "User" and name in BROAD_USERS


def broad_binding_findings(resource: Resource) -> Findings:
    if resource.type not in BINDING_TYPES:
        return
    role_kind, role = get(resource.inputs, "roleRef.kind"), get(resource.inputs, "roleRef.name")
    if role_kind == "ClusterRole" and role == "cluster-admin":
        yield Finding(
            "broad-binding",
            "cluster-admin",
            f"{resource.kind} binds cluster-admin, which may do anything (in a RoleBinding: anything in the namespace, "
            "including its Secrets and RBAC): bind a role with exactly the permissions needed",
        )
    for subject in items(resource.inputs.get("subjects")):
        if not isinstance(subject, Mapping):
            continue
        kind, name = subject.get("kind"), str(subject.get("name") or "")
        if _is_broad_subject(kind, name):
            yield Finding(
                "broad-binding",
                name,
                f"{resource.kind} grants {role!r} to the {kind} {name!r}, which holds far more than this platform's "
                "workloads: bind the ServiceAccounts that need it (kind ServiceAccount, name and namespace)",
            )


def _grants(rule: Mapping[str, Any], resource: str, verbs: set[str]) -> bool:
    """Whether one RBAC rule grants any of ``verbs`` on a core-group ``resource`` (``secrets``, ``pods/exec``)."""
    groups = {str(g) for g in items(rule.get("apiGroups"))}
    resources = {str(r) for r in items(rule.get("resources"))}
    granted = {str(v) for v in items(rule.get("verbs"))}
    parent = resource.split("/", 1)[0]
    matches_resource = bool(resources & {resource, "*", f"{parent}/*"})
    # Named Secrets only: `get` on resourceNames reaches just those (list and watch would still list them all).
    if rule.get("resourceNames") and granted <= {"get"}:
        return False
    return bool(groups & {"", "*"}) and matches_resource and bool(granted & verbs)


def role_grants(rules: Any) -> list[str]:
    """``secrets`` and/or ``pods/exec`` when the role's rules read Secrets or exec into pods."""
    rules = [rule for rule in items(rules) if isinstance(rule, Mapping)]
    found = []
    if any(_grants(rule, "secrets", _READ_VERBS) for rule in rules):
        found.append("secrets")
    if any(_grants(rule, "pods/exec", _EXEC_VERBS) for rule in rules):
        found.append("pods/exec")
    return found


def _grant_text(grant: str) -> str:
    return "reads every Secret" if grant == "secrets" else "may exec into every pod"


def cluster_grant_findings(role: Resource, bindings: Sequence[str]) -> Findings:
    """A ClusterRole bound cluster-wide (by the ClusterRoleBindings named in ``bindings``) that reads Secrets or
    execs into pods: in every namespace, today's and tomorrow's. Bound only by RoleBindings it stays per namespace."""
    for grant in role_grants(role.inputs.get("rules")):
        yield Finding(
            "cluster-grant",
            grant,
            f"ClusterRole {role.object_name!r}, bound cluster-wide by {', '.join(map(repr, bindings))}, "
            f"{_grant_text(grant)} in the cluster: grant it per namespace (a Role, or RoleBindings to the "
            "ClusterRole) or drop the verbs",
        )


def _built_in_grant_findings(name: str, binding: Resource) -> Iterator[tuple[Resource, Finding]]:
    for grant in BUILT_IN_ROLE_GRANTS[name]:
        message = (
            f"ClusterRoleBinding binds the built-in ClusterRole {name!r}, which {_grant_text(grant)} in the cluster: "
            "bind it per namespace with a RoleBinding, or bind a narrower role"
        )
        yield binding, Finding("cluster-grant", grant, message)


def stack_cluster_grant_findings(resources: Sequence[Resource]) -> Iterator[tuple[Resource, Finding]]:
    """Cluster-wide grants across the stack: each ClusterRole with the ClusterRoleBindings that bind it, and
    bindings to the built-in roles the stack does not declare."""
    roles = {r.object_name: r for r in resources if r.type == CLUSTER_ROLE}
    bound: dict[str, list[Resource]] = {}
    for binding in resources:
        if binding.type == CLUSTER_ROLE_BINDING and get(binding.inputs, "roleRef.kind") == "ClusterRole":
            bound.setdefault(str(get(binding.inputs, "roleRef.name")), []).append(binding)
    for name, bindings in bound.items():
        names = [binding.object_name for binding in bindings]
        if name in roles:
            for finding in cluster_grant_findings(roles[name], names):
                yield roles[name], finding
        elif name in BUILT_IN_ROLE_GRANTS:
            for binding in bindings:
                yield from _built_in_grant_findings(name, binding)


def wildcard_findings(resource: Resource) -> Findings:
    """``*`` verbs in a chart's roles, one finding per resource they cover (our own roles: rbac-no-wildcards)."""
    if resource.type not in ROLE_TYPES:
        return
    for rule in items(resource.inputs.get("rules")):
        if not isinstance(rule, Mapping) or "*" not in [str(v) for v in items(rule.get("verbs"))]:
            continue
        for granted in items(rule.get("resources")):
            yield Finding(
                "wildcard",
                str(granted),
                f"{resource.kind} {resource.object_name!r} grants every verb ('*') on {granted!r}",
            )


def chart_findings(resource: Resource) -> Findings:
    """The per-resource RBAC findings of one resource, for the report of the charts' findings."""
    yield from broad_binding_findings(resource)
    yield from wildcard_findings(resource)


def check_broad_bindings(resource: Resource, context: PolicyContext) -> Iterator[str]:
    yield from unknown_messages(resource, broad_binding_findings(resource))


def check_cluster_grants(resources: Sequence[Resource], context: PolicyContext) -> Iterator[tuple[Resource, str]]:
    for resource, finding in stack_cluster_grant_findings(resources):
        if upstream_reason(resource, finding) is None:
            yield resource, finding.message


RULES: tuple[Rule, ...] = (
    Rule(
        "rbac-no-wildcards",
        "RBAC rules we declare have no '*' in verbs, resources or API groups.",
        "mandatory",
        check_rbac_wildcards,
    ),
    Rule(
        "cluster-role-binding-only-when-asked",
        "A ClusterRoleBinding only where the stack asks for cluster-wide access.",
        "mandatory",
        check_cluster_role_binding,
    ),
    Rule(
        "rbac-no-broad-bindings",
        "No RoleBinding or ClusterRoleBinding to cluster-admin, or to everyone: system:authenticated, "
        "system:unauthenticated, system:serviceaccounts(:<namespace>), system:anonymous.",
        "advisory",
        check_broad_bindings,
    ),
    Rule(
        "rbac-no-cluster-wide-secrets-or-exec",
        "No ClusterRole bound by a ClusterRoleBinding reads Secrets (get, list, watch, *) or execs into pods "
        "(pods/exec create, get, *); neither does a ClusterRoleBinding to the built-in admin, edit or cluster-admin.",
        "advisory",
        stack_check=check_cluster_grants,
    ),
)
