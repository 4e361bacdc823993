"""The data dask-gateway's configuration reads: cluster options, limits and auth of one stack, as JSON.

The code that reads it is ``shipped/gateway_config.py``, a fixed module shipped verbatim (Helm ``extraConfig``,
the ``local`` image), so the handler users run is the handler the tests import. The four options users' notebooks
rely on keep their names and types: ``image`` (String), ``worker_cores`` (Float), ``worker_cores_limit`` (Float)
and ``worker_memory`` (String such as ``"2 G"``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, cast

from config.gateway import (
    DEFAULT_MAX_LENGTH,
    FREE_TEXT_HELP,
    FREE_TEXT_PATTERN,
    CoresOption,
    ExtraOption,
    GatewayConfig,
    GpuOption,
    MemoryOption,
    OptionTarget,
)
from config.pods import Placement, PodSettings
from config.quantities import gateway_memory_bytes
from config.teams import TeamConfig
from render.dask import SCHEDULER_COMMAND, WORKER_COMMAND
from render.pods import (
    CONTAINER_SECURITY,
    POD_SECURITY,
    container_settings,
    extra_resource_requirements,
    placement_spec,
)
from shipped import dashboards, gateway_config
from shipped.gateway_config import DATA_ENV
from shipped.gateway_contract import (
    Backend,
    CoresData,
    CostLabelsData,
    ExtraOptionData,
    GatewayData,
    GpuData,
    MemoryData,
    PodData,
    TargetData,
    TeamLimitsData,
)

IMAGE_MAX_LENGTH = 512
"""The longest image reference the image option takes: a registry name, a path, a tag and a digest."""
MEMORY_MAX_LENGTH = 32
"""The longest memory size the worker-memory option takes, such as ``"512.5 GiB"`` with room to spare."""

GATEWAY_CONFIG_KEY = "dask-platform"
"""The ``gateway.extraConfig`` entry that holds ``shipped/gateway_config.py``."""
DASHBOARDS_CONFIG_KEY = "dask-platform-dashboards"
"""The entry that holds ``shipped/dashboards.py``; it sorts after ``GATEWAY_CONFIG_KEY``, as it must run after."""

LOCAL_PROXY_ADDRESS = "0.0.0.0:8000"
"""The ``local`` image's scheduler proxy; the API listens on dask-gateway-server's default port 8000 too."""


def gateway_config_sources() -> dict[str, str]:
    """The gateway's configuration modules by ``gateway.extraConfig`` key, exactly as they ship. The chart inlines
    them in key order: the dashboards module wraps the backend class the first one has chosen."""
    return {
        GATEWAY_CONFIG_KEY: Path(gateway_config.__file__).read_text(),
        DASHBOARDS_CONFIG_KEY: Path(dashboards.__file__).read_text(),
    }


def gateway_config_source() -> str:
    """The gateway's whole configuration, as the ``local`` image's config file and the test harness run it."""
    sources = gateway_config_sources()
    return "\n".join(sources[key] for key in sorted(sources))


def _cores_bounds(cores: CoresOption) -> CoresData:
    return {"default": cores.default, "min": cores.min, "max": cores.max}


def _memory_bounds(memory: MemoryOption) -> MemoryData:
    return {
        "maxLength": MEMORY_MAX_LENGTH,
        "default": memory.default,
        "min": memory.min,
        "max": memory.max,
        "minBytes": gateway_memory_bytes(memory.min),
        "maxBytes": gateway_memory_bytes(memory.max),
    }


def _pod_data(settings: PodSettings) -> PodData:
    """What ``KubeClusterConfig`` adds to one kind of pod: locked down, placed, with its environment."""
    container: dict[str, Any] = {"securityContext": CONTAINER_SECURITY, **container_settings(settings)}
    resources = extra_resource_requirements(settings.extra_resources)
    if resources:
        container["resources"] = resources
    return {
        "extraPodConfig": {"securityContext": POD_SECURITY, **placement_spec(settings.placement)},
        "extraContainerConfig": container,
        "labels": dict(settings.labels),
        "annotations": dict(settings.annotations),
    }


def _target(goes_to: OptionTarget) -> TargetData:
    """Only the key the option's value goes to, if any."""
    target: TargetData = {}
    if goes_to.cluster_config is not None:
        target["clusterConfig"] = goes_to.cluster_config
    if goes_to.env is not None:
        target["env"] = goes_to.env
    if goes_to.label is not None:
        target["label"] = goes_to.label
    return target


def _extra_option(option: ExtraOption) -> ExtraOptionData:
    data: ExtraOptionData = {
        "name": option.name,
        "type": option.type,
        "label": option.label or option.name,
        "default": option.default,
        "target": _target(option.goes_to),
    }
    # Numeric options always have both bounds (config/gateway_rules.py); an integer option's are whole numbers.
    if option.type == "integer" and option.min is not None and option.max is not None:
        data["min"], data["max"] = int(option.min), int(option.max)
    elif option.type == "float" and option.min is not None and option.max is not None:
        data["min"], data["max"] = option.min, option.max
    if option.choices:
        data["choices"] = list(option.choices)
    elif option.type == "string":
        data["maxLength"] = option.max_length or DEFAULT_MAX_LENGTH
    if option.goes_to.cluster_config == "scheduler_memory":
        data["bytes"] = {choice: gateway_memory_bytes(choice) for choice in option.choices}
    return data


