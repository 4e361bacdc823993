"""Cost attribution labels: who pays for each Dask pod.

Every scheduler and worker pod, started by the gateway or declared in the stack, carries its user, its team,
its cluster's name and its profile under ``dask-platform.io/``, and the team's cost centre where the stack sets
one, so that OpenCost, kubecost or a cloud bill can split costs by any of them. Gateway clusters get them from
the gateway's option handler (``shipped/gateway_config.py``, from the data rendered here); declared clusters get
them in their manifests (``render/clusters.py``).
"""

from __future__ import annotations

from config.clusters import DeclaredClusterConfig, ImageChoice
from config.cost import CLUSTER_LABEL, PROFILE_LABEL, TEAM_LABEL, USER_LABEL
from config.platform import PlatformConfig
from render.catalog import profile_image
from shipped.gateway_config import CUSTOM_PROFILE, label_safe
from shipped.gateway_contract import CostKeysData, CostLabelsData, CostTeamData

DECLARED_USER = "declared"
"""The user label of a declared cluster's pods: the stack, not a gateway user, asked for them."""
CLUSTER_NAME_OPTION = "cluster_name"
"""The admin-declared gateway option whose value names a cluster, where the stack declares it."""


def image_profiles(config: PlatformConfig) -> dict[str, str]:
    """Each catalog k8s image -> the profile that builds it; where two profiles build the same image, the default
    profile, else the first."""
    names = [config.images.default_profile, *config.images.profiles]
    profiles: dict[str, str] = {}
    for name in names:
        profiles.setdefault(profile_image(config.images, name), label_safe(name))
    return profiles


def _team(config: PlatformConfig, namespace: str) -> CostTeamData:
    """A team namespace's team and cost centre; a user namespace is its own team, without a cost centre."""
    for team in config.teams:
        if team.name == namespace:
            return {"team": team.name, "costCenter": team.cost_center} if team.cost_center else {"team": team.name}
    return {"team": namespace}


def _keys(config: PlatformConfig) -> CostKeysData:
    return {
        "user": USER_LABEL,
        "team": TEAM_LABEL,
        "cluster": CLUSTER_LABEL,
        "profile": PROFILE_LABEL,
        "costCenter": config.cost_labels.cost_center_key,
    }


def gateway_cost_data(config: PlatformConfig) -> CostLabelsData:
    """What the gateway's handler needs to label a cluster's pods (``costLabels`` of its data)."""
    named = any(
        option.name == CLUSTER_NAME_OPTION and option.type == "string" for option in config.gateway.extra_options
    )
    return {
        "keys": _keys(config),
        "defaultNamespace": config.gateway_cluster_namespace,
        "teams": {team.name: _team(config, team.name) for team in config.teams},
        "profiles": image_profiles(config),
        "clusterNameOption": CLUSTER_NAME_OPTION if named else None,
    }


def declared_cost_labels(
    config: PlatformConfig, cluster: DeclaredClusterConfig, image: str, *choices: ImageChoice
) -> dict[str, str]:
    """The cost labels of one pod of a declared cluster that runs ``image``, picked by the first of ``choices``
    that names an image or a profile (a profile named is the profile, whatever other profile builds the same)."""
    chosen = next((choice for choice in choices if choice.image is not None or choice.profile is not None), None)
    profile = label_safe(chosen.profile) if chosen is not None and chosen.profile is not None else None
    keys = _keys(config)
    team = _team(config, cluster.namespace)
    labels = {
        keys["user"]: DECLARED_USER,
        keys["team"]: team["team"],
        keys["cluster"]: cluster.name,
        keys["profile"]: profile or image_profiles(config).get(image, CUSTOM_PROFILE),
    }
    if "costCenter" in team:
        labels[keys["costCenter"]] = team["costCenter"]
    return labels
