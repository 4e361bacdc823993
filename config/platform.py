"""The whole stack config, and the rules that need more than one section, in the order they are reported.

Each section's own rules live with its model (``config/gateway.py``, ``config/clusters.py`` ...). The rules that
read more than their section are grouped by concern: the gateway section's (``config/gateway_rules.py``), a local
stack's (``config/local_rules.py``), who reaches what (``config/access_rules.py``), images
(``config/image_rules.py``), and teams and declared clusters (``config/workload_rules.py``). ``PlatformConfig``
runs them all after the sections are valid, and each problem is reported at the key it is about, so the user sees
one line with that key and its value.
"""

from __future__ import annotations

from collections.abc import Callable

from pydantic import ValidationError, model_validator

from config import access_rules, image_rules, workload_rules
from config.gateway_rules import extra_options, gateway_exposure, gateway_option_bounds, jupyterhub
from config.local_rules import local_stack
from config.monitoring import monitoring_problems
from config.sections import PlatformSections
from config.team_limits import team_gateway_limits
from config.types import Problems


class PlatformConfig(PlatformSections):
    """The stack config, valid as a whole: its sections, and every rule between them."""

    @model_validator(mode="after")
    def _cross_section_rules(self) -> PlatformConfig:
        problems = [problem for rule in CROSS_SECTION_RULES for problem in rule(self)]
        if problems:
            raise ValidationError.from_exception_data("PlatformConfig", problems)
        return self


CROSS_SECTION_RULES: tuple[Callable[[PlatformSections], Problems], ...] = (
    lambda config: gateway_option_bounds(config.gateway),
    lambda config: extra_options(config.gateway),
    lambda config: jupyterhub(config.gateway),
    access_rules.namespace_choices,
    access_rules.namespace_roles,
    access_rules.admission_exemptions,
    access_rules.operator_scope,
    image_rules.catalog_and_gateway,
    workload_rules.teams,
    lambda config: team_gateway_limits(config.gateway, config.teams, list(config.images.profiles)),
    workload_rules.clusters,
    lambda config: workload_rules.cluster_shapes(config.clusters),
    lambda config: workload_rules.unique_names(config.clusters),
    workload_rules.quotas,
    workload_rules.user_quotas,
    access_rules.auth_and_session,
    lambda config: gateway_exposure(config.gateway),
    lambda config: workload_rules.scheduler_exposure(config.clusters),
    access_rules.target_cluster,
    image_rules.pull_policies,
    image_rules.images_targets,
    local_stack,
    access_rules.smoke_check,
    lambda config: monitoring_problems(config.monitoring, config.user_namespaces),
)


def secret_problems(config: PlatformConfig, secrets_set: frozenset[str]) -> list[tuple[str, object, str]]:
    """Rules between the config and the secret keys a stack sets: (key path, its value, what is wrong and what to
    do)."""
    problems: list[tuple[str, object, str]] = []
    if config.is_prod and config.gateway.auth.type == "simple" and "gatewayPassword" not in secrets_set:
        problems.append(
            (
                "gateway.auth.type",
                "simple",
                "prod needs a password; set it with `pulumi config set --secret dask-platform:gatewayPassword`, "
                "or use type 'jupyterhub'",
            )
        )
    if config.gateway.auth.type == "jupyterhub":
        hub = config.gateway.auth.jupyterhub
        from_secret_config = "jupyterhubApiToken" in secrets_set
        if from_secret_config == (hub.api_token_secret_name is not None):
            problems.append(
                (
                    "gateway.auth.jupyterhub.apiTokenSecretName",
                    hub.api_token_secret_name,
                    "name the token's source once: an existing Secret in the gateway namespace here, or the secret "
                    "dask-platform:jupyterhubApiToken",
                )
            )
    if (config.images.registry_username is None) == ("registryPassword" in secrets_set):
        problems.append(
            (
                "images.registryUsername",
                config.images.registry_username,
                "goes together with the secret dask-platform:registryPassword: set both to log in to "
                f"{config.images.registry}, or neither to use the build host's own docker login",
            )
        )
    return problems
