"""The table of stack-file mistakes (docs/mistakes.md): one example of each kind, with the message the program prints.

The examples are test cases too: ``tests/unit/test_mistakes.py`` runs them with the other cases of their kind, so
the table shows only refusals that are tested, and ``python -m tools.docs --check`` keeps its messages current.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from config.stack import PROJECT, ConfigError, parse_stack, stack_source

EXAMPLE_STACK_FILE = "Pulumi.example.yaml"
SECRETS = ("gatewayPassword",)
"""Keys a mistake's values hold as Pulumi secrets, as a stack file would."""


@dataclass(frozen=True)
class Mistake:
    kind: str
    values: dict[str, Any]
    expected: str
    """The start of the message after the stack file: the key path and the value."""


def dev(**sections: Any) -> dict[str, Any]:
    return {"environment": "dev", **sections}


def prod(**sections: Any) -> dict[str, Any]:
    return {"environment": "prod", "kubernetes": {"context": "prod"}, "gatewayPassword": "[secret]", **sections}


def local(**sections: Any) -> dict[str, Any]:
    return {"environment": "local", **sections}


def cluster(**fields: Any) -> dict[str, Any]:
    return {"name": "batch", "namespace": "dask-users", **fields}


def resources(cpu: Any = "1", memory: Any = "1Gi") -> dict[str, Any]:
    return {"requests": {"cpu": cpu, "memory": memory}, "limits": {"cpu": cpu, "memory": memory}}


EXAMPLES = [
    Mistake(
        "a quantity Kubernetes rejects",
        dev(session={"resources": resources(cpu="-1")}),
        "dask-platform:session.resources.requests.cpu = \"-1\": '-1' must be above zero",
    ),
    Mistake(
        "the gateway's size convention in a pod",
        dev(session={"resources": resources(memory="1 G")}),
        "dask-platform:session.resources.requests.memory = \"1 G\": '1 G' is written the gateway's way",
    ),
    Mistake(
        "a Kubernetes quantity in a gateway size",
        dev(gateway={"clusterMaxMemory": "64Gi"}),
        "dask-platform:gateway.clusterMaxMemory = \"64Gi\": '64Gi' is a Kubernetes quantity",
    ),
    Mistake(
        "a label Kubernetes rejects",
        dev(clusters=[cluster(labels={"team name": "ml"})]),
        'dask-platform:clusters[0].labels has the key "team name": must be a Kubernetes label',
    ),
    Mistake(
        "an environment variable name",
        dev(clusters=[cluster(env={"MY VAR": "1"})]),
        'dask-platform:clusters[0].env has the key "MY VAR": must be an environment variable name',
    ),
    Mistake(
        "names that collide",
        dev(
            namespaces={"users": ["dask-users", "dask-users-a"]},
            clusters=[cluster(name="a-b", namespace="dask-users"), cluster(name="b", namespace="dask-users-a")],
        ),
        "dask-platform:clusters[1].name = \"b\": with namespace 'dask-users-a' gives the same resource name as "
        "clusters[0]",
    ),
    Mistake(
        "numbers that cannot all hold",
        dev(clusters=[cluster(worker={"replicas": 9}, autoscaler={"minimum": 1, "maximum": 4})]),
        "dask-platform:clusters[0].worker.replicas = 9: must be within the autoscaler's bounds, 1 to 4",
    ),
    Mistake(
        "auth that cannot work",
        prod(gateway={"auth": {"type": "jupyterhub", "jupyterhub": {"apiTokenSecretKey": ""}}}),
        'dask-platform:gateway.auth.jupyterhub.apiTokenSecretKey = "": must be a key of a Kubernetes Secret',
    ),
    Mistake(
        "prod on the wrong cluster",
        {"environment": "prod", "gatewayPassword": "[secret]"},
        "dask-platform:kubernetes.context = null: prod needs an explicit kubeconfig context",
    ),
    Mistake(
        "a service open to the outside",
        prod(gateway={"service": {"type": "LoadBalancer"}}),
        'dask-platform:gateway.service.type = "LoadBalancer": exposes the gateway outside the cluster',
    ),
    Mistake(
        "a pull policy that never pulls pushed images",
        prod(gateway={"image": {"pullPolicy": "Never"}}),
        'dask-platform:gateway.image.pullPolicy = "Never": a node never pulls',
    ),
    Mistake(
        "a pod setting Kubernetes rejects",
        dev(gateway={"worker": {"placement": {"tolerations": [{"key": "pool", "operator": "Exists", "value": "x"}]}}}),
        "dask-platform:gateway.worker.placement.tolerations[0] = ",
    ),
    Mistake(
        "an option that cannot work",
        dev(gateway={"extraOptions": [{"name": "worker_cores", "type": "string", "default": "a"}]}),
        'dask-platform:gateway.extraOptions[0].name = "worker_cores": is taken by a built-in',
    ),
    Mistake(
        "JupyterHub wiring that leaves the token unusable",
        dev(session={"enabled": False}, gateway={"auth": {"type": "jupyterhub", "jupyterhub": {"serviceName": "gw"}}}),
        "dask-platform:gateway.auth.jupyterhub.apiUrl = null: JupyterHub auth needs both apiUrl and serviceName",
    ),
    Mistake(
        "a namespace the platform does not have",
        dev(clusters=[cluster(namespace="elsewhere")]),
        'dask-platform:clusters[0].namespace = "elsewhere": is neither a user nor a team namespace',
    ),
    Mistake(
        "a namespace given two roles",
        dev(namespaces={"users": ["dask-users", "dask-gateway"]}),
        'dask-platform:namespaces.users[1] = "dask-gateway": is namespaces.gateway: clusters need a namespace apart '
        "from the gateway's; list another name",
    ),
    Mistake(
        "a Kubernetes setting in a local stack",
        local(kubernetes={"context": "minikube"}),
        'dask-platform:kubernetes = {"context": "minikube"}: is a Kubernetes setting; a local stack runs on Docker',
    ),
    Mistake(
        "a published port that is privileged or shared",
        local(local={"ports": {"jupyter": 80}}),
        "dask-platform:local.ports.jupyter = 80: is below 1024, which needs root",
    ),
    Mistake(
        "a local setting that cannot apply",
        dev(local={"ports": {"jupyter": 8890}}),
        'dask-platform:local = {"ports": {"jupyter": 8890}}: is for environment \'local\' only',
    ),
    Mistake(
        "a retired local setting",
        local(local={"gatewayProfile": "staging"}),
        'dask-platform:local.gatewayProfile = "staging": retired: every profile\'s local image now runs a gateway '
        "of its own, and each kernel uses its profile's; remove it",
    ),
]
"""The first case of each kind of mistake: the rows of docs/mistakes.md, in this order."""

