"""Offline plan: run the real program under Pulumi's mocks with one stack's config file.

    python -m tools.plan dev [--out DIR]

writes ``DIR/resources.json`` (default ``build/plan/<stack>``): one object per registered resource with its
``urn``, ``type``, ``name``, ``parent`` and ``inputs`` as registered, every secret replaced by ``"[secret]"``,
plus the resource options reviewers ask about (``provider``, ``dependencies``, ``protect``), and, only on
the resources that set them, the options that decide whether a change replaces the resource:
``replaceOnChanges`` (the property paths whose change replaces it rather than updating it in place) and
``deleteBeforeReplace`` (``true``: the old resource is deleted before its replacement is created). The stack's
exports go to ``DIR/outputs.json``. Encrypted values in a stack file cannot be decrypted offline, so they are
planned as secrets. A bad config exits non-zero with the same message ``pulumi up`` prints.
"""

from __future__ import annotations

import argparse
import asyncio
import contextvars
import json
import runpy
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime import mocks, rpc
from pulumi.runtime.config import set_all_config
from pulumi.runtime.stack import wait_for_rpcs

from config.stack import PROJECT, PROJECT_DIR, SECRET_PLACEHOLDER, ConfigError, cli_config

SECRET = SECRET_PLACEHOLDER
UNKNOWN = "[unknown]"


class PlanError(Exception):
    """The stack cannot be planned: a missing stack file or a config the program rejects."""


