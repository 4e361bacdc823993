"""The image catalog: the stack's image matrix as plain image specs and lock specs (pure, no Pulumi).

Every image comes from one profile (a Python/Dask pair) and the one dask-gateway version, so a client, its
scheduler and its workers run the same versions by construction:

- base ``<registry>/dask/dask-gateway:<target>-py<python>-<dask>-<content>`` per profile and target;
- processors ``<registry>/dask/<processor>/<target>:py<python>-<dask>-<content>``, built FROM their profile's base;
- staging ``<registry>/dask/staging/<target>:py<python>-<dask>-<content>``, built FROM the staging base;
- Jupyter ``<registry>/dask/jupyter:py<python>-<content>``, one kernel per profile.

``<content>`` is the start of a SHA-256 over everything that makes the image: its Dockerfile, the lock files
and other files it installs, its build arguments and the content digest of the image it builds FROM. So a tag
changes when, and only when, what goes into the image changes, and an unchanged image is never rebuilt or
re-rolled. The readable part says which versions an image carries; the digest makes the tag immutable.

Lock files are named after the versions they pin, not after profiles, so stacks with different profiles (dev
trying a new Dask while prod stays) each find theirs. ``tools/lock.py`` writes them from ``lock_specs``; each
starts with a digest of its inputs, so a lock whose inputs changed is caught here as stale.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from config.gateway import GatewayConfig
from config.images import CATALOG_IMAGES, ImageProfile, ImagesConfig, ProcessorConfig, Target
from config.platform import PlatformConfig
from config.stack import PROJECT_DIR
from render.gateway_options import gateway_config_source, gateway_data_text, gateway_options_data
from render.image_spec import (
    TINI_VERSION,
    ImageKind,
    ImageSpec,
    Recipe,
    file_digest,
    json_digest,
    tagged_spec,
    version_key,
)
from render.jupyter_images import (
    JUPYTER_KERNEL_REQUIREMENTS,
    JUPYTER_REQUIREMENTS,
    jupyter_server_lock,
    jupyter_specs,
    kernel_lock,
)
from render.kernels import kernel_dask_configs
from render.names import LOCAL_PASSWORD_FILE, PASSWORD_ENV, PROMETHEUS_CLIENT_VERSION

LOCK_PLATFORM = "x86_64-manylinux_2_36"
"""The platform locks are resolved for: glibc 2.36 is Debian bookworm's, so every locked wheel runs on the images."""
LOCK_HEADER = "# dask-platform lock, inputs sha256:"

BASE_IMAGE = Recipe("images/base", "images/base/Dockerfile")
DERIVED_DOCKERFILE = "images/derived/Dockerfile"
PIP_INDEX_SECRET = "pip_extra_index_url"
"""The build secret (id) that carries a private package index URL to every ``pip install`` in the Dockerfiles."""

PINNED_TOGETHER = ("dask", "distributed", "dask-gateway")
"""The packages whose versions must be identical across a profile's images for clients to talk to clusters."""


@dataclass(frozen=True)
class LockSpec:
    """One lock file: what ``tools.lock`` resolves into it, for which Python."""

    path: str
    python: str
    requirements: tuple[str, ...] = ()
    requirement_files: tuple[str, ...] = ()
    constraints: tuple[str, ...] = ()
    """Locks whose pins this one must keep, so an image and the image it builds FROM never disagree."""


def base_requirements(profile: ImageProfile, dask_gateway_version: str) -> tuple[str, ...]:
    """What every image of a profile carries: Dask with arrays, dataframes and the dashboard, the client, and
    prometheus-client, with which schedulers and workers serve ``/metrics`` on their dashboard port."""
    return (
        f"dask[array,dataframe,diagnostics]=={profile.dask}",
        f"distributed=={profile.dask}",
        f"dask-gateway=={dask_gateway_version}",
        f"prometheus-client=={PROMETHEUS_CLIENT_VERSION}",
    )


def _base_lock(images: ImagesConfig, profile: ImageProfile, target: Target) -> str:
    return f"images/base/locks/{version_key(profile, images.dask_gateway_version)}-{target}.txt"


