"""Rules on teams and declared clusters: where clusters may run, unique names, worker groups, image profiles,
schedulers exposed outside the cluster, and quotas against what the clusters need. Some read the cluster list alone
(they report at ``clusters[i]`` as the others do); ``config/platform.py`` runs them all, in the order it reports
them."""

from __future__ import annotations

from config.clusters import DeclaredClusterConfig, ImageChoice, declared_resource_key, worker_group_name
from config.footprint import maximum_footprint, minimum_footprint, quota_problems
from config.sections import PlatformSections
from config.types import EXTERNAL_SERVICE_TYPES, Problems, cross_section_problem
from config.user_quotas import user_quota_problems


def teams(config: PlatformSections) -> Problems:
    platform = list(dict.fromkeys([config.namespaces.gateway, config.operator_namespace, *config.namespaces.users]))
    seen: set[str] = set()
    group_owner: dict[str, str] = {}
    for index, team in enumerate(config.teams):
        if team.name in platform:
            yield cross_section_problem(
                ("teams", index, "name"),
                team.name,
                f"is already a platform namespace ({', '.join(platform)}); teams need their own",
            )
        if team.name in seen:
            yield cross_section_problem(("teams", index, "name"), team.name, "names a team that is already listed")
        seen.add(team.name)
        for group in team.gateway_groups:
            if group in group_owner:
                yield cross_section_problem(
                    ("teams", index, "gatewayGroups"),
                    group,
                    f"group {group!r} already sends its clusters to team {group_owner[group]!r}",
                )
            group_owner.setdefault(group, team.name)


def _image_profiles(index: int, cluster: DeclaredClusterConfig, profiles: list[str]) -> Problems:
    choices: list[tuple[tuple[str | int, ...], ImageChoice]] = [((), cluster), (("worker",), cluster.worker)]
    choices += [(("workerGroups", position), group) for position, group in enumerate(cluster.worker_groups)]
    if cluster.job is not None:
        choices.append((("job",), cluster.job))
    for path, choice in choices:
        if choice.profile is not None and choice.profile not in profiles:
            yield cross_section_problem(
                ("clusters", index, *path, "profile"),
                choice.profile,
                f"no such image profile; images.profiles has {', '.join(profiles) or 'none'}",
            )


def clusters(config: PlatformSections) -> Problems:
    allowed_namespaces = [*config.namespaces.users, *(team.name for team in config.teams)]
    profiles = list(config.images.profiles)
    declared: set[tuple[str, str]] = set()
    for index, cluster in enumerate(config.clusters):
        if cluster.namespace not in allowed_namespaces:
            yield cross_section_problem(
                ("clusters", index, "namespace"),
                cluster.namespace,
                f"is neither a user nor a team namespace; use one of {', '.join(allowed_namespaces)}",
            )
        if (cluster.namespace, cluster.name) in declared:
            yield cross_section_problem(
                ("clusters", index, "name"),
                cluster.name,
                f"another cluster in namespace {cluster.namespace!r} already has this name",
            )
        declared.add((cluster.namespace, cluster.name))
        yield from _image_profiles(index, cluster, profiles)


def cluster_shapes(clusters: list[DeclaredClusterConfig]) -> Problems:
    for index, cluster in enumerate(clusters):
        seen: set[str] = set()
        for position, group in enumerate(cluster.worker_groups):
            at = ("clusters", index, "workerGroups", position, "name")
            if group.name == "default":
                yield cross_section_problem(at, group.name, "is the operator's own default worker group; pick another")
            elif group.name in seen:
                yield cross_section_problem(at, group.name, "names a worker group of this cluster already listed")
            elif len(worker_group_name(cluster.name, group.name)) > 63:
                yield cross_section_problem(
                    at,
                    group.name,
                    f"makes the DaskWorkerGroup {worker_group_name(cluster.name, group.name)!r} longer than 63 "
                    "characters",
                )
            seen.add(group.name)
        if cluster.job is not None and (cluster.worker_groups or cluster.autoscaler is not None):
            yield cross_section_problem(
                ("clusters", index, "job"),
                cluster.job.command,
                "a cluster with a job is a DaskJob, whose cluster lives only while the job runs; declare "
                "workerGroups and autoscaler on a cluster without a job",
            )
        autoscaler = cluster.autoscaler
        if autoscaler is not None and not autoscaler.minimum <= cluster.worker.replicas <= autoscaler.maximum:
            yield cross_section_problem(
                ("clusters", index, "worker", "replicas"),
                cluster.worker.replicas,
                f"must be within the autoscaler's bounds, {autoscaler.minimum} to {autoscaler.maximum}",
            )


