"""Who the admission policy on users' namespaces lets through unchecked: ``dask-platform:admission``."""

from __future__ import annotations

from pydantic import Field, field_validator

from config.types import ConfigModel

BROAD_GROUPS = ("system:authenticated", "system:unauthenticated", "system:serviceaccounts")
"""Groups that hold every user or every ServiceAccount: exempting one would switch the policy off."""


class AdmissionConfig(ConfigModel):
    enabled: bool = True
    """Declare the ValidatingAdmissionPolicy that keeps users from mounting gateway clusters' credentials, forging
    gateway labels and changing declared clusters (needs Kubernetes 1.30 or newer)."""
    exempt_groups: list[str] = Field(default_factory=lambda: ["system:masters"])
    """Groups the policy does not check: whoever runs `pulumi up` must be in one, or listed in `exemptUsers`, to
    update declared clusters. The gateway controller and the operator are always exempt."""
    exempt_users: list[str] = Field(default_factory=list)
    """User names the policy does not check, such as the deployer's (`system:serviceaccount:ci:deployer`)."""

    @field_validator("exempt_groups")
    @classmethod
    def _not_everyone(cls, groups: list[str]) -> list[str]:
        for group in groups:
            if group in BROAD_GROUPS:
                raise ValueError(f"{group!r} holds every user or ServiceAccount, which would switch the policy off")
        return groups

    @field_validator("exempt_groups", "exempt_users")
    @classmethod
    def _printable(cls, names: list[str]) -> list[str]:
        for name in names:
            if not name.strip() or not name.isprintable():
                raise ValueError(f"{name!r} is not a user or group name: it must be printable and not blank")
        return names
