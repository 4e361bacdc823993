"""The local stack's smoke check as plain data: a one-shot container per gateway container, on the gateway's own
image (which has the dask_gateway client and distributed), running the same ``shipped/smoke_check.py`` as the
Kubernetes Job against the gateway's name on the Docker network.

The container's name ends in a digest of the gateway container it checks and of its own settings and module, so
that an unchanged stack leaves the finished container alone and any change runs the check again.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from config.platform import PlatformConfig
from render.local import CLIENT_AUTH_FILE, GATEWAY_PORT, ContainerRun, LocalContainer, SecretFile
from render.smoke import SMOKE_USER, STARTUP_ALLOWANCE, smoke_module_source
from shipped.smoke_check import DATA_ENV, SmokeCheckData

MODULE_PATH = "/tmp/smoke_check.py"
"""Where the module is copied into the container before it starts (a directory every image has)."""


@dataclass(frozen=True)
class LocalSmokeCheck(ContainerRun):
    gateway: str
    """The gateway container this check waits for and computes on."""
    module: str


def _check_for(config: PlatformConfig, gateway: LocalContainer) -> LocalSmokeCheck:
    address = f"http://{gateway.aliases[0] if gateway.aliases else gateway.name}:{GATEWAY_PORT}"
    data: SmokeCheckData = {"timeoutSeconds": float(config.smoke_check.timeout_seconds - STARTUP_ALLOWANCE)}
    env = {
        "DASK_GATEWAY__ADDRESS": address,
        "DASK_GATEWAY__AUTH__TYPE": "basic",
        "DASK_GATEWAY__AUTH__KWARGS__USERNAME": SMOKE_USER,
        DATA_ENV: json.dumps(data, sort_keys=True),
    }
    module = smoke_module_source()
    document = json.dumps({"gateway": asdict(gateway), "env": env, "module": module}, sort_keys=True)
    digest = hashlib.sha256(document.encode()).hexdigest()[:10]
    return LocalSmokeCheck(
        name=f"{gateway.name}-smoke-check-{digest}",
        gateway=gateway.name,
        image=gateway.image,
        image_key=gateway.image_key,
        command=("python", MODULE_PATH),
        env=env,
        secret_files=(SecretFile(CLIENT_AUTH_FILE, "dask-config"),),
        module=module,
        network=gateway.network,
    )


def local_smoke_checks(config: PlatformConfig, gateways: Sequence[LocalContainer]) -> list[LocalSmokeCheck]:
    """One check per gateway container, or none when the stack turns the check off."""
    if not config.smoke_check_enabled:
        return []
    return [_check_for(config, gateway) for gateway in gateways]