def _team_limits(gateway: GatewayConfig, team: TeamConfig) -> TeamLimitsData:
    """A team's option bounds, cluster limits and profiles, each the gateway's where the team sets none."""
    limits = team.gateway
    assert limits is not None
    options = gateway.cluster_options
    memory = limits.cluster_max_memory or gateway.cluster_max_memory
    data: TeamLimitsData = {
        "workerCores": _cores_bounds(limits.worker_cores or options.worker_cores),
        "workerCoresLimit": _cores_bounds(limits.worker_cores_limit or options.worker_cores_limit),
        "workerMemory": _memory_bounds(limits.worker_memory or options.worker_memory),
        "limits": {
            "clusterMaxCores": float(limits.cluster_max_cores or gateway.cluster_max_cores),
            "clusterMaxMemory": gateway_memory_bytes(memory),
            "clusterMaxWorkers": limits.cluster_max_workers or gateway.cluster_max_workers,
            "clustersPerUser": limits.clusters_per_user or gateway.clusters_per_user,
        },
    }
    if limits.profiles is not None:
        data["profiles"] = list(limits.profiles)
    return data


def _gpu_data(gpu: GpuOption) -> GpuData:
    placement = Placement(node_selector=gpu.node_selector, tolerations=gpu.tolerations)
    return {"max": gpu.max_per_worker, "images": list(gpu.images), "podConfig": placement_spec(placement)}


def gateway_options_data(
    gateway: GatewayConfig,
    default_image: str,
    backend: Backend = "kubernetes",
    team_namespaces: Mapping[str, str] | None = None,
    password_env: str | None = None,
    password_required: bool = False,
    profile_images: Mapping[str, str] | None = None,
    default_profile: str | None = None,
    teams: Sequence[TeamConfig] = (),
    password_file: str | None = None,
    cost_labels: CostLabelsData | None = None,
) -> GatewayData:
    """The JSON document ``shipped/gateway_config.py`` reads.

    ``team_namespaces`` maps a gateway user group to the namespace its users' clusters run in (Kubernetes only);
    ``password_env`` names the environment variable that carries the simple-auth password, if any, and
    ``password_file`` a file that does, which wins where it exists (the local stack writes one);
    ``profile_images`` maps each image profile to its k8s image, for the ``profile`` option; ``teams`` bring
    their own gateway limits, applied to their users (``teamLimits``, by team namespace); ``cost_labels`` is
    what the handler labels pods with (``render.cost.gateway_cost_data``, Kubernetes only).
    """
    if team_namespaces and backend != "kubernetes":
        raise ValueError("team namespaces need the kubernetes backend: local clusters run in no namespace")
    options = gateway.cluster_options
    allowed = list(options.allowed_images)
    if allowed and gateway.gpu_option is not None:
        allowed += [image for image in gateway.gpu_option.images if image not in allowed]
    data: GatewayData = {
        "backend": backend,
        "options": {
            "image": {"default": default_image, "allowed": allowed, "maxLength": IMAGE_MAX_LENGTH},
            "freeText": {"pattern": FREE_TEXT_PATTERN, "help": FREE_TEXT_HELP},
            "workerCores": _cores_bounds(options.worker_cores),
            "workerCoresLimit": _cores_bounds(options.worker_cores_limit),
            "workerMemory": _memory_bounds(options.worker_memory),
            "extra": [_extra_option(option) for option in gateway.extra_options],
        },
        "teamNamespaces": dict(team_namespaces or {}),
        "teamLimits": {team.name: _team_limits(gateway, team) for team in teams if team.gateway is not None},
        "limits": {
            "clusterMaxCores": float(gateway.cluster_max_cores),
            "clusterMaxMemory": gateway_memory_bytes(gateway.cluster_max_memory),
            "clusterMaxWorkers": gateway.cluster_max_workers,
            "clustersPerUser": gateway.clusters_per_user,
            "idleTimeout": float(gateway.idle_timeout_seconds),
        },
        "schedulerCommand": list(SCHEDULER_COMMAND),
        "workerCommand": list(WORKER_COMMAND),
        "passwordEnv": password_env,
        "passwordRequired": password_required,
    }
    if password_file is not None:
        data["passwordFile"] = password_file
    if gateway.profile_option.enabled and profile_images:
        data["options"]["profile"] = {"default": default_profile, "images": dict(profile_images)}
    if gateway.gpu_option is not None and backend == "kubernetes":
        data["options"]["gpu"] = _gpu_data(gateway.gpu_option)
    if backend == "kubernetes":
        data["pods"] = {"scheduler": _pod_data(gateway.scheduler), "worker": _pod_data(gateway.worker)}
        if cost_labels is not None:
            data["costLabels"] = cost_labels.copy()
    else:
        data["proxyAddress"] = LOCAL_PROXY_ADDRESS
    return data


def gateway_data_text(data: Mapping[str, Any]) -> str:
    """The document as it travels: compact, stable JSON."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"))


def gateway_data_env(data: Mapping[str, Any]) -> dict[str, str]:
    """The gateway container's environment entry that carries the document."""
    return {"name": DATA_ENV, "value": gateway_data_text(data)}


def gateway_data_of_env(env: Any) -> GatewayData | None:
    """The document back from a container's ``env`` list (as chart values or a pod spec hold it), or None.

    Typed as the contract says, so that readers name only keys the document has; a hand-edited document may still
    carry other values, so readers check each value they take."""
    for item in env if isinstance(env, Sequence) and not isinstance(env, str) else []:
        if isinstance(item, Mapping) and item.get("name") == DATA_ENV and isinstance(item.get("value"), str):
            try:
                data = json.loads(item["value"])
            except json.JSONDecodeError:
                return None
            return cast(GatewayData, data) if isinstance(data, dict) else None
    return None