def _derived_lock(images: ImagesConfig, image: ProcessorConfig) -> str:
    folder = Path(image.requirements).parent
    return str(folder / "locks" / f"{version_key(images.profiles[image.profile], images.dask_gateway_version)}.txt")


def derived_images(images: ImagesConfig) -> dict[str, tuple[ImageKind, ProcessorConfig]]:
    """Images built FROM a base: staging (when configured) and every processor, by repository name."""
    derived: dict[str, tuple[ImageKind, ProcessorConfig]] = {}
    if images.staging is not None:
        derived["staging"] = ("staging", images.staging)
    derived.update({name: ("processor", processor) for name, processor in images.processors.items()})
    return derived


def lock_specs(images: ImagesConfig) -> list[LockSpec]:
    """Every lock the stack's images install, each after the locks it is constrained by."""
    gateway = images.dask_gateway_version
    specs: dict[str, LockSpec] = {}
    for profile in images.profiles.values():
        requirements = base_requirements(profile, gateway)
        k8s = LockSpec(_base_lock(images, profile, "k8s"), profile.python, requirements)
        local = LockSpec(
            _base_lock(images, profile, "local"),
            profile.python,
            (*requirements, f"dask-gateway-server[local]=={gateway}"),
            constraints=(k8s.path,),
        )
        specs.update({k8s.path: k8s, local.path: local})
    for _kind, image in derived_images(images).values():
        profile = images.profiles[image.profile]
        lock = LockSpec(
            _derived_lock(images, image),
            profile.python,
            base_requirements(profile, gateway),
            requirement_files=(image.requirements,),
            # The local base carries every pin of the k8s base too, so this fits both targets' bases.
            constraints=(_base_lock(images, profile, "local"),),
        )
        specs[lock.path] = lock
    if images.jupyter.enabled:
        for profile in images.profiles.values():
            kernel = LockSpec(
                kernel_lock(images, profile),
                profile.python,
                base_requirements(profile, gateway),
                requirement_files=(JUPYTER_KERNEL_REQUIREMENTS,),
                constraints=(_base_lock(images, profile, "k8s"),),
            )
            specs[kernel.path] = kernel
        server = jupyter_server_lock(images)
        # dask-labextension drives gateway clusters from the server: the default profile's client and its pins.
        default = images.profiles[images.default_profile]
        specs[server] = LockSpec(
            server,
            images.jupyter.python,
            (f"dask=={default.dask}", f"distributed=={default.dask}", f"dask-gateway=={gateway}"),
            requirement_files=(JUPYTER_REQUIREMENTS,),
            constraints=(_base_lock(images, default, "k8s"),),
        )
    return list(specs.values())


def lock_input_digest(lock: LockSpec, root: Path = PROJECT_DIR) -> str:
    """What a lock was resolved from: when this changes, the lock must be generated again."""
    return json_digest(
        {
            "python": lock.python,
            "platform": LOCK_PLATFORM,
            "requirements": lock.requirements,
            "files": {name: file_digest(root / name) for name in lock.requirement_files},
            "constraints": {name: file_digest(root / name) for name in lock.constraints},
        }
    )


_NOT_IN_IMAGE = re.compile(r"(^|/)(tests|locks|__pycache__|\.[^/]+|[^/]+\.egg-info)(/|$)|\.pyc$")


def _context_files(root: Path, context: str) -> list[str]:
    """Files of a derived image's folder that can reach the image: not its tests, caches or any lock."""
    folder = root / context
    files = [path.relative_to(root).as_posix() for path in folder.rglob("*") if path.is_file()]
    return [name for name in files if not _NOT_IN_IMAGE.search(name.removeprefix(context + "/"))]


def local_gateway_build_args(gateway: GatewayConfig) -> dict[str, str]:
    """What the ``local`` target's own dask-gateway-server runs with: the shipped configuration module and the
    stack's cluster options, for clusters that run as local processes.

    Local clusters have no image, so the image option is neither offered with a default nor restricted. A
    password is optional in the image: the file ``LOCAL_PASSWORD_FILE`` sets one when it is there (the local
    stack always writes it), else the container's ``DASK_GATEWAY_PASSWORD``.
    """
    any_image = gateway.cluster_options.model_copy(update={"allowed_images": []})
    data = gateway_options_data(
        gateway.model_copy(update={"cluster_options": any_image}),
        default_image="",
        backend="local",
        password_env=PASSWORD_ENV,
        password_file=LOCAL_PASSWORD_FILE,
    )
    return {"GATEWAY_CONFIG": gateway_config_source(), "GATEWAY_OPTIONS": gateway_data_text(data)}