INTRODUCTION = """\
<!-- generated by `python -m tools.docs` from tools/mistakes_reference.py; edit that instead -->
# Mistakes and what refuses them

A stack file is checked before anything is declared: every problem is one line with the stack file, the key
path, the value and what is allowed (`tests/unit/test_mistakes.py` holds several cases of each kind, the
examples below among them, and `python -m tools.docs --check` keeps this table equal to what the program
prints). What only shows in the deployed objects, the policy pack refuses (see [review.md](review.md)).
"""


def first_line(values: Mapping[str, Any]) -> str:
    """The first line of the message a stack with these values is refused with, after the stack file's name."""
    full = {f"{PROJECT}:{key}": value for key, value in values.items()}
    secrets = [f"{PROJECT}:{key}" for key in SECRETS if key in values]
    try:
        parse_stack(stack_source(EXAMPLE_STACK_FILE, full, secrets))
    except ConfigError as error:
        return str(error).splitlines()[0].removeprefix(f"{EXAMPLE_STACK_FILE}: ")
    raise ValueError(f"the stack {dict(values)} is accepted, so it is no example of a mistake")


def render() -> str:
    """The whole of docs/mistakes.md."""
    rows = [f"| {example.kind} | config | `{first_line(example.values)}` |" for example in EXAMPLES]
    table = ["| mistake | refused by | message (after `Pulumi.<stack>.yaml: `) |", "| --- | --- | --- |", *rows]
    return INTRODUCTION + "\n" + "\n".join(table) + "\n"
