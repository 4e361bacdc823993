"""Benchmark, not a test: how long each image of a stack takes to build and how big it is.

    python -m tools.benchmark_images dev --skip jupyter      # every image built without the layer cache
    python -m tools.benchmark_images dev --cached            # the same, reusing layers as the tests do

Builds with the same harness as the tests (``tools.build_images``). Without ``--cached`` every image is built
from its base with no layer reused, so each figure is that image's own cost; bases are built before the
images FROM them. Sizes are podman's (uncompressed); ``over base`` is what the image adds to the image it
is built FROM (for a profile base: the python slim image, a stand-in where it could not be pulled).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from tools.build_images import BuildError, build_all, build_order, image_size, plan_stack, read_plan
from tools.standin_bases import canonical


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.benchmark_images",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("stack")
    parser.add_argument("--plan", type=Path, help="an existing resources.json of that stack")
    parser.add_argument("--only", nargs="+", default=[], metavar="KEY")
    parser.add_argument("--skip", nargs="+", default=[], metavar="KEY")
    parser.add_argument("--cached", action="store_true", help="reuse cached layers (as the tests do)")
    args = parser.parse_args(argv)
    try:
        images = build_order(read_plan(args.plan or plan_stack(args.stack)), args.only, args.skip)
        by_key = {image.key: image for image in images}
        notes: list[str] = []
        started = time.monotonic()
        built = build_all(images, report=lambda line: None, no_cache=not args.cached)
        total = time.monotonic() - started
    except BuildError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"{'image':<28} {'build':>8} {'size':>9} {'over base':>10}  built FROM")
    for result in built:
        image = result.image
        # An external base as the build used it: a stand-in has its tag, not the pinned digest.
        base = by_key[image.depends_on[0]].tag if image.depends_on else result.bases[0].reference
        base_size, _ = image_size(base)
        for info in result.bases:
            if info.standin_python is not None and info.describe() not in notes:
                notes.append(info.describe())
        base_name = image.depends_on[0] if image.depends_on else canonical(base)
        print(
            f"{image.key:<28} {result.seconds:6.0f} s {result.size_bytes / 1e6:6.0f} MB "
            f"{(result.size_bytes - base_size) / 1e6:7.0f} MB  {base_name}"
        )
    print(f"{len(built)} images, {total:.0f} s in all ({'cached layers' if args.cached else 'no layer cache'})")
    for note in notes:
        print(f"note: {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
