"""How long the offline plan takes, against plain programs under the same mocks.

    python -m tools.benchmark [--repeat N] [STACK ...]
    python -m tools.benchmark --scale N [--scale M ...] [--repeat R]

Without ``--scale``: each stack's plan time against a one-resource program. The ratio says how much of a plan
is the platform itself rather than Pulumi's runtime; run it before and after a change that adds resources.

With ``--scale N``: the prod stack file plus N generated teams, each with a quota and one small declared cluster
in its namespace, planned; beside it a plain program that declares as many plain Kubernetes resources (one
ConfigMap each) under the same mocks. Each measurement runs in a subprocess of its own, so that peak memory
(``ru_maxrss``) and imports of one never count for another. Time is the plan alone, after Python and Pulumi are
imported. It is a benchmark, not a test: figures depend on the machine.
"""

from __future__ import annotations

import argparse
import functools
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from config.stack import PROJECT, PROJECT_DIR, cli_config
from tools.plan import StackConfig, plan

ONE_RESOURCE_PROGRAM = """\
import pulumi_kubernetes as k8s

k8s.core.v1.Namespace("only", metadata={"name": "only"})
"""

PLAIN_PROGRAM = """\
import pulumi_kubernetes as k8s

for index in range({count}):
    k8s.core.v1.ConfigMap(
        f"plain-{{index}}",
        metadata={{"name": f"plain-{{index}}", "namespace": "default", "labels": {{"app": "plain"}}}},
        data={{"index": str(index)}},
    )
"""
"""``count`` plain Kubernetes resources; with the root stack that the plan leaves out, ``count`` in the plan."""

SCALE_STACK = "prod"
"""The stack file the scale benchmark starts from."""


def median_seconds(run: Callable[[], object], repeat: int) -> float:
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


# ---------------------------------------------------------------------------------------------------------------
# The scaled stack


def generated_team(index: int) -> dict[str, Any]:
    """A team as a platform team adds one: its own gateway group and a quota that holds a few small clusters."""
    name = f"team-{index:04d}"
    return {
        "name": name,
        "gatewayGroups": [f"group-{index:04d}"],
        "quota": {
            "pods": 20,
            "requests": {"cpu": "8", "memory": "32Gi"},
            "limits": {"cpu": "16", "memory": "64Gi"},
            "daskClusters": 2,
        },
    }


def generated_cluster(index: int) -> dict[str, Any]:
    """One small cluster in a team's namespace; every other one runs the processor profile's image."""
    cluster: dict[str, Any] = {
        "name": f"team-{index:04d}-small",
        "namespace": f"team-{index:04d}",
        "labels": {"app.kubernetes.io/name": f"team-{index:04d}-small"},
        "worker": {
            "replicas": 1,
            "resources": {"requests": {"cpu": "500m", "memory": "1Gi"}, "limits": {"cpu": "1", "memory": "2Gi"}},
        },
        "autoscaler": {"minimum": 1, "maximum": 2},
    }
    if index % 2:
        cluster["profile"] = "processor"
    return cluster


def scaled_config(count: int, stack: str = SCALE_STACK) -> StackConfig:
    """``stack``'s config as the CLI hands it over, plus ``count`` generated teams and clusters."""
    values, secret_keys = cli_config(PROJECT_DIR / f"Pulumi.{stack}.yaml")
    for section, generated in (("teams", generated_team), ("clusters", generated_cluster)):
        key = f"{PROJECT}:{section}"
        listed = json.loads(values.get(key, "[]"))
        values[key] = json.dumps([*listed, *(generated(index) for index in range(1, count + 1))])
    return values, secret_keys


# ---------------------------------------------------------------------------------------------------------------
# One measurement, in a process of its own


def _peak_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # kilobytes on Linux