def _redact(value: Any) -> Any:
    if rpc.is_rpc_secret(value):
        return SECRET
    if isinstance(value, pulumi.output.Unknown):
        return UNKNOWN
    if isinstance(value, dict):
        return {key: _redact(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_redact(item) for item in value]
    if isinstance(value, pulumi.Resource):
        return "[resource]"
    return value


class _EchoMocks(pulumi.runtime.Mocks):
    """Every resource reports its inputs back as outputs, so the program runs as in a preview."""

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        outputs = dict(args.inputs)
        # A built image reports its reference as `ref` (derived images build FROM it); its first tag stands in.
        if args.typ == "docker-build:index:Image" and outputs.get("tags"):
            outputs["ref"] = outputs["tags"][0]
        # A generated password is known only after `pulumi up`; a stand-in lets the plan show where it goes.
        if args.typ == "random:index/randomPassword:RandomPassword":
            outputs["result"] = "planned-random-password"
        return f"{args.name}-id", outputs

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        return {}, []


@dataclass
class _RecordingMonitor(mocks.MockMonitor):
    recorded: list[dict[str, Any]] = field(default_factory=list)
    reads: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(_EchoMocks())

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 - the gRPC method's name
        response = super().RegisterResource(request)
        if request.type != "pulumi:pulumi:Stack":
            entry = {
                "urn": response.urn,
                "type": request.type,
                "name": request.name,
                "parent": request.parent or None,
                "inputs": _redact(rpc.deserialize_properties(request.object)),
                "provider": request.provider or None,
                "dependencies": sorted(request.dependencies),
                "protect": bool(request.protect),
            }
            self.recorded.append(entry | _replacement_options(request))
        return response

    def ReadResource(self, request: Any) -> Any:  # noqa: N802 - the gRPC method's name
        response = super().ReadResource(request)
        self.reads.append(
            {
                "urn": response.urn,
                "type": request.type,
                "name": request.name,
                "id": _redact(request.id) if request.id != rpc.UNKNOWN else UNKNOWN,
                "parent": request.parent or None,
                "dependencies": sorted(request.dependencies),
            }
        )
        return response


def _replacement_options(request: Any) -> dict[str, Any]:
    """``replaceOnChanges`` and ``deleteBeforeReplace`` where a resource sets them, so the snapshots of the many
    resources that set neither stay as they were."""
    options: dict[str, Any] = {}
    if request.replaceOnChanges:
        options["replaceOnChanges"] = list(request.replaceOnChanges)
    if request.deleteBeforeReplace:
        options["deleteBeforeReplace"] = True
    return options


StackConfig = tuple[dict[str, str], list[str]]
"""Config values as the CLI passes them (JSON text per key) and the keys that are secrets."""


@dataclass
class Plan:
    resources: list[dict[str, Any]]
    outputs: dict[str, Any]
    """The stack's exports: what ``pulumi stack output`` shows after ``pulumi up``."""
    reads: list[dict[str, Any]] = field(default_factory=list)
    """Existing objects the program reads (``Resource.get``), with what each read waits for."""


async def _resolve_outputs(outputs: dict[str, Any]) -> dict[str, Any]:
    # An export made from a secret is shown as `pulumi stack output` shows it without --show-secrets.
    resolved: dict[str, Any] = {}
    for key, value in outputs.items():
        output = pulumi.Output.from_input(value)
        resolved[key] = SECRET if await output.is_secret() else _redact(await output.future(with_unknowns=True))
    return resolved


def _run_program(stack: str, project_dir: Path, config: StackConfig | None) -> Plan:
    try:
        values, secret_keys = config or cli_config(project_dir / f"Pulumi.{stack}.yaml")
    except ConfigError as error:
        raise PlanError(str(error)) from None
    set_all_config(values, secret_keys)
    # The mocks' root stack resource binds its futures to the current loop: make ours current first.
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    monitor = _RecordingMonitor()
    pulumi.runtime.set_mocks(monitor.mocks, project=PROJECT, stack=stack, preview=True, monitor=monitor)
    try:
        failure: str | None = None
        try:
            runpy.run_path(str(project_dir / "__main__.py"), run_name="__main__")
        except (pulumi.RunError, ConfigError) as error:
            failure = str(error)
        # Drain what was already sent (at least the root stack) so nothing is left pending on the loop.
        loop.run_until_complete(wait_for_rpcs())
        if failure is not None:
            raise PlanError(failure)
        root = pulumi.runtime.settings.get_root_resource()
        outputs = loop.run_until_complete(_resolve_outputs(getattr(root, "outputs", {})))
    finally:
        loop.close()
    return Plan(resources=monitor.recorded, outputs=outputs, reads=monitor.reads)


def plan(stack: str, project_dir: Path = PROJECT_DIR, config: StackConfig | None = None) -> list[dict[str, Any]]:
    """Every resource the program registers for ``stack``; runs in its own context so plans don't mix.

    ``config`` replaces the stack file's values, e.g. a variant made from ``config.stack.cli_config`` in a test.
    """
    return plan_stack(stack, project_dir, config).resources


def plan_stack(stack: str, project_dir: Path = PROJECT_DIR, config: StackConfig | None = None) -> Plan:
    """The resources and the exports of one stack."""
    return contextvars.copy_context().run(_run_program, stack, project_dir, config)


def summary(resources: list[dict[str, Any]]) -> str:
    """A few lines per component: its name and how many resources of each type it declares directly."""
    components = {r["urn"]: r for r in resources if r["type"].startswith("dask-platform:")}
    lines = [f"{len(resources)} resources"]
    for urn, component in components.items():
        children = Counter(r["type"] for r in resources if r["parent"] == urn)
        counted = ", ".join(f"{count} {kind}" for kind, count in sorted(children.items()))
        lines.append(f"  {component['type']} {component['name']}: {counted or 'no direct children'}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.plan", description=__doc__.split("\n")[0])
    parser.add_argument("stack", help="stack name, e.g. dev or prod (reads Pulumi.<stack>.yaml)")
    parser.add_argument("--out", type=Path, help="output directory (default: build/plan/<stack>)")
    args = parser.parse_args(argv)
    try:
        result = plan_stack(args.stack)
    except PlanError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    out = args.out or PROJECT_DIR / "build" / "plan" / args.stack
    out.mkdir(parents=True, exist_ok=True)
    (out / "resources.json").write_text(json.dumps(result.resources, indent=2, sort_keys=True) + "\n")
    (out / "outputs.json").write_text(json.dumps(result.outputs, indent=2, sort_keys=True) + "\n")
    print(summary(result.resources))
    print(f"wrote {out / 'resources.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
