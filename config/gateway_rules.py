"""Rules that read the gateway section alone, across its parts: option bounds against the cluster limits,
admin-declared options and their targets, JupyterHub auth against the chart version, and a Service exposed outside
the cluster. ``config/platform.py`` runs them with the other cross-section rules, in the order it reports them."""

from __future__ import annotations

import re

from config.gateway import (
    BUILT_IN_OPTIONS,
    DEFAULT_MAX_LENGTH,
    FREE_TEXT_HELP,
    FREE_TEXT_PATTERN,
    ExtraOption,
    GatewayConfig,
)
from config.quantities import gateway_memory_bytes
from config.types import EXTERNAL_SERVICE_TYPES, Problems, cross_section_problem
from shipped.patterns import LABEL_VALUE

JUPYTERHUB_SERVICE_CHART = (2026, 3, 0)
"""The oldest gateway chart known to take gateway.auth.jupyterhub.jupyterhubServiceName (2024.1.0 refuses it)."""


def gateway_option_bounds(gateway: GatewayConfig) -> Problems:
    options = gateway.cluster_options
    cores_max = ("gateway", "clusterOptions", "workerCores", "max")
    if options.worker_cores.max > options.worker_cores_limit.max:
        yield cross_section_problem(
            cores_max,
            options.worker_cores.max,
            f"is above clusterOptions.workerCoresLimit.max {options.worker_cores_limit.max}: a limit raised to its "
            "request would leave the allowed range",
        )
    if options.worker_cores.max > gateway.cluster_max_cores:
        yield cross_section_problem(
            cores_max, options.worker_cores.max, f"is above gateway.clusterMaxCores {gateway.cluster_max_cores}"
        )
    if gateway_memory_bytes(options.worker_memory.max) > gateway_memory_bytes(gateway.cluster_max_memory):
        yield cross_section_problem(
            ("gateway", "clusterOptions", "workerMemory", "max"),
            options.worker_memory.max,
            f"is above gateway.clusterMaxMemory {gateway.cluster_max_memory!r}",
        )
    explicit = not gateway.image.from_catalog
    if options.allowed_images and explicit and gateway.image.reference not in options.allowed_images:
        yield cross_section_problem(
            ("gateway", "clusterOptions", "allowedImages"),
            options.allowed_images,
            f"must include the default image {gateway.image.reference!r} (gateway.image)",
        )


def extra_options(gateway: GatewayConfig) -> Problems:
    seen: set[str] = set()
    for index, option in enumerate(gateway.extra_options):
        at = ("gateway", "extraOptions", index)
        if option.name in BUILT_IN_OPTIONS or option.name in seen:
            yield cross_section_problem(
                (*at, "name"), option.name, "is taken by a built-in or an earlier option; pick another name"
            )
        seen.add(option.name)
        yield from _option_value_problems(option, at)
        yield from _option_target_problems(gateway, option, at)


def _option_value_problems(option: ExtraOption, at: tuple[str | int, ...]) -> Problems:
    numeric = option.type in ("integer", "float")
    if numeric and (option.min is None or option.max is None):
        yield cross_section_problem(
            (*at, "max" if option.min is not None else "min"), None, f"an {option.type} option needs min and max"
        )
    elif numeric and option.min is not None and option.max is not None:
        default = option.default
        whole = option.type != "integer" or (
            isinstance(default, int) and float(option.min).is_integer() and float(option.max).is_integer()
        )
        if isinstance(default, bool) or not isinstance(default, int | float) or not whole:
            yield cross_section_problem(
                (*at, "default"), default, f"must be a number of the option's type {option.type}"
            )
        elif not option.min <= default <= option.max:
            yield cross_section_problem(
                (*at, "default"), default, f"must be within min {option.min} and max {option.max}"
            )
    if not numeric and (option.min is not None or option.max is not None):
        yield cross_section_problem((*at, "min"), option.min, f"a {option.type} option takes no min or max")
    if option.type == "bool" and not isinstance(option.default, bool):
        yield cross_section_problem((*at, "default"), option.default, "a bool option's default is true or false")
    if option.type == "string":
        if not isinstance(option.default, str):
            yield cross_section_problem((*at, "default"), option.default, "a string option's default is text")
        elif option.choices and option.default not in option.choices:
            yield cross_section_problem(
                (*at, "default"), option.default, f"must be one of the choices {', '.join(option.choices)}"
            )
        elif not option.choices:
            yield from _free_text_problems(option, at)
    elif option.choices:
        yield cross_section_problem((*at, "choices"), option.choices, "only string options have choices")
    if option.max_length is not None and (option.type != "string" or option.choices):
        yield cross_section_problem(
            (*at, "maxLength"), option.max_length, "only string options without choices take free text to cap"
        )
    for choice in option.choices:
        if not re.fullmatch(FREE_TEXT_PATTERN, choice):
            yield cross_section_problem((*at, "choices"), choice, f"may contain only {FREE_TEXT_HELP}")


