"""How long the offline plan of each stack takes, against a one-resource program under the same mocks.

    python -m tools.benchmark [--repeat N]

The ratio says how much of a plan is the platform itself rather than Pulumi's runtime; run it before and
after a change that adds resources. It is a benchmark, not a test: timings depend on the machine.
"""

from __future__ import annotations

import argparse
import functools
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from tools.plan import plan

ONE_RESOURCE_PROGRAM = """\
import pulumi_kubernetes as k8s

k8s.core.v1.Namespace("only", metadata={"name": "only"})
"""


def median_seconds(run: Callable[[], object], repeat: int) -> float:
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.benchmark", description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per program; the median is reported")
    parser.add_argument("stacks", nargs="*", default=["dev", "prod"])
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        baseline_dir = Path(scratch)
        (baseline_dir / "__main__.py").write_text(ONE_RESOURCE_PROGRAM)
        baseline = median_seconds(lambda: plan("baseline", baseline_dir, config=({}, [])), args.repeat)
    print(f"one-resource program: {baseline * 1000:8.1f} ms")
    for stack in args.stacks:
        seconds = median_seconds(functools.partial(plan, stack), args.repeat)
        count = len(plan(stack))
        print(f"{stack:>20}: {seconds * 1000:8.1f} ms  {count:4d} resources  {seconds / baseline:6.1f}x baseline")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
