"""Rules between sections about who reaches what: namespaces' roles, admission exemptions, the operator's scope,
auth against teams, the session and the smoke check, and which cluster prod deploys to. ``config/platform.py``
runs them with the other cross-section rules."""

from __future__ import annotations

from config.sections import PlatformSections
from config.types import Problems, cross_section_problem


def namespace_choices(config: PlatformSections) -> Problems:
    users = list(config.namespaces.users)
    listed = f"one of namespaces.users ({', '.join(users)})"
    if config.session.namespace is not None and config.session.namespace not in users:
        yield cross_section_problem(("session", "namespace"), config.session.namespace, f"must be {listed}")
    if config.gateway.cluster_namespace is not None and config.gateway.cluster_namespace not in users:
        yield cross_section_problem(
            ("gateway", "clusterNamespace"), config.gateway.cluster_namespace, f"must be {listed}"
        )


def namespace_roles(config: PlatformSections) -> Problems:
    """Each platform namespace has one role: the gateway's default-deny policy and Pod Security level would
    otherwise be declared twice (a duplicate resource), and the chart's pods would get the users' level."""
    namespaces = config.namespaces
    for index, user in enumerate(namespaces.users):
        if user == namespaces.gateway:
            yield cross_section_problem(
                ("namespaces", "users", index),
                user,
                "is namespaces.gateway: clusters need a namespace apart from the gateway's; list another name",
            )
    if config.operator.scope == "cluster" and namespaces.operator == namespaces.gateway:
        yield cross_section_problem(
            ("namespaces", "operator"),
            namespaces.operator,
            "is namespaces.gateway: the operator needs a namespace apart from the gateway's; pick another name",
        )


def admission_exemptions(config: PlatformSections) -> Problems:
    """Exempting the identities users' pods and clusters run as would switch the admission policy off for them."""
    admission = config.admission
    for index, group in enumerate(admission.exempt_groups):
        namespace = group.removeprefix("system:serviceaccounts:")
        if group != namespace and namespace in config.user_namespaces:
            yield cross_section_problem(
                ("admission", "exemptGroups", index),
                group,
                f"holds every ServiceAccount of the user namespace {namespace!r}, users' own included; name the "
                "deployer's ServiceAccount in admission.exemptUsers instead",
            )
    for index, user in enumerate(admission.exempt_users):
        parts = user.split(":")
        if len(parts) == 4 and parts[:2] == ["system", "serviceaccount"] and parts[2] in config.user_namespaces:
            yield cross_section_problem(
                ("admission", "exemptUsers", index),
                user,
                f"is a ServiceAccount of the user namespace {parts[2]!r}, where users' clusters run; exempt an "
                "identity of a namespace users cannot use",
            )


def operator_scope(config: PlatformSections) -> Problems:
    if config.operator.scope != "namespace":
        return
    users = list(config.namespaces.users)
    if len(users) != 1:
        yield cross_section_problem(
            ("namespaces", "users"),
            users,
            "operator.scope 'namespace' watches exactly one namespace: list one, or set operator.scope 'cluster'",
        )
    if config.operator.user_access == "cluster":
        yield cross_section_problem(
            ("operator", "userAccess"), "cluster", "cluster-wide user access needs operator.scope 'cluster'"
        )
    if config.teams:
        yield cross_section_problem(
            ("teams",),
            [team.name for team in config.teams],
            "team namespaces need operator.scope 'cluster': a namespace-scoped operator watches only "
            f"{config.operator_namespace!r}",
        )


def auth_and_session(config: PlatformSections) -> Problems:
    auth = config.gateway.auth.type
    if auth == "simple":
        for index, team in enumerate(config.teams):
            if team.gateway_groups:
                yield cross_section_problem(
                    ("teams", index, "gatewayGroups"),
                    team.gateway_groups,
                    "needs an authenticator that reports groups: the simple authenticator reports none; use "
                    "gateway.auth.type 'jupyterhub'",
                )
    if config.session_enabled and auth == "jupyterhub":
        yield cross_section_problem(
            ("session", "enabled"),
            config.session.enabled,
            "the session has no JupyterHub token to reach a JupyterHub-authenticated gateway with; set "
            "session.enabled: false, or use gateway.auth.type 'simple'",
        )


def target_cluster(config: PlatformSections) -> Problems:
    if config.is_prod and config.kubernetes.context is None:
        yield cross_section_problem(
            ("kubernetes", "context"),
            None,
            "prod needs an explicit kubeconfig context, so that kubectl's current context never decides where "
            "prod is deployed",
        )


def smoke_check(config: PlatformSections) -> Problems:
    """The check authenticates as a user would: with JupyterHub auth it needs a token the stack names."""
    token = config.smoke_check.jupyterhub_token_secret
    jupyterhub = config.gateway.auth.type == "jupyterhub"
    if config.smoke_check_enabled and jupyterhub and token is None:
        yield cross_section_problem(
            ("smokeCheck", "enabled"),
            config.smoke_check.enabled,
            "the smoke check has no JupyterHub token to reach a JupyterHub-authenticated gateway with; set "
            "smokeCheck.jupyterhubTokenSecret to an existing Secret holding one, or smokeCheck.enabled: false",
        )
    if token is not None and not jupyterhub:
        yield cross_section_problem(
            ("smokeCheck", "jupyterhubTokenSecret"),
            token.model_dump(by_alias=True),
            f"is for gateway.auth.type 'jupyterhub'; this gateway uses {config.gateway.auth.type!r}, remove it",
        )