def _free_text_problems(option: ExtraOption, at: tuple[str | int, ...]) -> Problems:
    default = str(option.default)
    cap = option.max_length or DEFAULT_MAX_LENGTH
    if len(default) > cap:
        yield cross_section_problem((*at, "default"), default, f"is longer than the option's {cap} characters")
    elif not re.fullmatch(FREE_TEXT_PATTERN, default):
        yield cross_section_problem((*at, "default"), default, f"may contain only {FREE_TEXT_HELP}")


def _option_target_problems(gateway: GatewayConfig, option: ExtraOption, at: tuple[str | int, ...]) -> Problems:
    field = option.goes_to.cluster_config
    where = (*at, "goesTo", "clusterConfig")
    if field == "cluster_max_workers" and (option.type != "integer" or (option.max or 0) > gateway.cluster_max_workers):
        yield cross_section_problem(
            where,
            field,
            f"needs an integer option with max at most gateway.clusterMaxWorkers {gateway.cluster_max_workers}",
        )
    if field == "scheduler_cores" and (
        option.type not in ("integer", "float") or (option.max or 0) > gateway.cluster_max_cores
    ):
        yield cross_section_problem(
            where, field, f"needs a number option with max at most gateway.clusterMaxCores {gateway.cluster_max_cores}"
        )
    if field == "scheduler_memory":
        sizes: list[int] = []
        for choice in option.choices:
            try:
                sizes.append(gateway_memory_bytes(choice))
            except ValueError as error:
                yield cross_section_problem((*at, "choices"), choice, str(error))
        if option.type != "string" or not option.choices:
            yield cross_section_problem(where, field, "needs a string option whose choices are sizes such as '4 G'")
        elif sizes and max(sizes) > gateway_memory_bytes(gateway.cluster_max_memory):
            yield cross_section_problem(
                (*at, "choices"), option.choices, f"go above gateway.clusterMaxMemory {gateway.cluster_max_memory!r}"
            )
    if option.goes_to.label is not None and option.choices:
        for choice in option.choices:
            if not re.fullmatch(LABEL_VALUE, choice):
                yield cross_section_problem(
                    (*at, "choices"), choice, "becomes a label value: at most 63 letters, digits, '-', '_' and '.'"
                )


def gateway_exposure(gateway: GatewayConfig) -> Problems:
    service = gateway.service
    if service.type in EXTERNAL_SERVICE_TYPES and not service.allow_external:
        yield cross_section_problem(
            ("gateway", "service", "type"),
            service.type,
            "exposes the gateway outside the cluster; set gateway.service.allowExternal: true if that is intended",
        )


def jupyterhub(gateway: GatewayConfig) -> Problems:
    auth = gateway.auth
    if auth.type != "jupyterhub":
        return
    hub = auth.jupyterhub
    version = gateway.chart.version
    if tuple(int(part) for part in version.split(".")) < JUPYTERHUB_SERVICE_CHART:
        yield cross_section_problem(
            ("gateway", "chart", "version"),
            version,
            "JupyterHub auth needs a gateway chart that takes the JupyterHub service name, "
            f"{'.'.join(map(str, JUPYTERHUB_SERVICE_CHART))} or newer",
        )
    for key, value in (("apiUrl", hub.api_url), ("serviceName", hub.service_name)):
        if value is None:
            yield cross_section_problem(
                ("gateway", "auth", "jupyterhub", key),
                None,
                "JupyterHub auth needs both apiUrl and serviceName: the hub may live in another namespace, and only "
                "the gateway service's own token should be accepted",
            )