def _base_spec(images: ImagesConfig, name: str, target: Target, gateway: GatewayConfig | None, root: Path) -> ImageSpec:
    profile = images.profiles[name]
    locks = [_base_lock(images, profile, "k8s")]
    build_args = {
        "PYTHON_VERSION": profile.python,
        # By digest, so the content tag covers what the image is built on.
        "PYTHON_BASE": profile.python_base(),
        "TINI_VERSION": TINI_VERSION,
        "DASK_VERSION": profile.dask,
        "DASK_GATEWAY_VERSION": images.dask_gateway_version,
        "LOCK": locks[0].removeprefix("images/base/"),
    }
    if target == "local":
        if gateway is None:
            raise ValueError("the local target's image carries the gateway's config: pass the gateway config")
        locks.append(_base_lock(images, profile, "local"))
        build_args["LOCAL_LOCK"] = locks[1].removeprefix("images/base/")
        build_args.update(local_gateway_build_args(gateway))
    return tagged_spec(
        root,
        BASE_IMAGE,
        key=f"base-{name}-{target}",
        kind="base",
        repository=f"{images.registry}/dask/dask-gateway",
        tag_prefix=f"{target}-py{profile.python}-{profile.dask}",
        build_args=build_args,
        locks=tuple(locks),
        stage=target,
        target=target,
        profile=name,
    )


def _derived_spec(
    images: ImagesConfig, name: str, kind: ImageKind, image: ProcessorConfig, base: ImageSpec, root: Path
) -> ImageSpec:
    profile = images.profiles[image.profile]
    context = Path(image.requirements).parent.as_posix()
    lock = _derived_lock(images, image)
    build_args = {
        "DASK_VERSION": profile.dask,
        "DASK_GATEWAY_VERSION": images.dask_gateway_version,
        "LOCK": Path(lock).relative_to(context).as_posix(),
    }
    target = base.target
    assert target is not None
    return tagged_spec(
        root,
        Recipe(context, DERIVED_DOCKERFILE),
        key=f"{kind}-{target}" if kind == "staging" else f"{kind}-{name}-{target}",
        kind=kind,
        repository=f"{images.registry}/dask/{name}/{target}",
        tag_prefix=f"py{profile.python}-{profile.dask}",
        build_args=build_args,
        locks=(lock,),
        # The requirements file never reaches the image; the lock resolved from it does (and moves with it).
        files=[name for name in _context_files(root, context) if name != image.requirements],
        base=base,
        target=target,
        profile=image.profile,
    )


def image_specs(
    images: ImagesConfig,
    gateway: GatewayConfig,
    root: Path = PROJECT_DIR,
    kernel_gateway_addresses: Mapping[str, str] | None = None,
    kernel_auth_type: str | None = None,
) -> list[ImageSpec]:
    """Every image of the stack, each after the image it builds FROM. ``kernel_gateway_addresses`` (by profile)
    and ``kernel_auth_type``: for kernels with a gateway of their own (``render.kernels.kernel_dask_configs``)."""
    bases = {
        (name, target): _base_spec(images, name, target, gateway, root)
        for name in images.profiles
        for target in images.targets
    }
    specs = list(bases.values())
    for target in images.targets:
        for name, (kind, image) in derived_images(images).items():
            specs.append(_derived_spec(images, name, kind, image, bases[(image.profile, target)], root))
    if images.jupyter.enabled:
        # Kernels come from the clusters' own images; a stack without Kubernetes has only the local ones.
        kernel_target: Target = "k8s" if "k8s" in images.targets else "local"
        kernel_bases = {name: bases[(name, kernel_target)] for name in images.profiles}
        configs = kernel_dask_configs(
            gateway,
            {name: spec.reference for name, spec in kernel_bases.items()},
            # A kernel with a gateway of its own (the local stack) runs its clusters as that gateway's processes.
            on_kubernetes=kernel_target == "k8s" and kernel_gateway_addresses is None,
            gateway_addresses=kernel_gateway_addresses,
            auth_type=kernel_auth_type,
        )
        # The Dask panes run in the server: where kernels have gateways of their own, they use the default profile's.
        server = configs[images.default_profile] if kernel_gateway_addresses is not None else {}
        specs += jupyter_specs(images, kernel_bases, configs, server, root)
    return specs


