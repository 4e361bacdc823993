"""CPU and memory arithmetic, delegated to the parsers of the systems that will read the values.

Two conventions meet in this platform and must not be mixed up:

* Kubernetes quantities (``500m``, ``1Gi``, ``2G``) in pod resources, quotas and limit ranges, parsed with
  the Kubernetes client's own ``parse_quantity``.
* dask-gateway memory sizes (``"2 G"``) in cluster options, where the gateway itself reads ``K``, ``M``,
  ``G`` and ``T`` as powers of 1024. Bounds in a stack file are parsed with the gateway's own parser so
  that ``max: 8 G`` in the stack means exactly what a user typing ``worker_memory="8 G"`` gets.
"""

from __future__ import annotations

from decimal import Decimal

from dask_gateway_server.traitlets import MemoryLimit
from kubernetes.utils import parse_quantity
from traitlets import TraitError

_GATEWAY_MEMORY = MemoryLimit()


def kubernetes_quantity(value: str | int | float) -> Decimal:
    """The numeric value of a Kubernetes quantity; ValueError with the accepted forms otherwise."""
    try:
        return Decimal(parse_quantity(value))
    except (ValueError, TypeError) as error:
        raise ValueError(
            f"{value!r} is not a Kubernetes quantity; use a number with an optional suffix "
            "such as 500m, 2, 512Mi, 4Gi or 2G"
        ) from error


def gateway_memory_bytes(value: str | int | float) -> int:
    """Bytes for a dask-gateway memory size such as ``"2 G"``, read the way dask-gateway-server reads it."""
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a memory size")
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
