"""The pulumi-policy wrappers around the rules of ``policy/registry.py``, and the stack context the pack runs with.

``pulumi preview --policy-pack policy`` starts ``policy/__main__.py`` with the previewed stack's name
(``PULUMI_STACK``) and config (``PULUMI_CONFIG``). The pack reads that config through the program's own typed
model, so rules see the same intent as the program: dev or prod (``dask-platform:environment``, prod when unset),
the image registry, cluster-wide access, an explicit LoadBalancer. When the CLI passes no config, the pack reads
``Pulumi.<stack>.yaml`` the way the offline plan does. Every rule is mandatory in prod; in dev the rules that
only matter for production are advisory (``Rule.dev_enforcement``).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from pulumi.runtime import config as runtime_config
from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UnknownValueError

from config.platform import PlatformConfig
from config.stack import PROJECT, PROJECT_DIR, SECRET_KEYS, read_stack
from policy.model import PolicyContext, Resource, Rule, context_from_config
from policy.registry import RULES

StackConfig = tuple[dict[str, str], list[str]]
"""Config as the CLI passes it (JSON text per full key) and the keys that are secret: a variant in tests."""

PACK_NAME = "dask-platform"

IMAGE_PREFIXES_KEY = "allowedImagePrefixes"
CHART_REPOSITORIES_KEY = "allowedRepositories"
_STRING_LIST = {"type": "array", "items": {"type": "string"}}

# Lists a team may extend per pack run with `--policy-pack-config`, next to the defaults in policy/model.py.
_PACK_CONFIG: dict[str, tuple[str, str]] = {
    "images-pinned-and-allowed": (IMAGE_PREFIXES_KEY, "allowed_image_prefixes"),
    "helm-chart-pinned": (CHART_REPOSITORIES_KEY, "allowed_chart_repositories"),
}


def _read_stack_config(stack: str | None, project_dir: Path, config: StackConfig | None) -> PlatformConfig:
    values, secret_keys = config or (runtime_config.get_config_env(), runtime_config.get_config_secret_keys_env())
    if not any(key.startswith(f"{PROJECT}:") for key in values):
        if stack is None:
            # Not run for a stack (e.g. `pulumi policy publish`): the strict defaults, without the checks that
            # need a stack's own settings (prod asks for an explicit Kubernetes context).
            return PlatformConfig.model_construct()
        return read_stack(project_dir / f"Pulumi.{stack}.yaml")
    # The pack needs no secret's value, and the CLI need not say which keys it decrypted.
    secret_keys = [*secret_keys, *(f"{PROJECT}:{key}" for key in SECRET_KEYS)]
    return read_stack(project_dir / f"Pulumi.{stack or '<stack>'}.yaml", values=values, secret_keys=secret_keys)


def stack_platform_config(
    stack: str | None = None, project_dir: Path = PROJECT_DIR, config: StackConfig | None = None
) -> PlatformConfig:
    """The typed config of the stack being previewed; raises ConfigError exactly as the program would.

    ``config`` replaces what the CLI or the stack file says, like the offline plan's argument.
    """
    if stack is None and os.environ.get("PULUMI_STACK"):
        stack = os.environ["PULUMI_STACK"].rsplit("/", 1)[-1]
    return _read_stack_config(stack, project_dir, config)


def _with_pack_config(rule: Rule, context: PolicyContext, config: Mapping[str, Any]) -> PolicyContext:
    if rule.name not in _PACK_CONFIG:
        return context
    key, field = _PACK_CONFIG[rule.name]
    extra = tuple(str(item) for item in config.get(key) or ())
    return dataclasses.replace(context, **{field: getattr(context, field) + extra})


def _resource_validation(
    rule: Rule, context: PolicyContext
) -> Callable[[ResourceValidationArgs, ReportViolation], None]:
    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        resource = Resource(urn=args.urn, type=args.resource_type, name=args.name, inputs=args.props)
        for violation in rule.check_resource(resource, _with_pack_config(rule, context, args.get_config())):
            report_violation(violation.message, violation.urn)

    return validate


def _known(value: Any) -> Any:
    """Plain data with values unknown during preview as None, so one image still being built (its reference
    unknown) does not keep a stack rule from checking all the others."""
    if isinstance(value, Mapping):
        return {key: _known_item(value, key) for key in value}
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        return [_known_item(value, index) for index in range(len(value))]
    return value


def _known_item(container: Any, key: Any) -> Any:
    try:
        return _known(container[key])
    except UnknownValueError:
        return None


def _stack_validation(rule: Rule, context: PolicyContext) -> Callable[[StackValidationArgs, ReportViolation], None]:
    def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
        resources = [
            Resource(urn=r.urn, type=r.resource_type, name=r.name, inputs=_known(r.props)) for r in args.resources
        ]
        for violation in rule.check_stack(resources, _with_pack_config(rule, context, args.get_config())):
            report_violation(violation.message, violation.urn)

    return validate


def build_policies(context: PolicyContext) -> list[Policy]:
    """One pulumi-policy policy per rule, enforced as the rule says for the stack's environment."""
    policies: list[Policy] = []
    for rule in RULES:
        mandatory = rule.enforcement(context.environment) == "mandatory"
        level = EnforcementLevel.MANDATORY if mandatory else EnforcementLevel.ADVISORY
        schema = None
        if rule.name in _PACK_CONFIG:
            schema = PolicyConfigSchema(properties={_PACK_CONFIG[rule.name][0]: _STRING_LIST})
        common: dict[str, Any] = {
            "name": rule.name,
            "description": rule.description,
            "enforcement_level": level,
            "config_schema": schema,
        }
        if rule.stack_check is not None:
            policies.append(StackValidationPolicy(validate=_stack_validation(rule, context), **common))
        else:
            policies.append(ResourceValidationPolicy(validate=_resource_validation(rule, context), **common))
    return policies


def stack_context(
    stack: str | None = None, project_dir: Path = PROJECT_DIR, config: StackConfig | None = None
) -> PolicyContext:
    return context_from_config(stack_platform_config(stack, project_dir, config))
