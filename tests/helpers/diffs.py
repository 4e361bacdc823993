"""What `pulumi up` would do between two plans."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tests.helpers.stacks import Resources

PropertyPath = tuple[str | int, ...]


def property_path(text: str) -> PropertyPath:
    """``spec.worker.spec`` or ``spec.containers[0].image`` as Pulumi parses a property path (``*`` matches any
    one key or index)."""
    parts: list[str | int] = []
    for part in text.split("."):
        name, *indexes = part.replace("]", "").split("[")
        parts.append(name)
        parts += [int(index) if index != "*" else "*" for index in indexes]
    return tuple(parts)


def changed_paths(old: Any, new: Any, at: PropertyPath = ()) -> list[PropertyPath]:
    """The innermost paths where two input values differ, as a provider's detailed diff reports them: a key
    added, removed or changed in a mapping, an element in a list."""
    if isinstance(old, dict) and isinstance(new, dict):
        keys = [*old, *(key for key in new if key not in old)]
        return [path for key in keys for path in changed_paths(old.get(key), new.get(key), (*at, key))]
    if isinstance(old, list) and isinstance(new, list):
        shared = [
            path
            for index, (a, b) in enumerate(zip(old, new, strict=False))
            for path in changed_paths(a, b, (*at, index))
        ]
        return shared + [(*at, index) for index in range(min(len(old), len(new)), max(len(old), len(new)))]
    return [] if old == new else [at]


def covers(pattern: PropertyPath, path: PropertyPath) -> bool:
    """Whether a ``replaceOnChanges`` path covers a changed path: it is the path itself or one of its parents."""
    return len(pattern) <= len(path) and all(p in ("*", q) for p, q in zip(pattern, path, strict=False))


def change_of(old: Mapping[str, Any] | None, new: Mapping[str, Any] | None) -> str | None:
    """``create``, ``delete``, ``replace``, ``update`` or ``None`` (no change) for one resource, decided from its
    inputs and its ``replaceOnChanges`` as Pulumi's engine decides it. Replacements a provider forces on its own
    (an immutable field) are not modelled: the resources whose replacement matters here declare them."""
    if old is None:
        return "create"
    if new is None:
        return "delete"
    paths = changed_paths(old["inputs"], new["inputs"])
    if not paths:
        return None
    patterns = [property_path(text) for text in new.get("replaceOnChanges", ())]
    return "replace" if any(covers(pattern, path) for pattern in patterns for path in paths) else "update"


def resource_key(resource: Mapping[str, Any]) -> str:
    """``<kind> <name>``, e.g. ``DaskCluster dask-clusters-dask-batch-batch-daskcluster``: unique in a plan."""
    return f"{resource['type'].rsplit(':', 1)[-1]} {resource['name']}"


def plan_changes(before: Resources, after: Resources) -> dict[str, str]:
    """What ``pulumi up`` does going from plan ``before`` to plan ``after``, per changed resource (``resource_key``)."""
    old = {r["urn"]: r for r in before}
    new = {r["urn"]: r for r in after}
    changes = {}
    for urn in [*old, *(urn for urn in new if urn not in old)]:
        change = change_of(old.get(urn), new.get(urn))
        if change is not None:
            changes[resource_key(new.get(urn) or old[urn])] = change
    return changes
