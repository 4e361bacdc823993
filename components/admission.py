"""The admission policy on user and team namespaces, and its binding."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components.kubernetes import KubernetesComponent, declare


class AdmissionPolicy(KubernetesComponent):
    """The ValidatingAdmissionPolicy (``render/admission.py``), then the binding that puts it in force: a binding
    to a policy that does not exist yet would enforce nothing."""

    def __init__(
        self,
        name: str,
        manifests: Sequence[Mapping[str, Any]],
        provider: k8s.Provider,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("dask-platform:admission:AdmissionPolicy", name, provider, opts)
        policy, binding = manifests
        self.policy = declare(f"{name}-policy", policy, self.child)
        self.binding = declare(
            f"{name}-binding",
            binding,
            self.after(self.policy),
        )
        self.register_outputs({"policy": policy["metadata"]["name"]})
