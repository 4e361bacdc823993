"""The whole stack config, section by section, with what the sections give together (namespaces, images,
gateways of a local stack). The rules between sections are run by ``PlatformConfig`` (``config/platform.py``); they
read the config as ``PlatformSections``, so they can live in modules of their own."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from config.admission import AdmissionConfig
from config.clusters import DeclaredClusterConfig
from config.cost import CostLabelsConfig
from config.gateway import GatewayConfig
from config.images import ImagesConfig
from config.kubernetes import KubernetesConfig
from config.local import LocalConfig, LocalGateway, local_gateways
from config.monitoring import MonitoringConfig
from config.namespaces import NamespacesConfig
from config.network import NetworkPoliciesConfig
from config.operator import OperatorConfig
from config.session import SessionConfig
from config.smoke import SmokeCheckConfig
from config.teams import TeamConfig
from config.types import ConfigModel
from config.user_quotas import QuotaAmounts, UserNamespace, UserQuota, quota_amounts


class PlatformSections(ConfigModel):
    """Every section of a stack, and what they give together; ``PlatformConfig`` adds the rules between them."""

    environment: Literal["dev", "prod", "local"] = "prod"
    """Unset means prod: the strict choice (protection, mandatory policies) is the safe default. `local` runs the
    gateway and JupyterLab on this machine's Docker, without Kubernetes (section `local`)."""
    kubernetes: KubernetesConfig = KubernetesConfig()
    namespaces: NamespacesConfig = NamespacesConfig()
    operator: OperatorConfig = OperatorConfig()
    gateway: GatewayConfig = GatewayConfig()
    session: SessionConfig = SessionConfig()
    images: ImagesConfig = ImagesConfig()
    network_policies: NetworkPoliciesConfig = NetworkPoliciesConfig()
    admission: AdmissionConfig = AdmissionConfig()
    """The admission policy on user and team namespaces (see Pods the platform runs, docs/admission.md)."""
    monitoring: MonitoringConfig = MonitoringConfig()
    """Metrics and dashboards where the Prometheus Operator runs (see docs/operating.md)."""
    clusters: list[DeclaredClusterConfig] = Field(default_factory=list)
    """Declared Dask clusters (see Declared clusters and team namespaces)."""
    teams: list[TeamConfig] = Field(default_factory=list)
    """Team namespaces with quotas (see Declared clusters and team namespaces)."""
    local: LocalConfig = LocalConfig()
    """Only with `environment: local`: the containers on this machine's Docker (see A laptop without Kubernetes)."""
    smoke_check: SmokeCheckConfig = SmokeCheckConfig()
    """A real computation at the end of every deploy that changes the gateway or the images (docs/operating.md)."""
    cost_labels: CostLabelsConfig = CostLabelsConfig()
    """Labels on every Dask pod that split its cost by user, team, cluster and profile (docs/operating.md)."""

    @property
    def is_prod(self) -> bool:
        return self.environment == "prod"

    @property
    def is_local(self) -> bool:
        return self.environment == "local"

    @property
    def local_gateways(self) -> list[LocalGateway]:
        """The gateways of a local stack (``config.local.local_gateways``)."""
        return local_gateways(self.images, self.local)

    @property
    def protect_namespaces(self) -> bool:
        return self.is_prod if self.namespaces.protect is None else self.namespaces.protect

    @property
    def session_enabled(self) -> bool:
        if self.is_local:
            return False
        return not self.is_prod if self.session.enabled is None else self.session.enabled

    @property
    def smoke_check_enabled(self) -> bool:
        """On by default outside prod where the check can authenticate: with JupyterHub auth, only once the stack
        names a token for it."""
        if self.smoke_check.enabled is not None:
            return self.smoke_check.enabled
        can_authenticate = self.gateway.auth.type == "simple" or self.smoke_check.jupyterhub_token_secret is not None
        return not self.is_prod and can_authenticate

    @property
    def session_namespace(self) -> str:
        return self.session.namespace or self.namespaces.users[0]

    @property
    def gateway_cluster_namespace(self) -> str:
        return self.gateway.cluster_namespace or self.namespaces.users[0]

    @property
    def user_namespaces(self) -> list[str]:
        """Where Dask clusters and users' pods run: the user namespaces and every team's."""
        return list(dict.fromkeys([*self.namespaces.users, *(team.name for team in self.teams)]))

    @property
    def operator_namespace(self) -> str:
        """In namespace scope the chart's Role only covers its release namespace, so it runs next to the clusters."""
        if self.operator.scope == "namespace":
            return self.namespaces.users[0]
        return self.namespaces.operator

    def user_namespace(self, name: str) -> UserNamespace:
        """What runs in the user namespace ``name``, for its quota."""
        platform_pods = [self.session.resources] if self.session_enabled and self.session_namespace == name else []
        if self.operator_namespace == name:
            platform_pods.append(self.operator.resources)
        declared = [cluster for cluster in self.clusters if cluster.enabled and cluster.namespace == name]
        return UserNamespace(name, self.gateway_cluster_namespace == name, declared, platform_pods)

    def user_quota(self, name: str) -> QuotaAmounts:
        """The ResourceQuota amounts of the user namespace ``name``."""
        quota = self.namespaces.user_quotas.get(name, UserQuota())
        return quota_amounts(self.gateway, quota, self.user_namespace(name))

    @property
    def session_image(self) -> str:
        return self.session.image or self.gateway.image.reference
