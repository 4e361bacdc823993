"""The smoke check in the plans: dev declares the Job, pulumi waits on it, the result is read after it and
exported; prod declares none unless its stack asks for one."""

from __future__ import annotations

from tests.helpers import CHART, Resources, find, stack_plan, variant
from tools.plan import plan_stack

JOB = "kubernetes:batch/v1:Job"
CONFIG_MAP = "kubernetes:core/v1:ConfigMap"
NAMESPACE = "kubernetes:core/v1:Namespace"
SECRET = "kubernetes:core/v1:Secret"
IMAGE = "docker-build:index:Image"


def urn(resources: Resources, resource_type: str, name: str) -> str:
    found: str = find(resources, resource_type, name)["urn"]
    return found


def test_the_dev_plan_declares_the_job_and_pulumi_waits_for_it() -> None:
    job = find(stack_plan("dev").resources, JOB, "dask-smoke-job")
    annotations = job["inputs"]["metadata"]["annotations"]
    # pulumi-kubernetes waits for a Job to complete unless it carries pulumi.com/skipAwait.
    assert "pulumi.com/skipAwait" not in annotations
    assert annotations["pulumi.com/timeoutSeconds"] == "720"
    assert job["inputs"]["metadata"]["namespace"] == "dask-users"


def test_the_job_waits_for_the_gateway_the_operator_and_the_image_and_its_own_objects_only() -> None:
    resources = variant("dev", secrets={"gatewayPassword": "correct horse"}).resources
    job = find(resources, JOB, "dask-smoke-job")
    assert set(job["dependencies"]) == {
        urn(resources, CHART, "dask-gateway-chart"),
        urn(resources, CHART, "dask-operator-chart"),
        urn(resources, IMAGE, "dask-images-base-staging-k8s"),
        urn(resources, NAMESPACE, "dask-users"),
        urn(resources, "kubernetes:core/v1:ServiceAccount", "dask-smoke-account"),
        urn(resources, "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding", "dask-smoke-binding"),
        urn(resources, CONFIG_MAP, "dask-smoke-result"),
        urn(resources, CONFIG_MAP, "dask-smoke-module"),
        urn(resources, SECRET, "dask-smoke-password"),
    }
    secret = find(resources, SECRET, "dask-smoke-password")
    assert secret["inputs"]["metadata"] == {
        "name": "dask-smoke-check-gateway-password",
        "namespace": "dask-users",
        "labels": {"app.kubernetes.io/part-of": "dask-platform"},
    }
    assert secret["inputs"]["stringData"] == "[secret]"


def test_the_result_is_read_back_after_the_job_and_exported() -> None:
    plan = stack_plan("dev")
    job = find(plan.resources, JOB, "dask-smoke-job")
    (read,) = plan.reads
    assert (read["type"], read["id"]) == (CONFIG_MAP, "dask-users/dask-smoke-check-result")
    assert read["dependencies"] == [job["urn"]]
    assert plan.outputs["smokeCheck"] == {"job": job["inputs"]["metadata"]["name"], "firstWorkerSeconds": "[unknown]"}


def test_the_program_never_writes_over_the_result_the_job_wrote() -> None:
    result = find(stack_plan("dev").resources, CONFIG_MAP, "dask-smoke-result")
    assert "data" not in result["inputs"]


def test_an_unchanged_stack_plans_the_same_job() -> None:
    planned_again = find(plan_stack("dev").resources, JOB, "dask-smoke-job")["inputs"]["metadata"]["name"]
    assert planned_again == find(stack_plan("dev").resources, JOB, "dask-smoke-job")["inputs"]["metadata"]["name"]


def test_prod_runs_no_check_unless_its_stack_enables_one() -> None:
    assert not [r for r in stack_plan("prod").resources if r["type"] == JOB]
    assert "smokeCheck" not in stack_plan("prod").outputs
    token = {"secretName": "smoke-token", "key": "api-token"}
    resources = variant("prod", {"smokeCheck": {"enabled": True, "jupyterhubTokenSecret": token}}).resources
    job = find(resources, JOB, "dask-smoke-job")
    (container,) = job["inputs"]["spec"]["template"]["spec"]["containers"]
    reference = {"secretKeyRef": {"name": "smoke-token", "key": "api-token"}}
    assert {"name": "JUPYTERHUB_API_TOKEN", "valueFrom": reference} in container["env"]


def test_the_token_secret_the_check_reads_is_listed_as_required() -> None:
    token = {"secretName": "smoke-token", "key": "api-token"}
    outputs = variant("prod", {"smokeCheck": {"enabled": True, "jupyterhubTokenSecret": token}}).outputs
    assert "dask-users/smoke-token" in outputs["requiredSecrets"]
