"""What the tests share: plans of the stacks and of variants of them, config parsing, policy runs, the gateway's
shipped configuration loaded as the gateway loads it, and the upstream reference data.

Test modules import from here and never from each other.
"""

from __future__ import annotations

import asyncio
import contextvars
import copy
import functools
import importlib.resources
import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Final

import jsonschema
import promql_parser
import pulumi
import pytest
import yaml
from dask_gateway_server.backends.kubernetes import KubeBackend, KubeClusterConfig
from dask_gateway_server.models import User
from traitlets.config.loader import PyFileConfigLoader

from config.platform import PlatformConfig
from config.stack import PROJECT, PROJECT_DIR, ConfigError, cli_config, parse_stack, stack_source
from policy.pack import StackConfig, stack_context
from policy.rules import PolicyContext, Violation, check_stack
from render.catalog import image_specs, with_catalog_images
from render.gateway_options import gateway_config_source, gateway_data_of_env, gateway_data_text
from shipped.gateway_config import DATA_ENV
from tools.plan import Plan, plan_stack

CHART = "kubernetes:helm.sh/v4:Chart"
STACKS = ("dev", "prod")
TEST_STACK_FILE = "Pulumi.test.yaml"
Resources = list[dict[str, Any]]

# ---------------------------------------------------------------------------------------------------------------
# Upstream reference data


REFERENCE_DIR = Path(os.environ.get("DASK_PLATFORM_REFERENCE", PROJECT_DIR.parent / "shared" / "reference"))
"""Upstream charts and schemas: ``DASK_PLATFORM_REFERENCE``, or ``shared/reference`` beside the checkout."""


def reference_path(*parts: str) -> Path:
    """``<reference>/<parts>``, or skip (outside CI) / fail (in CI) when it is missing."""
    path = REFERENCE_DIR.joinpath(*parts)
    if path.exists():
        return path
    message = f"reference data {path} is missing: set DASK_PLATFORM_REFERENCE or check out shared/ beside the repo"
    if "CI" in os.environ:
        pytest.fail(f"{message}; CI must have it, so this check cannot be skipped")
    pytest.skip(message)


# ---------------------------------------------------------------------------------------------------------------
# Config


def parse(values: Mapping[str, Any], secret_keys: Iterable[str] = ()) -> PlatformConfig:
    """A stack's config from plain values (``{"gateway": {...}}``), as ``config.stack`` validates it."""
    full = {f"{PROJECT}:{key}": value for key, value in values.items()}
    return parse_stack(stack_source(TEST_STACK_FILE, full, [f"{PROJECT}:{key}" for key in secret_keys]))


def error_for(values: Mapping[str, Any], secret_keys: Iterable[str] = ()) -> str:
    """The message a bad config gets; every line of it names the stack file."""
    with pytest.raises(ConfigError) as raised:
        parse(values, secret_keys)
    message = str(raised.value)
    assert all(line.startswith(f"{TEST_STACK_FILE}: ") for line in message.splitlines()), message
    return message


def resolved(values: Mapping[str, Any]) -> PlatformConfig:
    """A stack's config as the components get it: the catalog's images filled in."""
    config = parse(values)
    return with_catalog_images(config, image_specs(config.images, config.gateway))


# ---------------------------------------------------------------------------------------------------------------
# Plans


@functools.cache
def stack_plan(stack: str) -> Plan:
    """The plan of a repository stack file, once per test session (the program is deterministic)."""
    return plan_stack(stack)


def resources_of_type(stack: str, resource_type: str) -> Resources:
    return [r for r in stack_plan(stack).resources if r["type"] == resource_type]


def one(stack: str, resource_type: str, name: str) -> dict[str, Any]:
    matches = [r for r in resources_of_type(stack, resource_type) if r["name"] == name]
    assert len(matches) == 1, f"expected one {resource_type} named {name} in {stack}, found {len(matches)}"
    return matches[0]


