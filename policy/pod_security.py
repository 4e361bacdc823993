"""Pod security: namespaces carry a Pod Security Standard, and no pod, ours or a chart's, gets more of the node
than it needs.

The container and pod checks yield findings (``policy.model.Finding``) rather than messages, so that the ones the
pinned charts are known to have (``policy/upstream.py``) go to the advisory ``chart-upstream-findings`` rule and
every other one to the rule of its code, mandatory in prod.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from policy.inputs import describe_container, get, items, pod_containers, pod_specs
from policy.model import NAMESPACE, Finding, PolicyContext, Resource, Rule
from policy.supply_chain import built_images
from policy.upstream import unknown_messages

POD_SECURITY_ENFORCE = "pod-security.kubernetes.io/enforce"
POD_SECURITY_LEVELS = ("privileged", "baseline", "restricted")

Findings = Iterator[Finding]

_SAFE_SECCOMP = ("RuntimeDefault", "Localhost")
_HOST_NAMESPACES = ("hostNetwork", "hostPID", "hostIPC")


def check_namespace_labels(resource: Resource, context: PolicyContext) -> Iterator[str]:
    if resource.type != NAMESPACE:
        return
    labels = get(resource.inputs, "metadata.labels")
    level = labels.get(POD_SECURITY_ENFORCE) if isinstance(labels, Mapping) else None
    if level not in POD_SECURITY_LEVELS:
        yield (
            f"the namespace has {POD_SECURITY_ENFORCE}={level!r}: label it with a Pod Security Standard level "
            f"({', '.join(POD_SECURITY_LEVELS)}); namespaces.podSecurity sets it for every namespace the stack declares"
        )
    elif level == "privileged" and context.is_prod:
        yield (
            "the namespace enforces the 'privileged' Pod Security Standard in prod: "
            "set namespaces.podSecurity to baseline or restricted"
        )


def _security(value: Mapping[str, Any]) -> Mapping[str, Any]:
    context = value.get("securityContext")
    return context if isinstance(context, Mapping) else {}


def _effective(pod: Mapping[str, Any], container: Mapping[str, Any], field: str) -> Any:
    """A container's security setting as the kubelet applies it: the container's own, else the pod's."""
    own = _security(container).get(field)
    return own if own is not None else _security(pod).get(field)


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _container_finding(code: str, path: str, container: Mapping[str, Any], problem: str) -> Finding:
    return Finding(code, str(container.get("name")), f"{describe_container(path, container)} {problem}")


def privileged_findings(resource: Resource) -> Findings:
    for path, pod in pod_specs(resource.inputs):
        for container in pod_containers(pod):
            if _security(container).get("privileged") is True:
                yield _container_finding(
                    "privileged",
                    path,
                    container,
                    "is privileged: it has every capability of the node's root and every "
                    "device; drop securityContext.privileged (add only the capability it needs, if any)",
                )


def host_path_findings(resource: Resource) -> Findings:
    for path, pod in pod_specs(resource.inputs):
        for volume in items(pod.get("volumes")):
            if isinstance(volume, Mapping) and volume.get("hostPath") is not None:
                host = get(volume, "hostPath.path")
                yield Finding(
                    "host-path",
                    str(volume.get("name")),
                    f"volume {volume.get('name')!r} ({path or 'spec'}.volumes) mounts the node's {host!r}: a pod with "
                    "the node's files can escape to it; use an emptyDir, a ConfigMap, a Secret or a "
                    "PersistentVolumeClaim",
                )


def host_namespace_findings(resource: Resource) -> Findings:
    for path, pod in pod_specs(resource.inputs):
        shared = [field for field in _HOST_NAMESPACES if pod.get(field) is True]
        if shared:
            yield Finding(
                "host-namespaces",
                ",".join(shared),
                f"the pod ({path or 'spec'}) sets {', '.join(shared)}: it shares the node's network, processes or IPC "
                "and sees everything else on the node; remove them",
            )


def _root_problem(pod: Mapping[str, Any], container: Mapping[str, Any], built: frozenset[str]) -> str | None:
    user = _number(_effective(pod, container, "runAsUser"))
    non_root = _effective(pod, container, "runAsNonRoot") is True
    image = str(container.get("image") or "").partition("@")[0]
    if user == 0:
        problem = "runs as root (runAsUser 0)"
        if non_root:
            problem += " and sets runAsNonRoot, so the kubelet will refuse to start it"
        return problem
    if non_root or user is not None or image in built:
        return None
    return (
        "may run as root: neither it nor its pod sets runAsNonRoot: true or a non-zero runAsUser, "
        "so the image's user decides"
    )


