"""Rules for a team's own gateway limits (``teams[].gateway``): each bound lies within the gateway's, so a team
narrows what its users may ask for and never widens it."""

from __future__ import annotations

from config.gateway import CoresOption, GatewayConfig, MemoryOption
from config.quantities import gateway_memory_bytes
from config.teams import TeamConfig, TeamGatewayLimits
from config.types import Problems, cross_section_problem

Path = tuple[str | int, ...]


def _within(at: Path, team: float, gateway: float, gateway_key: str, low: bool) -> Problems:
    outside = team < gateway if low else team > gateway
    if outside:
        word = "below" if low else "above"
        yield cross_section_problem(at, team, f"is {word} {gateway_key} {gateway}: a team narrows the gateway's bounds")


def _cores(at: Path, team: CoresOption | None, gateway: CoresOption, gateway_key: str) -> Problems:
    if team is not None:
        yield from _within((*at, "min"), team.min, gateway.min, f"{gateway_key}.min", low=True)
        yield from _within((*at, "max"), team.max, gateway.max, f"{gateway_key}.max", low=False)


def _memory(at: Path, team: MemoryOption | None, gateway: MemoryOption) -> Problems:
    if team is None:
        return
    key = "gateway.clusterOptions.workerMemory"
    for end, low in (("min", True), ("max", False)):
        size, bound = getattr(team, end), getattr(gateway, end)
        if (
            (gateway_memory_bytes(size) < gateway_memory_bytes(bound))
            if low
            else (gateway_memory_bytes(size) > gateway_memory_bytes(bound))
        ):
            word = "below" if low else "above"
            yield cross_section_problem(
                (*at, end), size, f"is {word} {key}.{end} {bound!r}: a team narrows the gateway's bounds"
            )


def _cluster_limits(gateway: GatewayConfig, at: Path, limits: TeamGatewayLimits) -> Problems:
    caps = (
        ("clusterMaxCores", limits.cluster_max_cores, gateway.cluster_max_cores),
        ("clusterMaxWorkers", limits.cluster_max_workers, gateway.cluster_max_workers),
    )
    for key, team_cap, gateway_cap in caps:
        if team_cap is not None:
            yield from _within((*at, key), team_cap, gateway_cap, f"gateway.{key}", low=False)
    workers = limits.cluster_max_workers or gateway.cluster_max_workers
    for option in gateway.extra_options:
        if option.goes_to.cluster_config == "cluster_max_workers" and (option.min or 0) > workers:
            yield cross_section_problem(
                (*at, "clusterMaxWorkers"),
                workers,
                f"is below the min {option.min} of option {option.name!r}, which sets the cluster's worker cap",
            )
    cap = gateway.clusters_per_user
    if limits.clusters_per_user is not None and cap is not None:
        yield from _within((*at, "clustersPerUser"), limits.clusters_per_user, cap, "gateway.clustersPerUser", False)
    memory = limits.cluster_max_memory
    if memory is not None and gateway_memory_bytes(memory) > gateway_memory_bytes(gateway.cluster_max_memory):
        yield cross_section_problem(
            (*at, "clusterMaxMemory"), memory, f"is above gateway.clusterMaxMemory {gateway.cluster_max_memory!r}"
        )


def _consistent(gateway: GatewayConfig, at: Path, limits: TeamGatewayLimits) -> Problems:
    """The team's bounds against each other, each taken from the gateway where the team sets none."""
    options = gateway.cluster_options
    cores = limits.worker_cores or options.worker_cores
    cores_limit = limits.worker_cores_limit or options.worker_cores_limit
    max_cores = limits.cluster_max_cores or gateway.cluster_max_cores
    memory = limits.worker_memory or options.worker_memory
    max_memory = limits.cluster_max_memory or gateway.cluster_max_memory
    if cores.max > cores_limit.max:
        yield cross_section_problem(
            (*at, "workerCores", "max"), cores.max, f"is above the team's workerCoresLimit.max {cores_limit.max}"
        )
    if cores.max > max_cores:
        yield cross_section_problem(
            (*at, "workerCores", "max"), cores.max, f"is above the team's clusterMaxCores {max_cores}"
        )
    if gateway_memory_bytes(memory.max) > gateway_memory_bytes(max_memory):
        yield cross_section_problem(
            (*at, "workerMemory", "max"), memory.max, f"is above the team's clusterMaxMemory {max_memory!r}"
        )


def _profiles(gateway: GatewayConfig, profiles: list[str], at: Path, limits: TeamGatewayLimits) -> Problems:
    if limits.profiles is None:
        return
    if not gateway.profile_option.enabled:
        yield cross_section_problem(
            (*at, "profiles"), limits.profiles, "needs gateway.profileOption.enabled: true, the option it narrows"
        )
    for profile in limits.profiles:
        if profile not in profiles:
            yield cross_section_problem(
                (*at, "profiles"),
                profile,
                f"no such image profile; images.profiles has {', '.join(profiles)}",
            )


def team_gateway_limits(gateway: GatewayConfig, teams: list[TeamConfig], profiles: list[str]) -> Problems:
    """Where the teams' own gateway limits leave the gateway's, or contradict each other."""
    options = gateway.cluster_options
    for index, team in enumerate(teams):
        limits = team.gateway
        if limits is None:
            continue
        at: Path = ("teams", index, "gateway")
        if not team.gateway_groups:
            yield cross_section_problem(
                at,
                limits.model_dump(mode="json", by_alias=True, exclude_unset=True),
                "applies to the team's gateway users, and gatewayGroups names none; set gatewayGroups",
            )
        yield from _cores(
            (*at, "workerCores"), limits.worker_cores, options.worker_cores, "gateway.clusterOptions.workerCores"
        )
        yield from _cores(
            (*at, "workerCoresLimit"),
            limits.worker_cores_limit,
            options.worker_cores_limit,
            "gateway.clusterOptions.workerCoresLimit",
        )
        yield from _memory((*at, "workerMemory"), limits.worker_memory, options.worker_memory)
        yield from _cluster_limits(gateway, at, limits)
        yield from _consistent(gateway, at, limits)
        yield from _profiles(gateway, profiles, at, limits)
