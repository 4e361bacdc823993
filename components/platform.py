"""DaskPlatform: a Kubernetes stack's rendered objects (``render/platform.py``), wired into its components."""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s

from components.admission import AdmissionPolicy
from components.clusters import DaskClusters
from components.gateway import DaskGateway
from components.images import ImageCatalog
from components.monitoring import Monitoring
from components.namespaces import NamespaceQuotas, Namespaces
from components.network import NetworkPolicies
from components.operator import DaskOperator
from components.session import DaskSession
from components.smoke import SmokeCheck
from components.stack import LoadedStack, Secrets
from components.teams import Teams
from render.platform import RenderedPlatform, SessionObjects, SmokeCheckSpec, render_platform


class DaskPlatform(pulumi.ComponentResource):
    """Everything one Kubernetes stack declares: provider, images, namespaces, operator, gateway, and the optional
    teams, clusters, policies, monitoring, session and smoke check. Each component gets its slice of the rendered
    platform and the resources it must wait for; the stack's secrets, as Outputs, reach only the Secrets."""

    def __init__(self, name: str, loaded: LoadedStack, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("dask-platform:index:DaskPlatform", name, None, opts)
        rendered = render_platform(loaded.platform, loaded.secrets.given())
        self.provider = k8s.Provider(
            f"{name}-k8s",
            context=rendered.context,
            kubeconfig=rendered.kubeconfig,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self._foundation(name, rendered, loaded.secrets)
        self._workloads(name, rendered, loaded.secrets)
        self.exports: dict[str, object] = dict(rendered.exports)
        if self.smoke_check is not None:
            self.exports["smokeCheck"] = {
                "job": self.smoke_check.job_name,
                "firstWorkerSeconds": self.smoke_check.first_worker_seconds,
            }
        self.register_outputs(self.exports)

    def _foundation(self, name: str, rendered: RenderedPlatform, secrets: Secrets) -> None:
        """Images, namespaces with their quotas, the operator and the teams: what every workload waits for."""
        child = pulumi.ResourceOptions(parent=self)
        self.images = ImageCatalog(f"{name}-images", rendered.images, secrets, opts=child)
        protect = rendered.protect_namespaces
        self.namespaces = Namespaces(f"{name}-namespaces", rendered.namespaces, protect, self.provider, opts=child)
        by_name = self.namespaces.by_name
        # Most users' clusters run in the user namespaces: each is capped like a team's.
        self.user_quotas = NamespaceQuotas(
            f"{name}-user-quotas", rendered.user_quotas, by_name, self.provider, opts=child
        )
        self.operator = DaskOperator(f"{name}-operator", rendered.operator, by_name, self.provider, opts=child)
        self.teams: Teams | None = None
        if rendered.teams:
            self.teams = Teams(
                f"{name}-teams", rendered.teams, protect, self.operator.user_role, self.provider, opts=child
            )
        # What a pod in each namespace waits for: the namespace, its quota and its container defaults.
        self.pod_namespaces: dict[str, list[pulumi.Resource]] = {
            each: [by_name[each], *quotas] for each, quotas in self.user_quotas.by_namespace.items()
        }
        self.every_namespace: dict[str, pulumi.Resource] = dict(by_name)
        if self.teams is not None:
            for team, team_namespace in self.teams.namespaces.items():
                self.pod_namespaces[team] = [team_namespace, *self.teams.quotas[team]]
            self.every_namespace |= self.teams.namespaces
        # The Image that builds each catalog reference: what a pod running that reference waits for.
        self.built = {reference: self.images.images[key] for key, reference in self.images.references.items()}

    def _workloads(self, name: str, rendered: RenderedPlatform, secrets: Secrets) -> None:
        """Declared clusters, the gateway, the policies around them, monitoring, the session and the check."""
        child = pulumi.ResourceOptions(parent=self)
        self.clusters: DaskClusters | None = None
        if rendered.clusters:
            self.clusters = DaskClusters(
                f"{name}-clusters",
                rendered.clusters,
                self.pod_namespaces,
                self.operator.chart,
                self.built,
                self.provider,
                opts=child,
            )
        gateway = rendered.gateway
        self.password = secrets.gateway_password if gateway.password_secret is not None else None
        self.gateway = DaskGateway(
            f"{name}-gateway",
            gateway,
            self.namespaces.by_name[gateway.chart.namespace],
            self.password,
            self.provider,
            hub_token=secrets.jupyterhub_api_token,
            opts=child,
        )
        if rendered.network_policies:
            NetworkPolicies(
                f"{name}-network", rendered.network_policies, self.every_namespace, self.provider, opts=child
            )
        if rendered.admission:
            AdmissionPolicy(f"{name}-admission", rendered.admission, self.provider, opts=child)
        if rendered.monitoring is not None:
            Monitoring(f"{name}-monitoring", rendered.monitoring, self.every_namespace, self.provider, opts=child)
        self.session = self._session(name, rendered.session) if rendered.session is not None else None
        self.smoke_check = self._smoke_check(name, rendered.smoke_check) if rendered.smoke_check is not None else None

    def _session(self, name: str, session: SessionObjects) -> DaskSession:
        return DaskSession(
            f"{name}-session",
            session,
            self.password,
            self.namespaces.by_name[session.namespace],
            self.operator.service_accounts[session.namespace],
            self.gateway.chart,
            self.built.get(session.image),
            self.provider,
            opts=pulumi.ResourceOptions(parent=self),
        )

    def _smoke_check(self, name: str, spec: SmokeCheckSpec) -> SmokeCheck:
        """The Job that computes through the gateway once the gateway, the operator and the images it runs exist."""
        return SmokeCheck(
            f"{name}-smoke",
            spec,
            self.password,
            self.namespaces.by_name[spec.objects.namespace],
            [self.gateway.chart, self.operator.chart, *(self.built[image] for image in spec.images)],
            self.provider,
            opts=pulumi.ResourceOptions(parent=self),
        )
