"""dask-platform's dask-gateway configuration: cluster options, per-cluster limits, team namespaces and auth.

This file runs inside dask-gateway-server, unchanged: the Helm chart inlines it into the gateway's config file
(``gateway.extraConfig``), and the ``local`` image uses it as its config file. Everything that differs between
stacks arrives as one JSON document in the environment variable ``DASK_PLATFORM_GATEWAY``, generated from the
stack by ``render/gateway_options.py``; nothing here is generated.

It is inlined in the middle of the chart's config file, so it has no ``from __future__`` import and its
annotations are valid at run time. The document's types (``shipped/gateway_contract.py``) are imported only while
type checking, where mypy checks what this file reads against what ``render/`` writes; inside the gateway the
file runs alone, so it names them in quotes.
"""

import copy
import hashlib
import json
import math
import os
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from dask_gateway_server.backends.base import PublicException
from dask_gateway_server.options import Bool, Float, Integer, Options, Select, String
from dask_gateway_server.traitlets import MemoryLimit
from traitlets.utils.importstring import import_item

if TYPE_CHECKING:
    from shipped.gateway_contract import (
        CoresData,
        ExtraOptionData,
        FreeTextData,
        GatewayData,
        ImageData,
        MemoryData,
    )

DATA_ENV = "DASK_PLATFORM_GATEWAY"
"""The environment variable holding the JSON document this configuration reads."""
LOCAL_BACKEND = "dask_gateway_server.backends.local.UnsafeLocalBackend"
"""Local clusters run as processes of the gateway's own non-root user, so the backend must not switch users."""
KUBE_BACKEND = "dask_gateway_server.backends.kubernetes.KubeBackend"
"""What the chart sets as the backend before this file runs."""
GPU_RESOURCE = "nvidia.com/gpu"
CONTROL_CHARACTER = re.compile(r"[\x00-\x1f\x7f-\x9f]")
SHOWN_CHARACTERS = 40
"""How much of a refused text a message shows."""
LABEL_VALUE = re.compile(r"([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?")
"""What Kubernetes takes as a label value: a free-text option that becomes a label must fit it."""
UNNAMED_CLUSTER = "unnamed"
"""The cost label of a gateway cluster whose user gave it no name (its id is the gateway's own label)."""
CUSTOM_PROFILE = "custom"
"""The profile cost label of a cluster running an image no catalog profile builds."""


def load_data(environ: Mapping[str, str] = os.environ) -> "GatewayData":
    if DATA_ENV not in environ:
        raise RuntimeError(f"{DATA_ENV} is not set: dask-platform passes the gateway's options data through it")
    data: GatewayData = json.loads(environ[DATA_ENV])
    return data


def parse_memory(field: str, value: str, bounds: "MemoryData") -> int:
    """Bytes of a memory size such as ``"2 G"``, read with the gateway's own parser, within the stack's bounds."""
    try:
        size = int(MemoryLimit().validate(None, value.strip()))
    except Exception:
        size = 0
    if size <= 0:
        raise ValueError(
            f"{field} must be a memory size such as '2 G' (suffix K, M, G or T, powers of 1024), got {value!r}"
        )
    if not bounds["minBytes"] <= size <= bounds["maxBytes"]:
        raise ValueError(f"{field} must be between {bounds['min']!r} and {bounds['max']!r}, got {value!r}")
    return size


def checked_image(value: str, image: "ImageData") -> str:
    chosen = value.strip()
    if not chosen:
        raise ValueError(f"image must name an image, such as {image['default']!r}")
    if chosen in image.get("refused", ()):
        raise ValueError(f"image {chosen!r} belongs to a profile your team may not use")
    allowed = image["allowed"]
    if allowed and chosen not in allowed:
        raise ValueError(f"image {chosen!r} is not offered here; choose one of {', '.join(allowed)}")
    return chosen


