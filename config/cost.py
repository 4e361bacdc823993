"""Cost attribution: the label keys every Dask pod carries (``dask-platform:costLabels``)."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator

from config.types import ConfigModel, LabelKey

COST_LABEL_PREFIX = "dask-platform.io"
USER_LABEL = f"{COST_LABEL_PREFIX}/user"
TEAM_LABEL = f"{COST_LABEL_PREFIX}/team"
CLUSTER_LABEL = f"{COST_LABEL_PREFIX}/cluster"
PROFILE_LABEL = f"{COST_LABEL_PREFIX}/profile"
PLATFORM_COST_LABELS = (USER_LABEL, TEAM_LABEL, CLUSTER_LABEL, PROFILE_LABEL)


def _not_a_platform_key(value: str) -> str:
    if value in PLATFORM_COST_LABELS:
        raise ValueError(f"is one of the platform's own cost labels ({', '.join(PLATFORM_COST_LABELS)}); pick another")
    return value


class CostLabelsConfig(ConfigModel):
    """Every Dask pod carries `dask-platform.io/user`, `/team`, `/cluster` and `/profile` (docs/operating.md)."""

    cost_center_key: Annotated[LabelKey, AfterValidator(_not_a_platform_key)] = f"{COST_LABEL_PREFIX}/cost-center"
    """The label key of a team's `costCenter` on its pods, as the organisation's cost tools expect it."""
