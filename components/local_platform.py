"""LocalPlatform: the local stack's rendered images and containers (``render/local_platform.py``), on Docker."""

from __future__ import annotations

import pulumi
import pulumi_random as random

from components.images import ImageCatalog
from components.local import LocalRuntime
from components.local_smoke import local_smoke_checks
from components.stack import LoadedStack
from render.local_platform import render_local_platform


class LocalPlatform(pulumi.ComponentResource):
    """No Kubernetes: the local images, loaded into this machine's Docker daemon, the containers that run them,
    and the smoke check containers."""

    def __init__(self, name: str, loaded: LoadedStack, opts: pulumi.ResourceOptions | None = None) -> None:
        # The same type as DaskPlatform: a local stack's resources have always been this type's children, and a
        # new type would give every one of them a new URN.
        super().__init__("dask-platform:index:DaskPlatform", name, None, opts)
        rendered = render_local_platform(loaded.platform)
        child = pulumi.ResourceOptions(parent=self)
        self.images = ImageCatalog(f"{name}-images", rendered.images, loaded.secrets, opts=child)
        password = loaded.secrets.gateway_password
        if password is None:
            # Never open by default: without the secret config, a password made on the first `pulumi up` and
            # kept, encrypted, in the stack's state.
            generated = random.RandomPassword(f"{name}-gateway-password", length=32, special=False, opts=child)
            password = pulumi.Output.secret(generated.result)
        local = LocalRuntime(f"{name}-local", rendered.runtime, self.images.images, password, opts=child)
        self.exports: dict[str, object] = {**rendered.exports, "gatewayPassword": password}
        if rendered.smoke_checks:
            self.exports["smokeCheck"] = local_smoke_checks(
                f"{name}-smoke",
                rendered.smoke_checks,
                self.images.images,
                local.containers,
                local.network,
                password,
                child,
            )
        self.register_outputs(self.exports)