def _merged(base: Mapping[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    """``extra`` merged into a copy of ``base``: mappings merge, lists add up, anything else is replaced."""
    merged = copy.deepcopy(dict(base))
    for key, value in extra.items():
        if isinstance(merged.get(key), dict) and isinstance(value, Mapping):
            merged[key] = _merged(merged[key], value)
        elif isinstance(merged.get(key), list) and isinstance(value, list):
            merged[key] = merged[key] + list(value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _chosen_image(data: "GatewayData", options: Any) -> str:
    image_option = data["options"]["image"]
    chosen = str(options.image).strip()
    profile = data["options"].get("profile")
    if profile is not None and chosen == image_option["default"]:
        # The image left at its default: the profile picks it.
        chosen = profile["images"][options.profile]
    return checked_image(chosen, image_option)


def _extra_overrides(data: "GatewayData", options: Any, overrides: dict[str, Any]) -> None:
    """Apply admin-declared options where the stack sends their values."""
    for option in data["options"]["extra"]:
        value = getattr(options, option["name"])
        target = option["target"]
        if "clusterConfig" in target:
            field = target["clusterConfig"]
            overrides[field] = option["bytes"][value] if field == "scheduler_memory" else value
        elif "env" in target:
            text = ("true" if value else "false") if isinstance(value, bool) else str(value)
            overrides.setdefault("environment", {})[target["env"]] = text
        elif "label" in target and "pods" in data:
            # Pods carry labels; a local backend's processes have nowhere to put one.
            text = ("true" if value else "false") if isinstance(value, bool) else str(value)
            if not LABEL_VALUE.fullmatch(text):
                raise ValueError(
                    f"{option['name']} becomes a Kubernetes label: at most 63 letters, digits, '-', '_' and '.', "
                    f"starting and ending with a letter or digit, got {value!r}"
                )
            for part in ("scheduler", "worker"):
                labels = overrides.setdefault(f"{part}_extra_pod_labels", dict(data["pods"][part]["labels"]))
                labels[target["label"]] = text


def label_safe(value: str) -> str:
    """``value`` as a label value: lowercase, characters a label cannot hold replaced by '-', at most 63
    characters. A value that had to change ends in a hash of the original, so two names never share a label."""
    text = re.sub(r"[^a-z0-9._-]", "-", value.lower()).strip("-._")
    if text == value and len(text) <= 63:
        return text
    digest = hashlib.sha256(value.encode()).hexdigest()[:8]
    kept = text[:54].rstrip("-._")
    return f"{kept}-{digest}" if kept else digest


def _profile_label(data: "GatewayData", options: Any, image: str) -> str:
    """The profile the user picked when the image came from it, else the profile that builds the image."""
    if "profile" in data["options"] and str(options.image).strip() == data["options"]["image"]["default"]:
        return label_safe(str(options.profile))
    return str(data["costLabels"]["profiles"].get(image, CUSTOM_PROFILE))


def _cost_overrides(data: "GatewayData", options: Any, user: Any, overrides: dict[str, Any]) -> None:
    """Who pays for the cluster's pods: its user, team (and cost centre), name and profile, as pod labels."""
    cost = data.get("costLabels")
    if cost is None or "pods" not in data:
        return
    keys = cost["keys"]
    namespace = overrides.get("namespace", cost["defaultNamespace"])
    team = cost["teams"].get(namespace, {"team": namespace})
    named = str(getattr(options, cost["clusterNameOption"], "")) if cost["clusterNameOption"] else ""
    labels = {
        keys["user"]: label_safe(str(user.name)),
        keys["team"]: team["team"],
        keys["cluster"]: label_safe(named) if named.strip() else UNNAMED_CLUSTER,
        keys["profile"]: _profile_label(data, options, overrides["image"]),
    }
    if "costCenter" in team:
        labels[keys["costCenter"]] = team["costCenter"]
    for part in ("scheduler", "worker"):
        overrides.setdefault(f"{part}_extra_pod_labels", dict(data["pods"][part]["labels"])).update(labels)


def _gpu_overrides(data: "GatewayData", options: Any, overrides: dict[str, Any]) -> None:
    gpu = data["options"].get("gpu")
    if gpu is None or not options.worker_gpus:
        return
    if overrides["image"] not in gpu["images"]:
        raise ValueError(
            f"worker_gpus needs a GPU-capable image; choose one of {', '.join(gpu['images'])}, "
            f"got {overrides['image']!r}"
        )
    worker = data["pods"]["worker"]
    overrides["worker_extra_container_config"] = _merged(
        worker["extraContainerConfig"], {"resources": {"limits": {GPU_RESOURCE: str(options.worker_gpus)}}}
    )
    overrides["worker_extra_pod_config"] = _merged(worker["extraPodConfig"], gpu["podConfig"])


def cluster_overrides(data: "GatewayData", options: Any, user: Any) -> dict[str, Any]:
    """What one cluster gets from the options a user chose: the gateway's option handler."""
    memory = parse_memory("worker_memory", options.worker_memory, data["options"]["workerMemory"])
    if data["backend"] == "local":
        # Local processes have no image and no separate limits, and the local backend counts whole cores.
        overrides: dict[str, Any] = {"worker_cores": max(1, math.ceil(options.worker_cores)), "worker_memory": memory}
        _extra_overrides(data, options, overrides)
        return overrides
    overrides = {
        "image": _chosen_image(data, options),
        "worker_cores": options.worker_cores,
        # A limit below its request would make Kubernetes reject the pod, so a request above the asked-for limit
        # raises the limit; the memory limit follows the memory request.
        "worker_cores_limit": max(options.worker_cores_limit, options.worker_cores),
        "worker_memory": memory,
        "worker_memory_limit": memory,
    }
    # A team's users get their clusters in the team's namespace, within the team's cluster limits.
    namespace = team_namespace(data, user)
    if namespace is not None:
        overrides["namespace"] = namespace
    limits = data["limits"]
    overrides.update(
        cluster_max_cores=limits["clusterMaxCores"],
        cluster_max_memory=limits["clusterMaxMemory"],
        cluster_max_workers=limits["clusterMaxWorkers"],
    )
    _extra_overrides(data, options, overrides)
    _gpu_overrides(data, options, overrides)
    _cost_overrides(data, options, user, overrides)
    return overrides


class Choice(Select):
    """A select field whose refusal lists what may be chosen."""

    def validate(self, x: Any) -> Any:
        if isinstance(x, str) and x not in self.options:
            raise ValueError(f"{self.field} must be one of {', '.join(self.options)}, got {x!r}")
        return super().validate(x)


def _shown(text: str) -> str:
    """A refused value as a message shows it: a long one is cut, so a refusal never echoes 100 kB back."""
    return repr(text if len(text) <= SHOWN_CHARACTERS else text[:SHOWN_CHARACTERS] + "...")


class FreeText(String):
    """A string field with a length cap and the stack's character set: text that may end up in pod labels,
    environment variables and the stored cluster record."""

    def __init__(self, field: str, text: "FreeTextData", max_length: int, **kwargs: Any) -> None:
        self.max_length = max_length
        self.characters = re.compile(text["pattern"])
        self.characters_help = text["help"]
        super().__init__(field, **kwargs)

    def validate(self, x: Any) -> Any:
        super().validate(x)
        if len(x) > self.max_length:
            raise ValueError(f"{self.field} takes at most {self.max_length} characters, got {len(x)}")
        if CONTROL_CHARACTER.search(x):
            raise ValueError(
                f"{self.field} must not contain control characters (newline, carriage return, tab, NUL...), "
                f"got {_shown(x)}"
            )
        if not self.characters.fullmatch(x):
            raise ValueError(f"{self.field} may contain only {self.characters_help}, got {_shown(x)}")
        return x


class FiniteFloat(Float):
    """A float field that refuses NaN and infinities (which compare false with any bound, and which JSON cannot
    store) and bools (which Python counts as numbers)."""

    def validate(self, x: Any) -> Any:
        if isinstance(x, bool):
            raise TypeError(f"{self.field} must be a number, got {x!r}")
        if isinstance(x, int):
            try:
                x = float(x)
            except OverflowError:
                raise ValueError(
                    f"{self.field} must be a finite number, got an integer of {len(str(x))} digits"
                ) from None
        if isinstance(x, float) and not math.isfinite(x):
            raise ValueError(f"{self.field} must be a finite number, got {x!r}")
        return super().validate(x)


class WholeNumber(Integer):
    """An integer field that refuses bools, which Python counts as integers."""

    def validate(self, x: Any) -> Any:
        if isinstance(x, bool):
            raise TypeError(f"{self.field} must be an integer, got {x!r}")
        return super().validate(x)


def _float_option(name: str, label: str, bounds: "CoresData") -> Float:
    return FiniteFloat(name, default=bounds["default"], min=bounds["min"], max=bounds["max"], label=label)


def _declared_field(option: "ExtraOptionData", text: "FreeTextData", max_workers: int) -> Any:
    name, label, default = option["name"], option["label"], option["default"]
    if option["type"] == "integer":
        high = option["max"]
        if option["target"].get("clusterConfig") == "cluster_max_workers":
            # A worker cap chosen by a user stays within the cap of the user's team.
            high = min(high, max_workers)
            default = min(default, high)
        return WholeNumber(name, default=default, min=option["min"], max=high, label=label)
    if option["type"] == "float":
        return FiniteFloat(name, default=default, min=option["min"], max=option["max"], label=label)
    if option["type"] == "bool":
        return Bool(name, default=default, label=label)
    if option.get("choices"):
        return Choice(name, option["choices"], default=default, label=label)
    return FreeText(name, text, option["maxLength"], default=default, label=label)


def team_namespace(data: "GatewayData", user: Any) -> str | None:
    """The namespace of the user's team: the first team in stack order that lists one of the user's groups,
    compared exactly (case and spaces count)."""
    groups = getattr(user, "groups", ())
    for group, namespace in data["teamNamespaces"].items():
        if group in groups:
            return str(namespace)
    return None


def scoped_data(data: "GatewayData", user: Any) -> "GatewayData":
    """The data as one user sees it: the option bounds, cluster limits and profiles of the user's team, where
    the team has its own (``teamLimits``), in place of the gateway's."""
    scoped = data.copy()
    namespace = team_namespace(data, user)
    team = data.get("teamLimits", {}).get(namespace) if namespace is not None else None
    if team is None:
        return scoped
    options = data["options"].copy()
    options["workerCores"] = team["workerCores"]
    options["workerCoresLimit"] = team["workerCoresLimit"]
    options["workerMemory"] = team["workerMemory"]
    if "profile" in options and "profiles" in team:
        images = {name: image for name, image in options["profile"]["images"].items() if name in team["profiles"]}
        default = options["profile"]["default"]
        options["profile"] = {"default": default if default in images else next(iter(images)), "images": images}
        refused = set(data["options"]["profile"]["images"].values()) - set(images.values())
        image = options["image"].copy()
        image["refused"] = sorted(refused)
        image["allowed"] = [each for each in image["allowed"] if each not in refused]
        options["image"] = image
    scoped["options"] = options
    scoped["limits"] = {**data["limits"], **team["limits"]}
    return scoped


def cluster_options(data: "GatewayData", user: Any = None) -> Options:
    """The options ``user`` sees in ``gateway.cluster_options()``, with the bounds of the user's team: names and
    types notebooks rely on first, then the profile and GPU choices and the admin-declared options."""
    scoped = scoped_data(data, user)
    options = scoped["options"]
    text = options["freeText"]

    def handler(chosen: Any, user: Any) -> dict[str, Any]:
        return cluster_overrides(scoped, chosen, user)

    fields = [
        FreeText("image", text, options["image"]["maxLength"], default=options["image"]["default"], label="Image"),
        _float_option("worker_cores", "Worker cores", options["workerCores"]),
        _float_option("worker_cores_limit", "Worker cores limit", options["workerCoresLimit"]),
        FreeText(
            "worker_memory",
            text,
            options["workerMemory"]["maxLength"],
            default=options["workerMemory"]["default"],
            label="Worker memory",
        ),
    ]
    if "profile" in options:
        profiles = options["profile"]
        fields.append(Choice("profile", list(profiles["images"]), default=profiles["default"], label="Profile"))
    if "gpu" in options:
        gpus = options["gpu"]["max"]
        fields.append(WholeNumber("worker_gpus", default=0, min=0, max=gpus, label="GPUs per worker"))
    max_workers = scoped["limits"]["clusterMaxWorkers"]
    fields += [_declared_field(option, text, max_workers) for option in options["extra"]]
    return Options(*fields, handler=handler)


def clusters_per_user(data: "GatewayData", user: Any) -> int | None:
    """How many clusters ``user`` may run at once: the user's team's cap, else the gateway's; None for no cap."""
    cap = scoped_data(data, user)["limits"].get("clustersPerUser")
    return None if cap is None else int(cap)


def capped_backend(base: type, data: "GatewayData") -> type:
    """``base`` refusing a new cluster while its user already runs as many as the user may."""

    class CappedBackend(base):
        async def start_cluster(self, user: Any, cluster_options: Any) -> Any:
            cap = clusters_per_user(data, user)
            if cap is not None:
                # The backend's own listing: the user's pending and running clusters.
                running = len(await self.list_clusters(username=user.name))
                if running >= cap:
                    raise PublicException(
                        f"{user.name} already runs {running} of at most {cap} clusters; shut one down first"
                    )
            return await super().start_cluster(user, cluster_options)

    CappedBackend.__name__ = CappedBackend.__qualname__ = f"Capped{base.__name__}"
    return CappedBackend


def _has_cluster_cap(data: "GatewayData") -> bool:
    teams = data.get("teamLimits", {}).values()
    return data["limits"].get("clustersPerUser") is not None or any(
        team["limits"].get("clustersPerUser") is not None for team in teams
    )


def configure(c: Any, data: "GatewayData", environ: Mapping[str, str] = os.environ) -> None:
    """Apply the data to a dask-gateway-server config object ``c``."""
    # Built per user, so that each user's options carry the bounds of the user's team.
    c.Backend.cluster_options = lambda user: cluster_options(data, user)
    limits = data["limits"]
    c.ClusterConfig.cluster_max_cores = limits["clusterMaxCores"]
    c.ClusterConfig.cluster_max_memory = limits["clusterMaxMemory"]
    c.ClusterConfig.cluster_max_workers = limits["clusterMaxWorkers"]
    c.ClusterConfig.idle_timeout = limits["idleTimeout"]
    c.ClusterConfig.scheduler_cmd = list(data["schedulerCommand"])
    c.ClusterConfig.worker_cmd = list(data["workerCommand"])
    pods = data.get("pods")
    for part, pod in [("scheduler", pods["scheduler"]), ("worker", pods["worker"])] if pods is not None else []:
        # Locked-down, placed pods with the stack's environment, for every cluster the gateway starts.
        setattr(c.KubeClusterConfig, f"{part}_extra_pod_config", pod["extraPodConfig"])
        setattr(c.KubeClusterConfig, f"{part}_extra_container_config", pod["extraContainerConfig"])
        setattr(c.KubeClusterConfig, f"{part}_extra_pod_labels", pod["labels"])
        setattr(c.KubeClusterConfig, f"{part}_extra_pod_annotations", pod["annotations"])
    if data["backend"] == "local":
        c.DaskGateway.backend_class = LOCAL_BACKEND
        c.Proxy.address = data["proxyAddress"]
    if _has_cluster_cap(data):
        base = c.DaskGateway.backend_class if "backend_class" in c.DaskGateway else KUBE_BACKEND
        c.DaskGateway.backend_class = capped_backend(import_item(base) if isinstance(base, str) else base, data)
    password = read_password(data, environ)
    if password is not None:
        c.SimpleAuthenticator.password = password


def read_password(data: "GatewayData", environ: Mapping[str, str] = os.environ) -> str | None:
    """The simple-auth password, never from the data itself: a file where the data names one and it exists
    (the local stack's, so the password is in no process's environment), else the named environment variable
    (from a Kubernetes Secret)."""
    password_file = data.get("passwordFile")
    if password_file is not None and os.path.isfile(password_file):
        with open(password_file, encoding="utf-8") as handle:
            password = handle.read().rstrip("\n")
        if not password:
            raise RuntimeError(f"{password_file} is empty, but it is this gateway's password")
        return password
    password_env = data.get("passwordEnv")
    if password_env is not None and password_env in environ:
        return environ[password_env]
    if data.get("passwordRequired", False):
        raise RuntimeError(f"{password_env} is not set, but this gateway requires a password")
    return None


# traitlets puts get_config into the namespace of a config file: here the file runs as the gateway's config,
# elsewhere (tests, tools) it is imported as a module and configures nothing.
if "get_config" in globals():
    configure(get_config(), load_data())  # type: ignore[name-defined]  # noqa: F821
