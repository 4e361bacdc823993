"""The GitHub workflows: valid, free of zizmor findings of medium severity or above, pinned, and wired to the
tests, the previews with the policy pack, and the opt-in prod deploy."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from config.stack import PROJECT_DIR
from tests.helpers import reference_path

WORKFLOWS = PROJECT_DIR / ".github" / "workflows"
WORKFLOW_FILES = sorted(WORKFLOWS.glob("*.yml"))
BIN = Path(sys.executable).parent
USES = re.compile(r"^\s*(?:-\s+)?uses:\s*(\S+)(.*)$", re.MULTILINE)
PINNED = re.compile(r"(?P<action>[\w.-]+/[\w.-]+)@(?P<sha>[0-9a-f]{40})")
TAG_COMMENT = re.compile(r"^\s+#\s*(?P<tag>v\d[\w.-]*)\s*$")
SEVERE = {"medium", "high"}


def _workflow(name: str) -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((WORKFLOWS / name).read_text())
    return document


def _steps_using(job: dict[str, Any], action: str) -> list[dict[str, Any]]:
    return [step for step in job["steps"] if str(step.get("uses", "")).startswith(f"{action}@")]


def test_workflows_exist() -> None:
    assert [path.name for path in WORKFLOW_FILES] == ["deploy-prod.yml", "pull-request.yml"]


def test_workflows_match_the_github_workflow_schema() -> None:
    result = subprocess.run(
        [BIN / "check-jsonschema", "--builtin-schema", "vendor.github-workflows", *WORKFLOW_FILES],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_zizmor_finds_nothing_of_medium_severity_or_above() -> None:
    result = subprocess.run(
        [BIN / "zizmor", "--offline", "--no-ignores", "--format", "json", "--no-progress", WORKFLOWS],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.stdout.strip(), f"zizmor produced no report: {result.stderr}"
    severe = [
        f"{finding['ident']} ({finding['determinations']['severity']}): {finding['desc']} in "
        f"{finding['locations'][0]['symbolic']['key']['Local']['verbatim_path']}"
        for finding in json.loads(result.stdout)
        if finding["determinations"]["severity"].lower() in SEVERE
    ]
    assert severe == []


def test_actions_are_pinned_to_the_commits_of_current_releases() -> None:
    table = reference_path("github-actions.md").read_text()
    releases = set(re.findall(r"^\| ([\w.-]+/[\w.-]+) \| (v[\w.-]+) \| ([0-9a-f]{40}) \|", table, re.MULTILINE))
    assert releases, "no release rows found in github-actions.md"
    for path in WORKFLOW_FILES:
        for reference, rest in USES.findall(path.read_text()):
            pinned, comment = PINNED.fullmatch(reference), TAG_COMMENT.match(rest)
            assert pinned and comment, f"{path.name}: `uses: {reference}{rest}` is not `owner/repo@<sha> # <tag>`"
            release = (pinned["action"], comment["tag"], pinned["sha"])
            assert release in releases, f"{path.name}: {release} is not a release in github-actions.md"


@pytest.mark.parametrize("path", WORKFLOW_FILES, ids=lambda path: path.name)
def test_permissions_start_empty_and_each_job_grants_its_own(path: Path) -> None:
    workflow = yaml.safe_load(path.read_text())
    assert workflow["permissions"] == {}
    for name, job in workflow["jobs"].items():
        assert "permissions" in job, f"{path.name}: job {name} does not declare its permissions"
        assert job["permissions"].get("contents") == "read", f"{path.name}: job {name}"


def test_pull_requests_run_the_tests_then_preview_each_stack_with_the_policy_pack() -> None:
    workflow = _workflow("pull-request.yml")
    assert set(workflow[True]) == {"pull_request"}  # PyYAML reads the key `on` as True
    test = workflow["jobs"]["test"]
    assert any(step.get("run") == "bash scripts/test" for step in test["steps"])
    preview = workflow["jobs"]["preview"]
    assert preview["needs"] == "test"
    assert preview["strategy"]["matrix"]["stack"] == ["dev", "prod"]
    assert preview["permissions"] == {"contents": "read", "pull-requests": "write"}
    [pulumi] = _steps_using(preview, "pulumi/actions")
    assert pulumi["with"]["command"] == "preview"
    assert pulumi["with"]["stack-name"] == "${{ matrix.stack }}"
    assert pulumi["with"]["diff"] is True
    assert pulumi["with"]["policyPacks"] == "policy"
    assert pulumi["with"]["comment-on-pr"] is True
    assert pulumi["with"]["cloud-url"] == "${{ secrets.PULUMI_BACKEND_URL }}"
    assert pulumi["env"]["PULUMI_CONFIG_PASSPHRASE"] == "${{ secrets.PULUMI_CONFIG_PASSPHRASE }}"


def test_push_to_main_deploys_prod_only_when_the_repository_variable_says_so() -> None:
    workflow = _workflow("deploy-prod.yml")
    assert workflow[True] == {"push": {"branches": ["main"]}}
    [job] = workflow["jobs"].values()
    assert job["if"] == "vars.PULUMI_PROD_DEPLOY == 'true'"
    assert job["environment"] == "prod"
    assert any(step.get("run") == "bash scripts/test" for step in job["steps"])
    [pulumi] = _steps_using(job, "pulumi/actions")
    assert (pulumi["with"]["command"], pulumi["with"]["stack-name"]) == ("up", "prod")
    assert pulumi["with"]["policyPacks"] == "policy"


def test_workflows_install_the_pulumi_cli_that_matches_the_sdk() -> None:
    [sdk] = re.findall(r"^pulumi==([\d.]+)$", (PROJECT_DIR / "requirements.txt").read_text(), re.MULTILINE)
    for path in WORKFLOW_FILES:
        for step in (step for job in yaml.safe_load(path.read_text())["jobs"].values() for step in job["steps"]):
            if str(step.get("uses", "")).startswith("pulumi/actions@"):
                assert str(step["with"]["pulumi-version"]) == sdk, f"{path.name}: keep it at requirements.txt's pulumi"


@pytest.mark.parametrize("path", WORKFLOW_FILES, ids=lambda path: path.name)
def test_tests_read_upstream_charts_fetched_with_helm_pull_not_a_second_checkout(path: Path) -> None:
    for job in yaml.safe_load(path.read_text())["jobs"].values():
        steps = job["steps"]
        assert not [step for step in steps if "repository" in step.get("with", {})], f"{path.name}: second checkout"
        runs = [step.get("run") for step in steps]
        if "bash scripts/test" not in runs:
            continue
        fetch = runs.index('bash scripts/fetch-reference "$RUNNER_TEMP/reference"')
        test = runs.index("bash scripts/test")
        assert fetch < test
        assert steps[test]["env"]["DASK_PLATFORM_REFERENCE"] == "${{ runner.temp }}/reference"
    assert (
        "helm pull dask-gateway --repo https://helm.dask.org" in (PROJECT_DIR / "scripts/fetch-reference").read_text()
    )