def find(resources: Resources, resource_type: str, name: str) -> dict[str, Any]:
    matches = [r for r in resources if r["type"] == resource_type and r["name"] == name]
    assert len(matches) == 1, f"expected one {resource_type} {name}, found {len(matches)}"
    return matches[0]


class _Delete:
    def __repr__(self) -> str:
        return "DELETE"


DELETE: Final = _Delete()
"""In a ``variant`` override: remove this key (or this whole section) from the stack's config."""


def merged(base: Any, override: Any) -> Any:
    """``override`` merged into ``base``, the one rule every stack variant follows.

    Two mappings merge key by key, recursively, so a nested change keeps its siblings; a key whose override is
    ``DELETE`` is removed. Anything else (a list, a scalar, a mapping over a non-mapping) replaces what was there:
    to change one element of a list, pass the whole new list.
    """
    if not isinstance(override, Mapping):
        return copy.deepcopy(override)
    result = dict(base) if isinstance(base, Mapping) else {}
    for key, value in override.items():
        if value is DELETE:
            result.pop(key, None)
        else:
            result[key] = merged(result.get(key), value)
    return result


def _decoded(text: str) -> Any:
    """A config value as the CLI passes it: JSON text, or a plain string that is not JSON."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def stack_file_value(stack: str, section: str, default: Any = None) -> Any:
    """One section of a repository stack file (``clusters``, ``gateway``...), decoded."""
    values, _ = cli_config(PROJECT_DIR / f"Pulumi.{stack}.yaml")
    key = f"{PROJECT}:{section}"
    return _decoded(values[key]) if key in values else default


@dataclass(frozen=True)
class Variant:
    """A stack's config and, computed on first use, its plan and policy context."""

    stack: str
    config: StackConfig | None
    """What the CLI would hand the program; ``None``: the stack file as it is."""

    @functools.cached_property
    def plan(self) -> Plan:
        if self.config is None:
            # The stack file's own plan is made once per session; each variant gets a copy it may edit.
            return copy.deepcopy(stack_plan(self.stack))
        return plan_stack(self.stack, config=self.config)

    @property
    def resources(self) -> Resources:
        return self.plan.resources

    @property
    def outputs(self) -> dict[str, Any]:
        return self.plan.outputs

    @functools.cached_property
    def context(self) -> PolicyContext:
        return stack_context(self.stack, config=self.config)

    @property
    def for_policy(self) -> tuple[Resources, PolicyContext]:
        """The plan's resources and the policy context, as a policy pack run gets them."""
        return self.resources, self.context


def variant(
    stack: str,
    changes: Mapping[str, Any] | None = None,
    *,
    secrets: Mapping[str, str] | None = None,
    from_file: bool = True,
) -> Variant:
    """Stack ``stack``: its stack file's config with ``changes`` (``{"gateway": {...}, ...}``) ``merged`` into it.

    ``secrets`` (config key to clear value) are set as the Pulumi CLI hands them over after decrypting a stack
    file: marked secret, so a test can search the plan for the clear text. ``from_file=False`` starts from an
    empty stack file of one's own instead, which sets only ``changes``.
    """
    if from_file and not changes and not secrets:
        return Variant(stack, None)
    values, secret_keys = cli_config(PROJECT_DIR / f"Pulumi.{stack}.yaml") if from_file else ({}, [])
    for section, change in (changes or {}).items():
        key = f"{PROJECT}:{section}"
        if change is DELETE:
            values.pop(key, None)
            continue
        value = merged(_decoded(values[key]) if key in values else None, change)
        values[key] = value if isinstance(value, str) else json.dumps(value)
    for name, secret in (secrets or {}).items():
        values[f"{PROJECT}:{name}"] = secret
        secret_keys = [*secret_keys, f"{PROJECT}:{name}"]
    return Variant(stack, (values, secret_keys))