def profile_image(
    images: ImagesConfig,
    profile: str,
    target: Target = "k8s",
    gateway: GatewayConfig | None = None,
    root: Path = PROJECT_DIR,
) -> str:
    """The full reference of a profile's base image: what clusters of that profile run.

    The ``local`` target's image carries the gateway's config, so it needs ``gateway``; ``k8s`` does not.
    """
    if profile not in images.profiles:
        raise ValueError(f"no image profile {profile!r}; images.profiles has {', '.join(images.profiles)}")
    return _base_spec(images, profile, target, gateway, root).reference


def worker_images(specs: Iterable[ImageSpec]) -> list[str]:
    """The images a Kubernetes cluster can run: every k8s-target base, processor and staging image."""
    return [spec.reference for spec in specs if spec.target == "k8s"]


def with_catalog_images(config: PlatformConfig, specs: list[ImageSpec]) -> PlatformConfig:
    """``config`` with the catalog's images filled in, for everything declared from it.

    The gateway's default image becomes the k8s base of ``images.defaultProfile`` unless the stack names one,
    and the entry ``catalog`` in ``clusterOptions.allowedImages`` becomes every image the catalog builds for
    Kubernetes. The session's client image defaults to the gateway's default image, so it matches too.
    """
    gateway = config.gateway
    image = gateway.image
    if image.from_catalog:
        (default,) = (s for s in specs if s.key == f"base-{config.images.default_profile}-k8s")
        image = image.model_copy(update={"name": default.repository, "tag": default.tag})
    allowed: list[str] = []
    for entry in gateway.cluster_options.allowed_images:
        allowed += worker_images(specs) if entry == CATALOG_IMAGES else [entry]
    options = gateway.cluster_options.model_copy(update={"allowed_images": list(dict.fromkeys(allowed))})
    resolved = gateway.model_copy(update={"image": image, "cluster_options": options})
    return config.model_copy(update={"gateway": resolved})


_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;\\]+)", re.MULTILINE)


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def lock_pins(text: str) -> dict[str, str]:
    """Package name (canonical) -> pinned version, from a lock file's text."""
    return {_canonical(name): version for name, version in _PIN.findall(text)}


def check_catalog(images: ImagesConfig, root: Path = PROJECT_DIR) -> list[str]:
    """Problems that would make a build install something other than the config says, one message each."""
    problems: list[str] = []
    fix = "run `.venv/bin/python -m tools.lock` and commit the result"
    gateway = images.dask_gateway_version
    expected_by_lock: dict[str, dict[str, str]] = {}
    for name, profile in images.profiles.items():
        pins = {"dask": profile.dask, "distributed": profile.dask, "dask-gateway": gateway}
        paths = [_base_lock(images, profile, t) for t in ("k8s", "local")]
        paths += [_derived_lock(images, i) for _k, i in derived_images(images).values() if i.profile == name]
        if images.jupyter.enabled:
            paths.append(kernel_lock(images, profile))
        expected_by_lock.update(dict.fromkeys(paths, pins))
        if images.jupyter.enabled and name == images.default_profile:
            expected_by_lock[jupyter_server_lock(images)] = pins
    for lock in lock_specs(images):
        path = root / lock.path
        if not path.is_file():
            problems.append(f"{lock.path} is missing: {fix}")
            continue
        text = path.read_text()
        if not text.startswith(f"{LOCK_HEADER} {lock_input_digest(lock, root)}\n"):
            inputs = ", ".join([*lock.requirement_files, *lock.constraints]) or "the profile's versions"
            problems.append(f"{lock.path} is stale (its inputs changed: {inputs}): {fix}")
            continue
        pinned = lock_pins(text)
        for package, version in expected_by_lock.get(lock.path, {}).items():
            if pinned.get(package) != version:
                problems.append(f"{lock.path} pins {package} {pinned.get(package)}, the config says {version}: {fix}")
    return problems
