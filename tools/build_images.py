"""Build the images a stack declares, with buildah, exactly as its offline plan says.

    python -m tools.build_images dev                      # plan the stack, build every image
    python -m tools.build_images dev --only processor-mockup-k8s   # that image and the images it is built FROM
    python -m tools.build_images dev --skip jupyter --plan build/plan/dev/resources.json

The only description of a build is the plan's ``docker-build:index:Image`` resources (``tools.plan``): tags,
context, Dockerfile, target and build arguments, which is what ``pulumi up`` hands to BuildKit. Images are
built in dependency order: an image whose Dockerfile starts FROM another image's tag (``BASE_IMAGE``) is
built after it. Every build uses ``buildah bud --format docker --layers``, so shared layers (one profile's
``k8s`` and ``local`` stages) are built once per run and reused. External bases the host cannot pull are
assembled as labelled stand-ins (``tools.standin_bases``); a base pinned by digest the host has only a
stand-in of is passed to the build by its build argument, as the stand-in's tag. Key of an image: its
resource name without the catalog's ``dask-images-`` prefix, e.g. ``base-processor-k8s``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import re
import shlex
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from config.stack import PROJECT_DIR
from tools.cli import exit_code
from tools.standin_bases import BaseImage, StandinError, canonical, ensure_base

IMAGE_TYPE = "docker-build:index:Image"
KEY_PREFIX = "dask-images-"
LOG_TAIL_LINES = 60


class BuildError(RuntimeError):
    """An image could not be built; the message names the image and ends with the tail of its build log."""


@dataclass(frozen=True)
class ImageBuild:
    """One image resource of the plan, reduced to what a build needs."""

    key: str
    name: str
    tags: tuple[str, ...]
    context: str
    dockerfile: str
    target: str | None
    build_args: dict[str, str]
    depends_on: tuple[str, ...] = ()
    """Keys of the plan's images this one is built FROM."""
    external_bases: tuple[str, ...] = ()
    """Images outside the plan this one is built FROM, e.g. python:3.11.7-slim-bookworm."""

    @property
    def tag(self) -> str:
        return self.tags[0]


@dataclass
class BuiltImage:
    image: ImageBuild
    seconds: float
    size_bytes: int
    image_id: str
    bases: list[BaseImage] = field(default_factory=list)

    def line(self) -> str:
        return f"{self.image.key:<28} {self.seconds:7.1f} s {self.size_bytes / 1e6:8.1f} MB  {self.image.tag}"


