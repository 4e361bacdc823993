"""Building blocks shared by every section of the stack config: the base model, validated scalar types and the
versions the platform pins by default."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator
from pydantic.alias_generators import to_camel
from pydantic_core import InitErrorDetails, PydanticCustomError

from config.quantities import gateway_memory_bytes, kubernetes_quantity, positive_kubernetes_quantity
from shipped.patterns import DNS_LABEL, LABEL_NAME, LABEL_VALUE

DASK_HELM_REPOSITORY = "https://helm.dask.org"
DASK_GATEWAY_VERSION = "2026.3.0"
"""The gateway chart and the dask-gateway every image installs: one version, so clients and clusters agree."""
DASK_OPERATOR_VERSION = "2026.3.0"


class ConfigModel(BaseModel):
    """Stack keys are camelCase like Pulumi's own; unknown keys are errors, not silently ignored."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="forbid",
        frozen=True,
        # NaN and infinities compare false with every bound and are not JSON: every number in a stack is finite.
        allow_inf_nan=False,
        # A field's docstring is its description: docs/configuration.md is generated from them.
        use_attribute_docstrings=True,
    )


def _check_positive_quantity(value: str) -> str:
    positive_kubernetes_quantity(value)
    return value


def _number_as_text(value: Any) -> Any:
    """YAML reads ``cpu: 2`` as a number; Kubernetes takes it as the quantity "2"."""
    return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value


def _check_gateway_memory(value: str) -> str:
    gateway_memory_bytes(value)
    return value


def matching(pattern: str, allowed: str) -> AfterValidator:
    compiled = re.compile(pattern)

    def check(value: str) -> str:
        if not compiled.fullmatch(value):
            raise ValueError(f"must be {allowed}")
        return value

    return AfterValidator(check)


KubernetesName = Annotated[
    str,
    matching(
        DNS_LABEL,
        "a Kubernetes name: at most 63 lowercase letters, digits and '-', starting and ending with a letter or digit",
    ),
]
ExactVersion = Annotated[
    str,
    matching(r"\d+\.\d+\.\d+", "an exact version such as 2026.3.0 (no range, no 'latest')"),
]
ImageTag = Annotated[
    str,
    matching(r"[\w][\w.-]{0,127}", "an image tag: letters, digits, '_', '.' and '-'"),
]
HttpsUrl = Annotated[str, matching(r"(https|oci)://\S+", "an https:// or oci:// URL")]
PositiveQuantity = Annotated[str, BeforeValidator(_number_as_text), AfterValidator(_check_positive_quantity)]
"""A CPU or memory amount: a Kubernetes quantity above zero."""

_DNS_SUBDOMAIN = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*"


def _check_label_key(value: str) -> str:
    prefix, _, name = value.rpartition("/")
    if (prefix and (len(prefix) > 253 or not re.fullmatch(_DNS_SUBDOMAIN, prefix))) or not re.fullmatch(
        LABEL_NAME, name
    ):
        raise ValueError(
            "must be a Kubernetes label or annotation key: an optional DNS prefix and '/', then at most 63 letters, "
            "digits, '-', '_' and '.', starting and ending with a letter or digit, such as example.com/team"
        )
    return value


LabelKey = Annotated[str, AfterValidator(_check_label_key)]
LabelValue = Annotated[
    str,
    BeforeValidator(_number_as_text),
    matching(
        LABEL_VALUE,
        "a Kubernetes label value: at most 63 letters, digits, '-', '_' and '.', starting and ending with a letter "
        "or digit, or empty",
    ),
]
EnvName = Annotated[
    str,
    matching(
        r"[-._a-zA-Z][-._a-zA-Z0-9]*",
        "an environment variable name: letters, digits, '_', '-' and '.', not starting with a digit",
    ),
]
Labels = dict[LabelKey, LabelValue]
Annotations = dict[LabelKey, str]
EnvValues = dict[EnvName, str]
NonEmpty = Annotated[str, Field(min_length=1)]
SecretKey = Annotated[
    str, matching(r"[-._a-zA-Z0-9]+", "a key of a Kubernetes Secret: letters, digits, '-', '_' and '.', not empty")
]
GatewayMemory = Annotated[str, AfterValidator(_check_gateway_memory)]


class ChartConfig(ConfigModel):
    version: ExactVersion
    """An exact chart version."""
    repository: HttpsUrl = DASK_HELM_REPOSITORY
    """The chart repository, `https://` or `oci://`."""


class ResourceAmounts(ConfigModel):
    cpu: PositiveQuantity
    memory: PositiveQuantity


class Resources(ConfigModel):
    requests: ResourceAmounts
    limits: ResourceAmounts

    @model_validator(mode="after")
    def _limits_cover_requests(self) -> Resources:
        for name in ("cpu", "memory"):
            request = getattr(self.requests, name)
            limit = getattr(self.limits, name)
            if kubernetes_quantity(limit) < kubernetes_quantity(request):
                raise ValueError(f"limits.{name} {limit!r} is below requests.{name} {request!r}")
        return self


def resources_of(cpu: str, memory: str, cpu_limit: str, memory_limit: str) -> Resources:
    return Resources(
        requests=ResourceAmounts(cpu=cpu, memory=memory),
        limits=ResourceAmounts(cpu=cpu_limit, memory=memory_limit),
    )


EXTERNAL_SERVICE_TYPES = ("NodePort", "LoadBalancer")
"""Service types that expose a port outside the cluster, which a stack opts in to."""

Problems = Iterator[InitErrorDetails]
"""What a rule yields: each problem at the key it is about."""


def cross_section_problem(location: tuple[str | int, ...], value: Any, message: str) -> InitErrorDetails:
    """A problem that involves several sections, reported at the key it is about so the error shows that value.

    The message goes in through the context, so that braces in it are never read as placeholders.
    """
    return InitErrorDetails(
        type=PydanticCustomError("cross_section", "{message}", {"message": message}),
        loc=location,
        input=value,
    )