def release_inputs(resources: Resources, chart: str) -> dict[str, Any]:
    """The inputs of the one Helm release of ``chart`` in a plan."""
    releases = [r["inputs"] for r in resources if r["type"] == CHART and r["inputs"]["chart"] == chart]
    assert len(releases) == 1, f"expected one release of chart {chart}, found {len(releases)}"
    return releases[0]


def gateway_data(resources: Resources) -> dict[str, Any]:
    """The option data the gateway release of a plan carries (``render/gateway_options.py``)."""
    values = release_inputs(resources, "dask-gateway")["values"]
    data = gateway_data_of_env(values["gateway"]["env"])
    assert data is not None, "the gateway release carries no DASK_PLATFORM_GATEWAY data"
    return data


@functools.cache
def prod_with_rapids_enabled() -> Resources:
    """The prod plan after a user flips the RAPIDS example's ``enabled`` switch in Pulumi.prod.yaml (planned once;
    do not change it)."""
    clusters = [{**c, "enabled": True} if c["name"] == "rapids" else c for c in stack_file_value("prod", "clusters")]
    return variant("prod", {"clusters": clusters}).resources


# ---------------------------------------------------------------------------------------------------------------
# Policy


def edited(resources: Resources, resource_type: str, name: str, edit: Callable[[dict[str, Any]], Any]) -> Resources:
    """A copy of the plan with ``edit`` applied to one resource's inputs."""
    changed = copy.deepcopy(resources)
    edit(find(changed, resource_type, name)["inputs"])
    return changed


def violations(resources: Iterable[Mapping[str, Any]], context: PolicyContext, rule: str) -> list[Violation]:
    return [violation for violation in check_stack(resources, context) if violation.rule == rule]


def messages(resources: Iterable[Mapping[str, Any]], context: PolicyContext, rule: str) -> str:
    return "\n".join(violation.message for violation in violations(resources, context, rule))


# ---------------------------------------------------------------------------------------------------------------
# The gateway's shipped configuration


def free_ports(count: int) -> list[int]:
    """Ports on 127.0.0.1 that nothing listens on right now."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


@dataclass(frozen=True)
class GatewayServer:
    address: str
    """The proxy's address: the API and the schedulers' TLS traffic on one port, as behind the chart's traefik."""


class _LogWatcher:
    """Reads a server's log as it is written (so the pipe never fills) and signals one awaited line."""

    def __init__(self, stream: IO[str], ready_line: str) -> None:
        self.lines: list[str] = []
        self.ready = threading.Event()
        self.ended = threading.Event()
        self._ready_line = ready_line
        self._thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._thread.start()

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            self.lines.append(line)
            if self._ready_line in line:
                self.ready.set()
        self.ended.set()
        self.ready.set()

    def join(self, timeout: float) -> None:
        self._thread.join(timeout)


@contextmanager
def running_gateway(
    workdir: Path, data: Mapping[str, Any], env: Mapping[str, str] | None = None, timeout: float = 60
) -> Iterator[GatewayServer]:
    """A real dask-gateway-server on loopback with the local backend, running ``shipped/gateway_config.py`` with
    ``data`` as the gateway pod does, its proxy on one port; stopped (with its clusters) on exit."""
    api_port, proxy_port = free_ports(2)
    clusters = workdir / "clusters"
    clusters.mkdir()
    harness = (
        f"c.DaskGateway.address = '127.0.0.1:{api_port}'\n"
        f"c.Proxy.address = '127.0.0.1:{proxy_port}'\n"
        "c.Proxy.log_level = 'info'\n"
        "c.DaskGateway.authenticator_class = 'dask_gateway_server.auth.SimpleAuthenticator'\n"
        f"c.LocalBackend.clusters_directory = {str(clusters)!r}\n"
    )
    config_file = workdir / "dask_gateway_config.py"
    config_file.write_text(harness + gateway_config_source())
    process = subprocess.Popen(
        [sys.executable, "-m", "dask_gateway_server", "-f", str(config_file)],
        cwd=workdir,
        env={
            **os.environ,
            # Scheduler and worker commands are looked up on PATH, as in an image: this Python environment first.
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', os.defpath)}",
            DATA_ENV: gateway_data_text({**data, "proxyAddress": f"127.0.0.1:{proxy_port}"}),
            **(env or {}),
        },
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    # The proxy serves users once it has the route to the API server.
    log = _LogWatcher(process.stderr, f'path: "/", target: "http://127.0.0.1:{api_port}"')
    try:
        if not log.ready.wait(timeout) or log.ended.is_set():
            raise RuntimeError(f"dask-gateway-server did not become ready within {timeout}s:\n{''.join(log.lines)}")
        yield GatewayServer(address=f"http://127.0.0.1:{proxy_port}")
    finally:
        # SIGTERM is the server's graceful shutdown: it stops its clusters and its proxy first.
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout)
        log.join(timeout)


