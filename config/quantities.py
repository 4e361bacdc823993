"""CPU and memory arithmetic, delegated to the parsers of the systems that will read the values.

Two conventions meet in this platform and must not be mixed up:

* Kubernetes quantities (``500m``, ``1Gi``, ``2G``) in pod resources, quotas and limit ranges, parsed with
  the Kubernetes client's own ``parse_quantity``.
* dask-gateway memory sizes (``"2 G"``) in cluster options, where the gateway itself reads ``K``, ``M``,
  ``G`` and ``T`` as powers of 1024. Bounds in a stack file are parsed with the gateway's own parser so
  that ``max: 8 G`` in the stack means exactly what a user typing ``worker_memory="8 G"`` gets.
"""

from __future__ import annotations

import re
from decimal import Decimal

from dask_gateway_server.traitlets import MemoryLimit
from kubernetes.utils import parse_quantity
from traitlets import TraitError

_GATEWAY_MEMORY = MemoryLimit()
# The API server's own grammar for quantities; the Python client's parser is laxer (it accepts "1 G").
_KUBERNETES_GRAMMAR = re.compile(r"[+-]?[0-9.]+([eEinumkKMGTP]*[-+]?[0-9]*)")
_KUBERNETES_SUFFIX = re.compile(r"\s*(?P<number>\d+(\.\d+)?)\s*(?P<unit>[KMGT])i\s*")


def kubernetes_quantity(value: str | int | float) -> Decimal:
    """The numeric value of a Kubernetes quantity; ValueError with the accepted forms otherwise."""
    if isinstance(value, str) and " " in value.strip() and _KUBERNETES_GRAMMAR.fullmatch(value.replace(" ", "")):
        raise ValueError(
            f"{value!r} is written the gateway's way; a Kubernetes quantity has no space: "
            f"{value.replace(' ', '')} (powers of 1000) or {value.replace(' ', '')}i (powers of 1024)"
        )
    try:
        if isinstance(value, str) and not _KUBERNETES_GRAMMAR.fullmatch(value):
            raise ValueError(value)
        return Decimal(parse_quantity(value))
    except (ValueError, TypeError) as error:
        raise ValueError(
            f"{value!r} is not a Kubernetes quantity; use a number with an optional suffix "
            "such as 500m, 2, 512Mi, 4Gi or 2G"
        ) from error


def positive_kubernetes_quantity(value: str | int | float) -> Decimal:
    """A Kubernetes quantity above zero: a CPU or memory amount that can hold a container."""
    amount = kubernetes_quantity(value)
    if amount <= 0:
        raise ValueError(f"{value!r} must be above zero")
    return amount


def gateway_memory_bytes(value: str | int | float) -> int:
    """Bytes for a dask-gateway memory size such as ``"2 G"``, read the way dask-gateway-server reads it."""
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a memory size")
    kubernetes_style = _KUBERNETES_SUFFIX.fullmatch(value) if isinstance(value, str) else None
    if kubernetes_style:
        raise ValueError(
            f"{value!r} is a Kubernetes quantity; the gateway writes sizes as a number and K, M, G or T "
            f"(powers of 1024), such as '{kubernetes_style['number']} {kubernetes_style['unit']}'"
        )
    try:
        parsed = int(_GATEWAY_MEMORY.validate(None, value.strip() if isinstance(value, str) else value))
    except (TraitError, ValueError, TypeError, IndexError) as error:
        raise ValueError(
            f"{value!r} is not a memory size; use a number of bytes or a number with the suffix "
            "K, M, G or T (powers of 1024), such as '2 G'"
        ) from error
    if parsed <= 0:
        raise ValueError(f"{value!r} is not a positive memory size")
    return parsed