def unique_names(clusters: list[DeclaredClusterConfig]) -> Problems:
    """Objects that would share a Kubernetes name, or a Pulumi name, which joins names with '-'."""
    groups: dict[tuple[str, str], str] = {}
    resources: dict[str, str] = {}
    for index, cluster in enumerate(clusters):
        where = f"clusters[{index}]"
        owned: list[tuple[str, tuple[str | int, ...], str]] = [
            (cluster.name, ("clusters", index, "name"), cluster.name)
        ]
        for position, group in enumerate(cluster.worker_groups):
            object_name = worker_group_name(cluster.name, group.name)
            at: tuple[str | int, ...] = ("clusters", index, "workerGroups", position, "name")
            if (cluster.namespace, object_name) in groups:
                yield cross_section_problem(
                    at,
                    group.name,
                    f"makes the DaskWorkerGroup {object_name!r}, which {groups[(cluster.namespace, object_name)]} "
                    f"already makes in namespace {cluster.namespace!r}",
                )
            groups.setdefault((cluster.namespace, object_name), f"{where}.workerGroups[{position}]")
            owned.append((object_name, at, group.name))
        for object_name, location, value in owned:
            key = declared_resource_key(cluster.namespace, object_name)
            if key in resources and resources[key] != where:
                yield cross_section_problem(
                    location,
                    value,
                    f"with namespace {cluster.namespace!r} gives the same resource name as {resources[key]}; "
                    "rename one of them",
                )
            resources.setdefault(key, where)


def scheduler_exposure(clusters: list[DeclaredClusterConfig]) -> Problems:
    for index, cluster in enumerate(clusters):
        scheduler = cluster.scheduler
        if scheduler.service_type in EXTERNAL_SERVICE_TYPES and not scheduler.allow_external:
            yield cross_section_problem(
                ("clusters", index, "scheduler", "serviceType"),
                scheduler.service_type,
                "exposes the scheduler outside the cluster; set scheduler.allowExternal: true if that is intended",
            )


def quotas(config: PlatformSections) -> Problems:
    for index, team in enumerate(config.teams):
        in_team = [cluster for cluster in config.clusters if cluster.enabled and cluster.namespace == team.name]
        for key, allowed, need in quota_problems(team.quota, minimum_footprint(in_team)):
            yield cross_section_problem(
                ("teams", index, "quota", *key),
                allowed,
                f"the enabled clusters declared in {team.name!r} need {need} at their smallest; raise the quota "
                "or shrink those clusters",
            )
        for position, cluster in enumerate(config.clusters):
            if not (cluster.enabled and cluster.namespace == team.name and cluster.autoscaler is not None):
                continue
            others = [other for other in in_team if other is not cluster]
            scaled_up = maximum_footprint([cluster])
            scaled_up.add(minimum_footprint(others))
            overrun = quota_problems(team.quota, scaled_up)
            if overrun:
                _, _, need = overrun[0]
                yield cross_section_problem(
                    ("clusters", position, "autoscaler", "maximum"),
                    cluster.autoscaler.maximum,
                    f"can never be reached: with the other clusters in {team.name!r}, that needs {need}, above "
                    f"teams[{index}].quota",
                )


def user_quotas(config: PlatformSections) -> Problems:
    if config.is_local:
        return
    yield from user_quota_problems(
        config.gateway,
        config.namespaces.user_quotas,
        [config.user_namespace(name) for name in config.namespaces.users],
        config.clusters,
        config.namespaces.user_container_defaults,
    )