def kubernetes_backend(
    data: Mapping[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, preamble: str = ""
) -> KubeBackend:
    """dask-gateway-server's Kubernetes backend, configured as the gateway pod configures it: the chart's own
    settings (``preamble``), then ``shipped/gateway_config.py`` reading ``data`` from its environment."""
    monkeypatch.setenv(DATA_ENV, gateway_data_text(data))
    config_file = tmp_path / "dask_gateway_config.py"
    config_file.write_text(f"{preamble}\n{gateway_config_source()}")
    return KubeBackend(config=PyFileConfigLoader(config_file.name, path=str(tmp_path)).load_config())


def cluster_config_for(backend: KubeBackend, request: Mapping[str, Any], user: User | None = None) -> KubeClusterConfig:
    """What the gateway pod hands the controller for a new cluster: options parsed, handled, and validated."""
    _, cluster_config = asyncio.run(backend.process_cluster_options(user or User("alice"), dict(request)))
    return cluster_config


# ---------------------------------------------------------------------------------------------------------------
# The operator's CRD schemas

OPERATOR_CHART = (
    importlib.resources.files("dask_kubernetes") / "operator" / "deployment" / "helm" / "dask-kubernetes-operator"
)


def closed_schema(schema: Any) -> Any:
    """The schema with ``additionalProperties: false`` on every object that lists its properties."""
    if isinstance(schema, list):
        return [closed_schema(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    closed = {key: closed_schema(value) for key, value in schema.items()}
    if (
        schema.get("type") == "object"
        and "properties" in schema
        and "additionalProperties" not in schema
        and not schema.get("x-kubernetes-preserve-unknown-fields")
    ):
        closed["additionalProperties"] = False
    return closed


@functools.cache
def operator_crd_validators() -> dict[tuple[str, str], Any]:
    """(apiVersion, kind) -> a validator for every served version of every CRD in the operator's chart."""
    with importlib.resources.as_file(OPERATOR_CHART / "crds") as crds:
        return crd_validators(sorted(Path(crds).glob("*.yaml")))


def schema_errors(manifest: dict[str, Any]) -> list[str]:
    key = (manifest["apiVersion"], manifest["kind"])
    validator = operator_crd_validators().get(key)
    if validator is None:
        return [f"no served CRD version for {key} in the operator chart"]
    return [
        f"{'.'.join(str(part) for part in error.absolute_path) or '<root>'}: {error.message}"
        for error in validator.iter_errors(manifest)
    ]


# ---------------------------------------------------------------------------------------------------------------
# Objects the charts deploy (imported here, so that only this section needs helm-python-sdk)

from policy.rules import Resource  # noqa: E402
from tools.chart_objects import chart_objects  # noqa: E402


def stack_with_chart_objects(stack: str) -> list[Resource]:
    """A repository stack's plan plus every object its Helm charts render (``tools/chart_objects.py``), as
    ``pulumi preview`` registers them; skips (fails in CI) without the gateway chart's reference data."""
    reference_path("dask-gateway-chart")
    return list(_stack_with_chart_objects(stack))


@functools.cache
def _stack_with_chart_objects(stack: str) -> tuple[Resource, ...]:
    resources = [Resource.from_plan(entry) for entry in stack_plan(stack).resources]
    return (*resources, *chart_objects(resources, REFERENCE_DIR))


def chart_child(component: str, chart: str, resource_type: str, name: str, inputs: Mapping[str, Any]) -> Resource:
    """An object the Helm Chart ``chart`` declared by the component type ``component`` renders, as a real preview
    registers it; ``metadata.name`` is ``name`` unless ``inputs`` sets one."""
    urn = f"urn:pulumi:prod::{PROJECT}::{component}${CHART}${resource_type}::{chart}:{name}"
    metadata = {"name": name, **dict(inputs.get("metadata") or {})}
    return Resource(urn=urn, type=resource_type, name=f"{chart}:{name}", inputs={**inputs, "metadata": metadata})


def own_resource(resource_type: str, name: str, inputs: Mapping[str, Any]) -> Resource:
    """A resource the program declares itself (not rendered by a chart), with ``metadata.name`` ``name``."""
    urn = f"urn:pulumi:prod::{PROJECT}::{resource_type}::{name}"
    metadata = {"name": name, **dict(inputs.get("metadata") or {})}
    return Resource(urn=urn, type=resource_type, name=name, inputs={**inputs, "metadata": metadata})


# ---------------------------------------------------------------------------------------------------------------
# Stacks at scale


def team_with_cluster(index: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """Team ``team-<index>`` with a quota, and one small declared cluster in its namespace."""
    name = f"team-{index:03d}"
    team = {
        "name": name,
        "quota": {"pods": 10, "requests": {"cpu": "4", "memory": "16Gi"}, "limits": {"cpu": "8", "memory": "32Gi"}},
    }
    cluster = {
        "name": f"{name}-small",
        "namespace": name,
        "worker": {
            "replicas": 1,
            "resources": {"requests": {"cpu": "500m", "memory": "1Gi"}, "limits": {"cpu": "1", "memory": "2Gi"}},
        },
    }
    return team, cluster


@functools.cache
def plan_with_teams(count: int, stack: str = "prod") -> Plan:
    """``stack``'s file plus ``count`` teams from ``team_with_cluster``, after the teams and clusters it has."""
    generated = [team_with_cluster(index) for index in range(1, count + 1)]
    teams = [*stack_file_value(stack, "teams", []), *(team for team, _ in generated)]
    clusters = [*stack_file_value(stack, "clusters", []), *(cluster for _, cluster in generated)]
    return variant(stack, {"teams": teams, "clusters": clusters}).plan


def dependency_edges(resources: Resources) -> int:
    """How many resource-to-resource dependencies a plan records."""
    return sum(len(resource["dependencies"]) for resource in resources)


# ---------------------------------------------------------------------------------------------------------------
# What `pulumi up` would do between two plans

PropertyPath = tuple[str | int, ...]


def property_path(text: str) -> PropertyPath:
    """``spec.worker.spec`` or ``spec.containers[0].image`` as Pulumi parses a property path (``*`` matches any
    one key or index)."""
    parts: list[str | int] = []
    for part in text.split("."):
        name, *indexes = part.replace("]", "").split("[")
        parts.append(name)
        parts += [int(index) if index != "*" else "*" for index in indexes]
    return tuple(parts)


def changed_paths(old: Any, new: Any, at: PropertyPath = ()) -> list[PropertyPath]:
    """The innermost paths where two input values differ, as a provider's detailed diff reports them: a key
    added, removed or changed in a mapping, an element in a list."""
    if isinstance(old, dict) and isinstance(new, dict):
        keys = [*old, *(key for key in new if key not in old)]
        return [path for key in keys for path in changed_paths(old.get(key), new.get(key), (*at, key))]
    if isinstance(old, list) and isinstance(new, list):
        shared = [
            path
            for index, (a, b) in enumerate(zip(old, new, strict=False))
            for path in changed_paths(a, b, (*at, index))
        ]
        return shared + [(*at, index) for index in range(min(len(old), len(new)), max(len(old), len(new)))]
    return [] if old == new else [at]


def covers(pattern: PropertyPath, path: PropertyPath) -> bool:
    """Whether a ``replaceOnChanges`` path covers a changed path: it is the path itself or one of its parents."""
    return len(pattern) <= len(path) and all(p in ("*", q) for p, q in zip(pattern, path, strict=False))


def change_of(old: Mapping[str, Any] | None, new: Mapping[str, Any] | None) -> str | None:
    """``create``, ``delete``, ``replace``, ``update`` or ``None`` (no change) for one resource, decided from its
    inputs and its ``replaceOnChanges`` as Pulumi's engine decides it. Replacements a provider forces on its own
    (an immutable field) are not modelled: the resources whose replacement matters here declare them."""
    if old is None:
        return "create"
    if new is None:
        return "delete"
    paths = changed_paths(old["inputs"], new["inputs"])
    if not paths:
        return None
    patterns = [property_path(text) for text in new.get("replaceOnChanges", ())]
    return "replace" if any(covers(pattern, path) for pattern in patterns for path in paths) else "update"


def resource_key(resource: Mapping[str, Any]) -> str:
    """``<kind> <name>``, e.g. ``DaskCluster dask-clusters-dask-batch-batch-daskcluster``: unique in a plan."""
    return f"{resource['type'].rsplit(':', 1)[-1]} {resource['name']}"


def plan_changes(before: Resources, after: Resources) -> dict[str, str]:
    """What ``pulumi up`` does going from plan ``before`` to plan ``after``, per changed resource (``resource_key``)."""
    old = {r["urn"]: r for r in before}
    new = {r["urn"]: r for r in after}
    changes = {}
    for urn in [*old, *(urn for urn in new if urn not in old)]:
        change = change_of(old.get(urn), new.get(urn))
        if change is not None:
            changes[resource_key(new.get(urn) or old[urn])] = change
    return changes


# ---------------------------------------------------------------------------------------------------------------
# CRD schemas


def crd_validators(paths: Iterable[Path]) -> dict[tuple[str, str], Any]:
    """(apiVersion, kind) -> a closed-schema validator for every served version of the CRDs in ``paths``."""
    validators: dict[tuple[str, str], Any] = {}
    for path in paths:
        crd = yaml.load(path.read_text(), Loader=yaml.CSafeLoader)
        spec = crd["spec"]
        for version in spec["versions"]:
            if not version["served"]:
                continue
            schema = copy.deepcopy(version["schema"]["openAPIV3Schema"])
            # Every object carries these; the CRD schema leaves them to the API server.
            schema["properties"].update(
                apiVersion={"type": "string"}, kind={"type": "string"}, metadata={"type": "object"}
            )
            # Draft 7 counts 2.0 as an integer, as the API server does with JSON numbers.
            key = (f"{spec['group']}/{version['name']}", spec["names"]["kind"])
            validators[key] = jsonschema.Draft7Validator(closed_schema(schema))
    return validators


# ---------------------------------------------------------------------------------------------------------------
# NetworkPolicies, evaluated as Kubernetes does for the selectors the platform writes


def selects(selector: Mapping[str, Any], labels: Mapping[str, str]) -> bool:
    """A label selector (matchLabels, matchExpressions with In, NotIn, Exists, DoesNotExist) against labels."""
    if any(labels.get(key) != value for key, value in selector.get("matchLabels", {}).items()):
        return False
    tests = {
        "In": lambda key, values: labels.get(key) in values,
        "NotIn": lambda key, values: labels.get(key) not in values,
        "Exists": lambda key, _values: key in labels,
        "DoesNotExist": lambda key, _values: key not in labels,
    }
    return all(tests[e["operator"]](e["key"], e.get("values", [])) for e in selector.get("matchExpressions", []))


def namespace_labels(name: str) -> dict[str, str]:
    return {"kubernetes.io/metadata.name": name}


def _peer_admits(peer: Mapping[str, Any], source_namespace: str, source: Mapping[str, str], namespace: str) -> bool:
    if "namespaceSelector" in peer:
        if not selects(peer["namespaceSelector"], namespace_labels(source_namespace)):
            return False
    elif source_namespace != namespace:
        return False
    return selects(peer.get("podSelector", {}), source)


def admits(
    policies: Iterable[Mapping[str, Any]],
    source: tuple[str, Mapping[str, str]],
    destination: tuple[str, Mapping[str, str]],
    port: int,
) -> bool:
    """Whether a pod (namespace, labels) may open a TCP connection to another pod's ``port`` under
    ``policies``: a pod no Ingress policy selects takes everything; otherwise one rule of a policy that selects
    it must admit both the peer and the port."""
    namespace, labels = destination
    selecting = [
        p
        for p in policies
        if p["metadata"]["namespace"] == namespace
        and "Ingress" in p["spec"].get("policyTypes", ["Ingress"])
        and selects(p["spec"]["podSelector"], labels)
    ]
    if not selecting:
        return True
    for policy in selecting:
        for rule in policy["spec"].get("ingress", []):
            peers, ports = rule.get("from"), rule.get("ports")
            peer_ok = peers is None or any(_peer_admits(peer, *source, namespace) for peer in peers)
            port_ok = ports is None or any(entry.get("port") == port for entry in ports)
            if peer_ok and port_ok:
                return True
    return False


# ---------------------------------------------------------------------------------------------------------------
# PromQL


WRAPPING_EXPRESSIONS = (
    promql_parser.AggregateExpr,
    promql_parser.ParenExpr,
    promql_parser.UnaryExpr,
    promql_parser.SubqueryExpr,
)


def promql_metrics(expr: str) -> set[str]:
    """The metric names a PromQL expression reads, from Prometheus' own grammar (promql-parser)."""
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, promql_parser.VectorSelector):
            found.add(node.name)
        elif isinstance(node, promql_parser.MatrixSelector):
            walk(node.vector_selector)
        elif isinstance(node, promql_parser.BinaryExpr):
            walk(node.lhs)
            walk(node.rhs)
        elif isinstance(node, promql_parser.Call):
            for argument in node.args:
                walk(argument)
        elif isinstance(node, WRAPPING_EXPRESSIONS):
            walk(node.expr)

    walk(promql_parser.parse(expr))
    return found


# ---------------------------------------------------------------------------------------------------------------
# One component under Pulumi's mocks


class _Recorder(pulumi.runtime.Mocks):
    """Registered inputs as the provider gets them: secrets decrypted, so their contents can be read."""

    def __init__(self) -> None:
        self.inputs: dict[str, dict[str, Any]] = {}

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        self.inputs[args.name] = dict(args.inputs)
        return f"{args.name}-id", dict(args.inputs)

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        return {}, []


def registered_inputs(declare: Callable[[], pulumi.Resource]) -> dict[str, dict[str, Any]]:
    """The inputs of every resource ``declare`` registers, by name, under mocks set in a context of their own, so
    that no plan run later sees them."""

    def run_in_context() -> dict[str, dict[str, Any]]:
        asyncio.set_event_loop(asyncio.new_event_loop())
        recorder = _Recorder()
        pulumi.runtime.set_mocks(recorder, project="dask-platform", stack="test", preview=True)

        @pulumi.runtime.test  # type: ignore[misc]
        def run() -> pulumi.Output[str]:
            return declare().urn

        run()
        return recorder.inputs

    return contextvars.copy_context().run(run_in_context)


JUPYTERHUB_AUTH = {
    "type": "jupyterhub",
    "jupyterhub": {
        "apiTokenSecretName": "jupyterhub-api-token",
        "apiUrl": "http://hub.jupyterhub.svc.cluster.local:8081/hub/api",
        "serviceName": "dask-gateway",
    },
}
"""``gateway.auth`` for a JupyterHub in its own namespace, with the token from an existing Secret."""