def plan_stack(stack: str, out: Path | None = None) -> Path:
    """Run ``python -m tools.plan STACK`` (the offline plan) and return the path of its resources.json."""
    out = out or Path(tempfile.mkdtemp(prefix=f"plan-{stack}-"))
    result = subprocess.run(
        [sys.executable, "-m", "tools.plan", stack, "--out", str(out)],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise BuildError(f"the plan of stack {stack} failed:\n{result.stdout}{result.stderr}")
    return out / "resources.json"


def _substitute(text: str, values: dict[str, str]) -> str:
    return re.sub(r"\$\{(\w+)\}|\$(\w+)", lambda m: values.get(m.group(1) or m.group(2), ""), text)


def _dockerfile_froms(dockerfile: Path, build_args: dict[str, str]) -> list[str]:
    """The references of the Dockerfile's FROM lines, with build arguments substituted and stage names removed."""
    defaults: dict[str, str] = {}
    stages: set[str] = set()
    references: list[str] = []
    seen_from = False
    lines = dockerfile.read_text().replace("\\\n", " ").splitlines()
    for line in lines:
        words = line.strip().split()
        if not words or words[0].startswith("#"):
            continue
        instruction = words[0].upper()
        if instruction == "ARG" and not seen_from and len(words) > 1:
            name, _, default = words[1].partition("=")
            defaults[name] = default
        elif instruction == "FROM":
            seen_from = True
            args = [w for w in words[1:] if not w.startswith("--")]
            reference = _substitute(args[0], {**defaults, **build_args})
            if len(args) >= 3 and args[1].upper() == "AS":
                stages.add(args[2])
            if reference not in stages and reference != "scratch":
                references.append(reference)
    return references


def read_plan(resources_json: Path) -> list[ImageBuild]:
    """The plan's image resources, in the plan's order, with their dependencies resolved."""
    resources: list[dict[str, Any]] = json.loads(resources_json.read_text())
    raw = [r for r in resources if r.get("type") == IMAGE_TYPE]
    by_tag: dict[str, str] = {}
    for resource in raw:
        for tag in resource["inputs"].get("tags", []):
            by_tag[canonical(tag)] = resource["name"].removeprefix(KEY_PREFIX)
    images = []
    for resource in raw:
        inputs = resource["inputs"]
        key = resource["name"].removeprefix(KEY_PREFIX)
        build_args = {k: str(v) for k, v in (inputs.get("buildArgs") or {}).items()}
        dockerfile = inputs.get("dockerfile", {}).get("location") or f"{inputs['context']['location']}/Dockerfile"
        froms = _dockerfile_froms(PROJECT_DIR / dockerfile, build_args)
        images.append(
            ImageBuild(
                key=key,
                name=resource["name"],
                tags=tuple(inputs["tags"]),
                context=inputs["context"]["location"],
                dockerfile=dockerfile,
                target=inputs.get("target"),
                build_args=build_args,
                depends_on=tuple(dict.fromkeys(by_tag[canonical(f)] for f in froms if canonical(f) in by_tag)),
                external_bases=tuple(dict.fromkeys(f for f in froms if canonical(f) not in by_tag)),
            )
        )
    return images


def build_order(images: Sequence[ImageBuild], only: Iterable[str] = (), skip: Iterable[str] = ()) -> list[ImageBuild]:
    """``only`` (default: every image) and the images they are built FROM, bases first, without ``skip``."""
    by_key = {image.key: image for image in images}
    unknown = sorted((set(only) | set(skip)) - set(by_key))
    if unknown:
        raise BuildError(f"no image {', '.join(unknown)} in the plan; it has {', '.join(by_key)}")
    skipped = set(skip)
    ordered: list[ImageBuild] = []
    visiting: set[str] = set()

    def visit(key: str) -> None:
        if key in visiting:
            raise BuildError(f"image {key} is built FROM itself through {', '.join(sorted(visiting))}")
        if any(image.key == key for image in ordered):
            return
        visiting.add(key)
        for dependency in by_key[key].depends_on:
            visit(dependency)
        visiting.discard(key)
        ordered.append(by_key[key])

    for key in list(only) or [image.key for image in images if image.key not in skipped]:
        visit(key)
    return ordered


def buildah_command(
    image: ImageBuild, context: Path | None = None, tags: Sequence[str] = (), no_cache: bool = False
) -> list[str]:
    """The buildah command for ``image``, run from the repository root (the plan's paths are relative to it):
    an argument list, so multi-line build arguments stay intact."""
    command = ["buildah", "bud", "--format", "docker", "--layers", "--file", image.dockerfile]
    if no_cache:
        command.append("--no-cache")
    if image.target:
        command += ["--target", image.target]
    for name, value in image.build_args.items():
        command += ["--build-arg", f"{name}={value}"]
    for tag in tags or image.tags:
        command += ["--tag", tag]
    return [*command, str(context or image.context)]


def image_size(reference: str) -> tuple[int, str]:
    result = subprocess.run(
        ["podman", "image", "inspect", "--format", "{{.Size}} {{.Id}}", canonical(reference)],
        capture_output=True,
        text=True,
        check=True,
    )
    size, image_id = result.stdout.split()
    return int(size), image_id


def with_standins(image: ImageBuild, bases: Iterable[BaseImage]) -> ImageBuild:
    """``image`` with every build argument that names a pinned base (``name:tag@sha256:...``) the host has only a
    stand-in of pointing at the stand-in: buildah would otherwise pull by the digest and fail."""
    replaced = {base.requested: base.reference for base in bases if base.requested}
    if not replaced:
        return image
    build_args = {name: replaced.get(value, value) for name, value in image.build_args.items()}
    return dataclasses.replace(image, build_args=build_args)


def build_image(
    image: ImageBuild,
    context: Path | None = None,
    tags: Sequence[str] = (),
    log_dir: Path | None = None,
    echo: bool = False,
    no_cache: bool = False,
) -> BuiltImage:
    """Build one image (its external bases made available first). ``context`` and ``tags`` replace the plan's,
    e.g. to build a modified copy of a context without touching the real image."""
    bases: list[BaseImage] = []
    try:
        for reference in image.external_bases:
            bases.append(ensure_base(reference))
    except StandinError as error:
        raise BuildError(f"image {image.key} ({image.tag}): its base is not available: {error}") from error
    build = with_standins(image, bases)
    log_dir = log_dir or Path(tempfile.mkdtemp(prefix="image-builds-"))
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"{image.key}.log"
    started = time.monotonic()
    with log_path.open("w") as log:
        process = subprocess.Popen(
            buildah_command(build, context, tags, no_cache),
            cwd=PROJECT_DIR,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        assert process.stdout is not None
        for line in process.stdout:
            log.write(line)
            if echo:
                print(f"[{image.key}] {line}", end="", flush=True)
        returncode = process.wait()
    seconds = time.monotonic() - started
    if returncode != 0:
        tail = "".join(log_path.read_text().splitlines(keepends=True)[-LOG_TAIL_LINES:])
        raise BuildError(
            f"image {image.key} ({image.name}, {tags[0] if tags else image.tag}) failed to build "
            f"(buildah exit {returncode}; full log: {log_path}):\n{tail}"
        )
    size, image_id = image_size(tags[0] if tags else image.tag)
    return BuiltImage(image, seconds, size, image_id, bases)


def build_all(
    images: Sequence[ImageBuild],
    log_dir: Path | None = None,
    echo: bool = False,
    report: Any = print,
    no_cache: bool = False,
) -> list[BuiltImage]:
    """Build ``images`` (already in build order); ``report`` gets one line per finished image."""
    built = []
    bases_reported: set[str] = set()
    for image in images:
        result = build_image(image, log_dir=log_dir, echo=echo, no_cache=no_cache)
        for base in result.bases:
            if base.standin_python is not None and base.reference not in bases_reported:
                bases_reported.add(base.reference)
                report(f"  base {base.describe()}")
        report(result.line())
        built.append(result)
    return built


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.build_images", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("stack", help="stack name: reads Pulumi.<stack>.yaml through the offline plan")
    parser.add_argument("--plan", type=Path, help="an existing resources.json of that stack instead of planning")
    parser.add_argument("--only", nargs="+", default=[], metavar="KEY", help="these images and their bases")
    parser.add_argument("--skip", nargs="+", default=[], metavar="KEY", help="leave these images out")
    parser.add_argument("--log-dir", type=Path, default=PROJECT_DIR / "build" / "images", help="one log per image")
    parser.add_argument("--list", action="store_true", help="print the build order and tags, and exit")
    parser.add_argument(
        "--print-commands",
        choices=("buildah", "docker"),
        help="print the build commands (shell-quoted) in build order instead of building",
    )
    parser.add_argument("--verbose", action="store_true", help="echo the build output")
    args = parser.parse_args(argv)

    def build_or_show() -> None:
        images = build_order(read_plan(args.plan or plan_stack(args.stack)), args.only, args.skip)
        if args.list:
            print_build_order(images)
        elif args.print_commands:
            print_build_commands(images, args.print_commands)
        else:
            started = time.monotonic()
            print(f"{'image':<28} {'build':>9} {'size':>11}  tag")
            build_all(images, log_dir=args.log_dir, echo=args.verbose)
            print(f"{len(images)} images in {time.monotonic() - started:.0f} s")

    return exit_code(build_or_show, BuildError)


def print_build_order(images: Sequence[ImageBuild]) -> None:
    for image in images:
        print(f"{image.key:<28} {image.tag}  FROM {', '.join(image.depends_on or image.external_bases)}")


def print_build_commands(images: Sequence[ImageBuild], tool: str) -> None:
    """Shell-quoted, in build order; docker build takes buildah's options but for the defaults it has anyway."""
    for image in images:
        command = buildah_command(image)
        if tool == "docker":
            command = ["docker", "build", *[c for c in command[2:] if c not in ("--format", "docker", "--layers")]]
        print(shlex.join(command))


if __name__ == "__main__":
    sys.exit(main())
