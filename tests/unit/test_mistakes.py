"""Realistic mistakes in a stack file, several of each kind, each refused before anything is declared.

Every case must be refused with one line per problem that names the stack file, the key path and the value,
at most 300 characters, without a traceback. The first case of each kind is an example in docs/mistakes.md
(``tools/mistakes_reference.py``), whose messages ``tests/unit/test_generated_docs.py`` keeps current.
"""

from __future__ import annotations

import math
from typing import Any

import pytest

from tests.helpers import TEST_STACK_FILE, error_for
from tools.mistakes_reference import EXAMPLES, SECRETS, Mistake, cluster, dev, local, prod, resources

MAX_MESSAGE = 300
HUB = {
    "auth": {
        "type": "jupyterhub",
        "jupyterhub": {"apiTokenSecretName": "hub-token", "apiUrl": "http://hub:8081/hub/api", "serviceName": "gw"},
    }
}


def team(**fields: Any) -> dict[str, Any]:
    return {"name": "team-ml", **fields}


def team_limits(**limits: Any) -> dict[str, Any]:
    return team(gatewayGroups=["ml"], gateway=limits)


def text_option(**fields: Any) -> dict[str, Any]:
    return {"name": "note", "type": "string", "default": "", **fields}


MISTAKES = [
    *EXAMPLES,
    # Quantities Kubernetes or the gateway would reject.
    Mistake(
        "a quantity Kubernetes rejects",
        dev(session={"resources": resources(memory="0")}),
        'dask-platform:session.resources.requests.memory = "0"',
    ),
    Mistake(
        "a quantity Kubernetes rejects",
        dev(session={"resources": resources(memory="lots")}),
        'dask-platform:session.resources.requests.memory = "lots"',
    ),
    Mistake(
        "the gateway's size convention in a pod",
        dev(clusters=[cluster(worker={"resources": resources(memory="2 G")})]),
        'dask-platform:clusters[0].worker.resources.requests.memory = "2 G"',
    ),
    Mistake(
        "a Kubernetes quantity in a gateway size",
        dev(gateway={"clusterOptions": {"workerMemory": {"default": "2Gi", "min": "1 G", "max": "4 G"}}}),
        'dask-platform:gateway.clusterOptions.workerMemory.default = "2Gi"',
    ),
    # Labels, annotations and names Kubernetes rejects.
    Mistake(
        "a label Kubernetes rejects",
        dev(clusters=[cluster(labels={"team": "x" * 64})]),
        'dask-platform:clusters[0].labels.team = "xxxx',
    ),
    Mistake(
        "a label Kubernetes rejects",
        dev(clusters=[cluster(labels={"team": "a b"})]),
        'dask-platform:clusters[0].labels.team = "a b"',
    ),
    Mistake(
        "a label Kubernetes rejects",
        dev(clusters=[cluster(annotations={"-bad.example.com/x": "y"})]),
        'dask-platform:clusters[0].annotations has the key "-bad.example.com/x"',
    ),
    Mistake(
        "a label Kubernetes rejects",
        dev(clusters=[cluster(worker={"gpu": {"count": 1, "nodeSelector": {"gpu": "yes please"}}})]),
        'dask-platform:clusters[0].worker.gpu.nodeSelector.gpu = "yes please"',
    ),
    Mistake(
        "an environment variable name",
        dev(clusters=[cluster(worker={"env": {"1ST": "x"}})]),
        'dask-platform:clusters[0].worker.env has the key "1ST"',
    ),
    # Names that collide.
    Mistake(
        "names that collide",
        dev(
            clusters=[
                cluster(name="a", workerGroups=[{"name": "b-c"}]),
                cluster(name="a-b", workerGroups=[{"name": "c"}]),
            ]
        ),
        "dask-platform:clusters[1].workerGroups[0].name = \"c\": makes the DaskWorkerGroup 'a-b-c'",
    ),
    Mistake(
        "names that collide",
        dev(clusters=[cluster(), cluster()]),
        "dask-platform:clusters[1].name = \"batch\": another cluster in namespace 'dask-users' already has this name",
    ),
    Mistake(
        "names that collide",
        dev(teams=[team(), team()]),
        'dask-platform:teams[1].name = "team-ml": names a team that is already listed',
    ),
    # Numbers that cannot all hold.
    Mistake(
        "numbers that cannot all hold",
        dev(teams=[team()], clusters=[cluster(namespace="team-ml", autoscaler={"minimum": 1, "maximum": 40})]),
        "dask-platform:clusters[0].autoscaler.maximum = 40: can never be reached",
    ),
    Mistake(
        "numbers that cannot all hold",
        dev(
            session={"resources": {"requests": {"cpu": "2", "memory": "1Gi"}, "limits": {"cpu": "1", "memory": "1Gi"}}}
        ),
        "dask-platform:session.resources = ",
    ),
    Mistake(
        "numbers that cannot all hold",
        dev(gateway={"clusterMaxCores": 2}),
        "dask-platform:gateway.clusterOptions.workerCores.max = 4.0: is above gateway.clusterMaxCores 2.0",
    ),
    # Auth settings that cannot work.
    Mistake(
        "auth that cannot work",
        dev(teams=[team(gatewayGroups=["ml"])]),
        'dask-platform:teams[0].gatewayGroups = ["ml"]: needs an authenticator that reports groups',
    ),
    Mistake(
        "auth that cannot work",
        dev(gateway=HUB),
        "dask-platform:session.enabled = null: the session has no JupyterHub token",
    ),
    Mistake(
        "auth that cannot work",
        {"environment": "prod", "kubernetes": {"context": "prod"}},
        'dask-platform:gateway.auth.type = "simple": prod needs a password',
    ),
    # Prod that would act on the wrong cluster or open itself up.
    Mistake(
        "prod on the wrong cluster",
        prod(kubernetes={"context": ""}),
        'dask-platform:kubernetes.context = "": String should have at least 1 character',
    ),
    Mistake(
        "a service open to the outside",
        dev(gateway={"service": {"type": "NodePort"}}),
        'dask-platform:gateway.service.type = "NodePort": exposes the gateway outside the cluster',
    ),
    Mistake(
        "a service open to the outside",
        dev(clusters=[cluster(scheduler={"serviceType": "LoadBalancer"})]),
        'dask-platform:clusters[0].scheduler.serviceType = "LoadBalancer": exposes the scheduler',
    ),
    Mistake(
        "a pull policy that never pulls pushed images",
        dev(images={"push": True, "registryUsername": None}, clusters=[cluster(imagePullPolicy="Never")]),
        'dask-platform:clusters[0].imagePullPolicy = "Never": a node never pulls',
    ),
    # Settings for pods that Kubernetes, the gateway or the hub would refuse.
    Mistake(
        "a pod setting Kubernetes rejects",
        dev(gateway={"api": {"placement": {"affinity": {"nodeAfinity": {}}}}}),
        'dask-platform:gateway.api.placement.affinity = {"nodeAfinity": {}}: Kubernetes refuses affinity',
    ),
    Mistake(
        "a pod setting Kubernetes rejects",
        dev(gateway={"scheduler": {"envFrom": [{"secretName": "s3", "configMapName": "s3"}]}}),
        'dask-platform:gateway.scheduler.envFrom[0] = {"secretName": "s3", "configMapName": "s3"}: name exactly one',
    ),
    Mistake(
        "a pod setting Kubernetes rejects",
        dev(clusters=[cluster(worker={"extraResources": {"limits": {"memory": "1Gi"}}})]),
        'dask-platform:clusters[0].worker.extraResources.limits has the key "memory"',
    ),
    Mistake(
        "a pod setting Kubernetes rejects",
        dev(networkPolicies={"allowFrom": [{"namespaceSelectr": {}}]}),
        'dask-platform:networkPolicies.allowFrom[0] = {"namespaceSelectr": {}}: Kubernetes refuses',
    ),
    Mistake(
        "an option that cannot work",
        dev(
            gateway={
                "extraOptions": [
                    {
                        "name": "cap",
                        "type": "integer",
                        "default": 4,
                        "min": 1,
                        "max": 99,
                        "goesTo": {"clusterConfig": "cluster_max_workers"},
                    }
                ]
            }
        ),
        'dask-platform:gateway.extraOptions[0].goesTo.clusterConfig = "cluster_max_workers": needs an integer',
    ),
    Mistake(
        "an option that cannot work",
        dev(gateway={"extraOptions": [{"name": "stage", "type": "string", "default": "x", "choices": ["a", "b"]}]}),
        'dask-platform:gateway.extraOptions[0].default = "x": must be one of the choices a, b',
    ),
    Mistake(
        "an option that cannot work",
        dev(gateway={"extraOptions": [{"name": "n", "type": "float", "default": 9, "min": 1, "max": 4}]}),
        "dask-platform:gateway.extraOptions[0].default = 9: must be within min 1.0 and max 4.0",
    ),
    # Targets that would let a user's value pass for the platform's own, and numbers that are not numbers.
    *(
        Mistake(
            "an option that cannot work",
            dev(gateway={"extraOptions": [text_option(goesTo={"label": key})]}),
            f'dask-platform:gateway.extraOptions[0].goesTo.label = "{key}": uses the reserved prefix',
        )
        for key in (
            "gateway.dask.org/cluster",
            "dask.org/cluster-name",
            "kubernetes.io/hostname",
            "app.kubernetes.io/component",
            "k8s.io/role",
        )
    ),
    *(
        Mistake(
            "an option that cannot work",
            dev(gateway={"extraOptions": [text_option(goesTo={"env": name})]}),
            f'dask-platform:gateway.extraOptions[0].goesTo.env = "{name}": is reserved (PATH, HOME, LD_*, PYTHON*',
        )
        for name in (
            "PATH",
            "LD_PRELOAD",
            "LD_LIBRARY_PATH",
            "PYTHONPATH",
            "DASK_GATEWAY_API_TOKEN",
            "DASK_DISTRIBUTED__COMM__REQUIRE_ENCRYPTION",
            "DASK_INTERNAL_INHERIT_CONFIG",
        )
    ),
    Mistake(
        "an option that cannot work",
        dev(gateway={"extraOptions": [text_option(default="x" * 300)]}),
        'dask-platform:gateway.extraOptions[0].default = "xxxx',
    ),
    Mistake(
        "an option that cannot work",
        dev(gateway={"extraOptions": [text_option(default="$(HOME)")]}),
        'dask-platform:gateway.extraOptions[0].default = "$(HOME)": may contain only letters, digits, spaces',
    ),
    Mistake(
        "an option that cannot work",
        dev(gateway={"extraOptions": [text_option(default="a", choices=["a", "b\nc"])]}),
        'dask-platform:gateway.extraOptions[0].choices = "b\\nc": may contain only letters, digits, spaces',
    ),
    Mistake(
        "an option that cannot work",
        dev(
            gateway={
                "extraOptions": [{"name": "n", "type": "integer", "default": 1, "min": 1, "max": 4, "maxLength": 9}]
            }
        ),
        "dask-platform:gateway.extraOptions[0].maxLength = 9: only string options without choices take free text",
    ),
    # A user namespace's quota set by the stack holds what is declared there.
    Mistake(
        "numbers that cannot all hold",
        dev(namespaces={"userQuotas": {"dask-users": {"pods": 1}}}, clusters=[cluster()]),
        "dask-platform:namespaces.userQuotas.dask-users.pods = 1: what runs in 'dask-users' needs 3 pods at its "
        "smallest",
    ),
    Mistake(
        "numbers that cannot all hold",
        dev(
            namespaces={"userQuotas": {"dask-users": {"requests": {"cpu": "1", "memory": "64Gi"}}}},
            clusters=[cluster()],
        ),
        "dask-platform:namespaces.userQuotas.dask-users.requests.cpu = \"1\": what runs in 'dask-users' needs",
    ),
    Mistake(
        "numbers that cannot all hold",
        dev(
            namespaces={"userQuotas": {"dask-users": {"requests": {"cpu": "4", "memory": "16Gi"}}}},
            clusters=[cluster(autoscaler={"minimum": 1, "maximum": 10})],
        ),
        "dask-platform:clusters[0].autoscaler.maximum = 10: can never be reached: with everything else in 'dask-users'",
    ),
    Mistake(
        "numbers that cannot all hold",
        dev(
            namespaces={"userQuotas": {"dask-users": {"requests": {"cpu": "100m", "memory": "16Gi"}}}},
            session={"enabled": False},
        ),
        "dask-platform:namespaces.userContainerDefaults.requests.cpu = \"250m\": is above the quota of 'dask-users'",
    ),
    # A team narrows the gateway's bounds for its users, never widens them.
    Mistake(
        "numbers that cannot all hold",
        dev(gateway=HUB, teams=[team_limits(workerCores={"default": 1, "min": 1, "max": 6})]),
        "dask-platform:teams[0].gateway.workerCores.max = 6.0: is above gateway.clusterOptions.workerCores.max 4.0",
    ),
    Mistake(
        "numbers that cannot all hold",
        dev(gateway=HUB, teams=[team_limits(workerCoresLimit={"default": 0.5, "min": 0.25, "max": 1})]),
        "dask-platform:teams[0].gateway.workerCoresLimit.min = 0.25: is below gateway.clusterOptions.workerCoresLimit",
    ),
    Mistake(
        "numbers that cannot all hold",
        dev(gateway=HUB, teams=[team_limits(workerMemory={"default": "2 G", "min": "1 G", "max": "32 G"})]),
        'dask-platform:teams[0].gateway.workerMemory.max = "32 G": is above gateway.clusterOptions.workerMemory.max',
    ),
    Mistake(
        "numbers that cannot all hold",
        dev(gateway=HUB, teams=[team_limits(clusterMaxCores=64)]),
        "dask-platform:teams[0].gateway.clusterMaxCores = 64.0: is above gateway.clusterMaxCores 16: a team narrows",
    ),
    Mistake(
        "numbers that cannot all hold",
        dev(gateway=HUB, teams=[team_limits(clusterMaxMemory="128 G")]),
        "dask-platform:teams[0].gateway.clusterMaxMemory = \"128 G\": is above gateway.clusterMaxMemory '64 G'",
    ),
    Mistake(
        "numbers that cannot all hold",
        dev(gateway=HUB, teams=[team_limits(clusterMaxWorkers=9)]),
        "dask-platform:teams[0].gateway.clusterMaxWorkers = 9: is above gateway.clusterMaxWorkers 8",
    ),
    Mistake(
        "numbers that cannot all hold",
        dev(
            gateway={
                **HUB,
                "extraOptions": [
                    {
                        "name": "max_workers",
                        "type": "integer",
                        "default": 4,
                        "min": 3,
                        "max": 8,
                        "goesTo": {"clusterConfig": "cluster_max_workers"},
                    }
                ],
            },
            teams=[team_limits(clusterMaxWorkers=2)],
        ),
        "dask-platform:teams[0].gateway.clusterMaxWorkers = 2: is below the min 3.0 of option 'max_workers'",
    ),
    Mistake(
        "numbers that cannot all hold",
        dev(gateway={**HUB, "clustersPerUser": 2}, teams=[team_limits(clustersPerUser=3)]),
        "dask-platform:teams[0].gateway.clustersPerUser = 3: is above gateway.clustersPerUser 2",
    ),
    Mistake(
        "numbers that cannot all hold",
        dev(gateway=HUB, teams=[team_limits(clusterMaxCores=2)]),
        "dask-platform:teams[0].gateway.workerCores.max = 4.0: is above the team's clusterMaxCores 2.0",
    ),
    Mistake(
        "an option that cannot work",
        dev(gateway=HUB, teams=[team_limits(profiles=["base"])]),
        'dask-platform:teams[0].gateway.profiles = ["base"]: needs gateway.profileOption.enabled: true',
    ),
    Mistake(
        "an option that cannot work",
        dev(gateway={**HUB, "profileOption": {"enabled": True}}, teams=[team_limits(profiles=["nope"])]),
        'dask-platform:teams[0].gateway.profiles = "nope": no such image profile',
    ),
    Mistake(
        "an option that cannot work",
        dev(teams=[team(gateway={"clusterMaxWorkers": 2})]),
        'dask-platform:teams[0].gateway = {"clusterMaxWorkers": 2}: applies to the team\'s gateway users',
    ),
    Mistake(
        "numbers that cannot all hold",
        dev(gateway={"extraOptions": [{"name": "n", "type": "float", "default": 1, "min": 0, "max": math.inf}]}),
        "dask-platform:gateway.extraOptions[0].max = Infinity: Input should be a finite number",
    ),
    Mistake(
        "numbers that cannot all hold",
        dev(gateway={"extraOptions": [{"name": "n", "type": "float", "default": math.nan, "min": 0, "max": 1}]}),
        "dask-platform:gateway.extraOptions[0].default",
    ),
    Mistake(
        "numbers that cannot all hold",
        dev(gateway={"clusterOptions": {"workerCores": {"default": 1, "min": 0.5, "max": math.inf}}}),
        "dask-platform:gateway.clusterOptions.workerCores.max = Infinity: Input should be a finite number",
    ),
    Mistake(
        "JupyterHub wiring that leaves the token unusable",
        dev(
            session={"enabled": False},
            gateway={
                **HUB,
                "auth": {**HUB["auth"], "jupyterhub": {"apiUrl": "http://hub:8081/hub/api", "serviceName": "gw"}},
            },
        ),
        "dask-platform:gateway.auth.jupyterhub.apiTokenSecretName = null: name the token's source once",
    ),
    # Rules between sections, each at its own key.
    Mistake(
        "a namespace the platform does not have",
        dev(session={"namespace": "elsewhere"}),
        'dask-platform:session.namespace = "elsewhere": must be one of namespaces.users (dask-users)',
    ),
    Mistake(
        "a namespace the platform does not have",
        dev(operator={"scope": "namespace"}, namespaces={"users": ["a", "b"]}),
        'dask-platform:namespaces.users = ["a", "b"]: operator.scope \'namespace\' watches exactly one',
    ),
    Mistake(
        "a namespace given two roles",
        dev(namespaces={"gateway": "dask", "users": ["dask"]}),
        'dask-platform:namespaces.users[0] = "dask": is namespaces.gateway',
    ),
    Mistake(
        "a namespace given two roles",
        dev(namespaces={"operator": "dask-gateway"}),
        'dask-platform:namespaces.operator = "dask-gateway": is namespaces.gateway: the operator needs a namespace '
        "apart from the gateway's; pick another name",
    ),
    # A local stack runs on Docker: Kubernetes keys mean nothing there, and local keys nothing on Kubernetes.
    Mistake(
        "a Kubernetes setting in a local stack",
        local(clusters=[cluster()]),
        'dask-platform:clusters = [{"name": "batch", "namespace": "dask-users"}]: is a Kubernetes setting',
    ),
    Mistake(
        "a Kubernetes setting in a local stack",
        local(gateway={"image": {"pullPolicy": "Always"}}),
        'dask-platform:gateway.image = {"pullPolicy": "Always"}: configures the gateway\'s Helm chart or pods',
    ),
    Mistake(
        "a Kubernetes setting in a local stack",
        local(images={"targets": ["k8s", "local"]}),
        'dask-platform:images.targets = ["k8s", "local"]: a local stack builds what its containers run',
    ),
    Mistake(
        "a published port that is privileged or shared",
        local(local={"ports": {"firstGateway": 9000, "jupyter": 9001}}),
        "dask-platform:local.ports.firstGateway = 9000: gives gateway base-processor the port 9001, which is already "
        "local.ports.jupyter; each container needs a port of its own on 127.0.0.1",
    ),
    Mistake(
        "a published port that is privileged or shared",
        local(local={"ports": {"gateways": {"base-processor": 8888}}}),
        "dask-platform:local.ports.gateways.base-processor = 8888: is already local.ports.jupyter",
    ),
    Mistake(
        "a published port that is privileged or shared",
        local(local={"ports": {"gateways": {"base-processor": 8000}}}),
        "dask-platform:local.ports.firstGateway = 8000: gives gateway base-staging the port 8000, which is already "
        "local.ports.gateways.base-processor",
    ),
    Mistake(
        "a published port that is privileged or shared",
        local(local={"ports": {"firstGateway": 65535}}),
        "dask-platform:local.ports.firstGateway = 65535: gives gateway base-processor the port 65536, which is above "
        "65535",
    ),
    Mistake(
        "a published port that is privileged or shared",
        local(local={"ports": {"jupyter": 70000}}),
        "dask-platform:local.ports.jupyter = 70000: Input should be less than or equal to 65535",
    ),
    Mistake(
        "a local setting that cannot apply",
        local(local={"ports": {"gateways": {"processor-gpu": 9000}}}),
        "dask-platform:local.ports.gateways.processor-gpu = 9000: no such gateway; this stack's gateways are "
        "base-staging, base-processor, staging, processor-l0, processor-s1ard, processor-mockup",
    ),
    Mistake(
        "a local setting that cannot apply",
        local(images={"processors": {"my_tool": {"requirements": "processors/l0/requirements.txt"}}}),
        'dask-platform:images.processors.my_tool = "processor-my_tool": names the gateway '
        "dask-gateway-processor-my_tool on the local network, which must be a DNS label",
    ),
    Mistake(
        "a retired local setting",
        local(local={"ports": {"gateway": 8000}}),
        "dask-platform:local.ports.gateway = 8000: retired: there is one gateway per local image now; set "
        "local.ports.firstGateway",
    ),
    Mistake(
        "a namespace the platform does not have",
        dev(namespaces={"userQuotas": {"dask-batch": {"pods": 4}}}),
        "dask-platform:namespaces = ",
    ),
]


def _message(mistake: Mistake) -> str:
    secrets = [key for key in SECRETS if key in mistake.values]
    return error_for(mistake.values, secrets)


@pytest.mark.parametrize("mistake", MISTAKES, ids=lambda mistake: f"{mistake.kind}: {mistake.expected[:60]}")
def test_the_mistake_is_refused_at_its_key_with_its_value(mistake: Mistake) -> None:
    lines = _message(mistake).splitlines()
    assert lines[0].startswith(f"{TEST_STACK_FILE}: {mistake.expected}"), lines


@pytest.mark.parametrize("mistake", MISTAKES, ids=lambda mistake: f"{mistake.kind}: {mistake.expected[:60]}")
def test_each_problem_is_one_short_line_without_a_traceback(mistake: Mistake) -> None:
    message = _message(mistake)
    assert "Traceback" not in message
    for line in message.splitlines():
        assert len(line) <= MAX_MESSAGE, line
        assert line.startswith(f"{TEST_STACK_FILE}: dask-platform:"), line


def test_the_docs_show_one_example_of_each_kind_of_mistake() -> None:
    kinds = list(dict.fromkeys(mistake.kind for mistake in MISTAKES))
    assert [example.kind for example in EXAMPLES] == kinds
