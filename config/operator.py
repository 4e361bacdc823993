"""The dask-kubernetes-operator release and who may use it: ``dask-platform:operator``."""

from __future__ import annotations

from typing import Literal

from config.pods import Placement
from config.types import DASK_OPERATOR_VERSION, ChartConfig, ConfigModel, Resources, resources_of


class OperatorConfig(ConfigModel):
    chart: ChartConfig = ChartConfig(version=DASK_OPERATOR_VERSION)
    """The dask-kubernetes-operator chart: an exact version and the repository it comes from."""
    scope: Literal["cluster", "namespace"] = "cluster"
    """``namespace``: the operator runs in and watches the single user namespace, with a namespaced Role."""
    user_access: Literal["namespace", "cluster"] = "namespace"
    """Bind the user ClusterRole per user namespace (RoleBindings) or cluster-wide (ClusterRoleBinding)."""
    resources: Resources = resources_of("100m", "128Mi", "500m", "256Mi")
    """The operator pod's requests and limits."""
    placement: Placement = Placement()
    """Where the operator pod runs."""
