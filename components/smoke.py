"""The smoke check: a Job that computes on a real gateway cluster, which ``pulumi up`` waits for."""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
import pulumi_kubernetes as k8s

from components.kubernetes import KubernetesComponent, declare, secret_from_config
from render.platform import SmokeCheckSpec
from render.smoke import first_worker_seconds


class SmokeCheck(KubernetesComponent):
    """The check's module ConfigMap, its ServiceAccount with access to its result ConfigMap only, its copy of the
    gateway password, and the Job; then the result, read back once the Job has completed.

    pulumi-kubernetes waits for a Job until it completes and fails the update when the Job fails (unless the
    Job carries ``pulumi.com/skipAwait``, which this one never does), so a platform that cannot compute fails
    the deploy. The Job waits for exactly what it tests, ``platform`` (the gateway and operator releases and the
    image builds its pods run), besides its own namespace and objects.
    """

    def __init__(
        self,
        name: str,
        spec: SmokeCheckSpec,
        password: pulumi.Output[str] | None,
        namespace: pulumi.Resource,
        platform: Sequence[pulumi.Resource],
        provider: k8s.Provider,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("dask-platform:smoke:SmokeCheck", name, provider, opts)
        objects = spec.objects
        in_namespace = self.after(namespace)
        account = declare(f"{name}-account", objects.service_account, in_namespace)
        role = declare(f"{name}-role", objects.role, in_namespace)
        binding = declare(
            f"{name}-binding",
            objects.role_binding,
            self.after(role, account),
        )
        # The Job writes the data; the program must never put it back to empty.
        result = declare(
            f"{name}-result",
            objects.result,
            pulumi.ResourceOptions.merge(in_namespace, pulumi.ResourceOptions(ignore_changes=["data"])),
        )
        module = declare(f"{name}-module", objects.module, in_namespace)
        needs: list[pulumi.Resource] = [namespace, account, binding, result, module, *platform]
        if spec.password_secret is not None:
            needs.append(secret_from_config(f"{name}-password", spec.password_secret, password, in_namespace))
        self.job = declare(f"{name}-job", objects.job, self.after(*needs))
        # The id comes from the Job's outputs: unknown in a preview that creates the Job, so the read waits for
        # the update, where it runs after the Job has completed.
        result_id = self.job.id.apply(lambda _: f"{objects.namespace}/{objects.result['metadata']['name']}")
        written = k8s.core.v1.ConfigMap.get(
            f"{name}-written",
            result_id,
            opts=self.after(self.job),
        )
        self.job_name = objects.job_name
        self.first_worker_seconds: pulumi.Output[float | None] = written.data.apply(first_worker_seconds)
        self.register_outputs({"job": objects.job_name, "firstWorkerSeconds": self.first_worker_seconds})