def _measure(kind: str, count: int) -> dict[str, Any]:
    """Plan once in this process: the platform with ``count`` teams, or ``count`` plain resources."""
    with tempfile.TemporaryDirectory() as scratch:
        if kind == "platform":
            config = scaled_config(count)
            started = time.perf_counter()
            resources = plan(SCALE_STACK, config=config)
        else:
            project = Path(scratch)
            (project / "__main__.py").write_text(PLAIN_PROGRAM.format(count=count))
            started = time.perf_counter()
            resources = plan("plain", project, config=({}, []))
        seconds = time.perf_counter() - started
    edges = sum(len(r["dependencies"]) for r in resources)
    return {"seconds": seconds, "peak_bytes": _peak_bytes(), "resources": len(resources), "edges": edges}


def measure(kind: str, count: int) -> dict[str, Any]:
    """``_measure`` in a fresh interpreter, so no measurement shares imports, caches or peak memory."""
    result = subprocess.run(
        [sys.executable, "-m", "tools.benchmark", "--measure", kind, str(count)],
        cwd=PROJECT_DIR,
        check=True,
        capture_output=True,
        text=True,
    )
    measured: dict[str, Any] = json.loads(result.stdout.splitlines()[-1])
    return measured


def _median(runs: list[dict[str, Any]]) -> dict[str, Any]:
    return {key: statistics.median(run[key] for run in runs) for key in runs[0]}


def measure_pair(count: int, repeat: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """Medians for the platform with ``count`` teams and for as many plain resources, runs interleaved so that
    whatever else the machine does affects both alike."""
    ours: list[dict[str, Any]] = []
    plain: list[dict[str, Any]] = []
    for _ in range(repeat):
        ours.append(measure("platform", count))
        plain.append(measure("plain", ours[0]["resources"]))
    return _median(ours), _median(plain)


def _mb(size: float) -> str:
    return f"{size / 2**20:,.0f} MB"


def scale_table(counts: list[int], repeat: int) -> None:
    header = (
        "| teams + clusters | resources | edges | dask-platform plan | plain resources under the same mocks "
        "| time ratio | memory ratio |"
    )
    print(header)
    print("| " + " | ".join("---" for _ in range(header.count("|") - 1)) + " |")
    for count in counts:
        ours, plain = measure_pair(count, repeat)
        print(
            f"| {count} | {ours['resources']:,.0f} | {ours['edges']:,.0f} "
            f"| {ours['seconds']:.1f} s, {_mb(ours['peak_bytes'])} "
            f"| {plain['seconds']:.1f} s, {_mb(plain['peak_bytes'])} ({plain['resources']:,.0f} resources) "
            f"| {ours['seconds'] / plain['seconds']:.2f}x | {ours['peak_bytes'] / plain['peak_bytes']:.2f}x |",
            flush=True,
        )


# ---------------------------------------------------------------------------------------------------------------


def stacks_table(stacks: list[str], repeat: int) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        baseline_dir = Path(scratch)
        (baseline_dir / "__main__.py").write_text(ONE_RESOURCE_PROGRAM)
        baseline = median_seconds(lambda: plan("baseline", baseline_dir, config=({}, [])), repeat)
    print(f"one-resource program: {baseline * 1000:8.1f} ms")
    for stack in stacks:
        seconds = median_seconds(functools.partial(plan, stack), repeat)
        count = len(plan(stack))
        print(f"{stack:>20}: {seconds * 1000:8.1f} ms  {count:4d} resources  {seconds / baseline:6.1f}x baseline")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.benchmark", description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, help="runs per program; the median is reported (default 5, scale 1)")
    parser.add_argument(
        "--scale", type=int, action="append", metavar="N", help="plan prod plus N teams and clusters (repeatable)"
    )
    parser.add_argument("--measure", nargs=2, metavar=("KIND", "COUNT"), help=argparse.SUPPRESS)
    parser.add_argument("stacks", nargs="*", default=["dev", "prod"])
    args = parser.parse_args(argv)
    if args.measure:
        kind, count = args.measure
        print(json.dumps(_measure(kind, int(count))))
    elif args.scale:
        scale_table(args.scale, args.repeat or 1)
    else:
        stacks_table(args.stacks, args.repeat or 5)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