def root_findings(resource: Resource, built_images: frozenset[str] = frozenset()) -> Findings:
    """Containers that run as root or may: an effective ``runAsUser: 0``; or neither an effective
    ``runAsNonRoot: true`` (the kubelet then refuses to start a root process) nor an effective non-zero
    ``runAsUser`` (container over pod), unless the image is one the stack builds (``built_images``), whose
    Dockerfiles end in the numeric non-root ``USER 1000:1000`` (hadolint's DL3002 guards it)."""
    for path, pod in pod_specs(resource.inputs):
        for container in pod_containers(pod):
            problem = _root_problem(pod, container, built_images)
            if problem is not None:
                yield _container_finding(
                    "root",
                    path,
                    container,
                    f"{problem}; set securityContext.runAsNonRoot: true "
                    "(and runAsUser to the image's non-root uid, e.g. 1000) on the pod or the container",
                )


def seccomp_findings(resource: Resource) -> Findings:
    for path, pod in pod_specs(resource.inputs):
        for container in pod_containers(pod):
            profile = _effective(pod, container, "seccompProfile")
            kind = profile.get("type") if isinstance(profile, Mapping) else None
            if kind not in _SAFE_SECCOMP:
                state = "sets no seccomp profile" if kind is None else f"has seccomp profile {kind!r}"
                yield _container_finding(
                    "seccomp",
                    path,
                    container,
                    f"{state}, so it may run unconfined: set "
                    "securityContext.seccompProfile.type: RuntimeDefault on the pod (or Localhost with a profile)",
                )


def check_privileged(resource: Resource, context: PolicyContext) -> Iterator[str]:
    yield from unknown_messages(resource, privileged_findings(resource))


def check_host_path(resource: Resource, context: PolicyContext) -> Iterator[str]:
    yield from unknown_messages(resource, host_path_findings(resource))


def check_host_namespaces(resource: Resource, context: PolicyContext) -> Iterator[str]:
    yield from unknown_messages(resource, host_namespace_findings(resource))


def check_non_root(resources: Sequence[Resource], context: PolicyContext) -> Iterator[tuple[Resource, str]]:
    built = built_images(resources)
    for resource in resources:
        for message in unknown_messages(resource, root_findings(resource, built)):
            yield resource, message


def check_seccomp(resource: Resource, context: PolicyContext) -> Iterator[str]:
    yield from unknown_messages(resource, seccomp_findings(resource))


def chart_findings(resource: Resource, built: frozenset[str]) -> Findings:
    """Every pod security finding of one resource, for the report of the charts' findings."""
    yield from privileged_findings(resource)
    yield from host_path_findings(resource)
    yield from host_namespace_findings(resource)
    yield from root_findings(resource, built)
    yield from seccomp_findings(resource)


RULES: tuple[Rule, ...] = (
    Rule(
        "namespace-pod-security",
        "Namespaces carry Pod Security Standard labels.",
        "mandatory",
        check_namespace_labels,
    ),
    Rule(
        "pods-not-privileged",
        "No privileged container, ours or a chart's.",
        "advisory",
        check_privileged,
    ),
    Rule(
        "pods-no-host-path",
        "No hostPath volume, ours or a chart's.",
        "advisory",
        check_host_path,
    ),
    Rule(
        "pods-no-host-namespaces",
        "No pod shares the node's network, PID or IPC namespace (hostNetwork, hostPID, hostIPC).",
        "advisory",
        check_host_namespaces,
    ),
    Rule(
        "pods-not-root",
        "No container runs as root: runAsUser 0 is refused, and every container has an effective "
        "runAsNonRoot: true or non-zero runAsUser, or runs an image the stack builds (non-root USER 1000).",
        "advisory",
        stack_check=check_non_root,
    ),
    Rule(
        "pods-seccomp",
        "Every container runs with a RuntimeDefault or Localhost seccomp profile (its own or its pod's).",
        "advisory",
        check_seccomp,
    ),
)
