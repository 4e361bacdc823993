"""The generated gateway configuration, run by a real dask-gateway-server and used through a real client.

The server runs as a subprocess started with ``python -m dask_gateway_server -f <file>`` on loopback ports,
with the local backend (clusters are processes of the current user) and ``shipped/gateway_config.py`` appended
verbatim, as the Helm chart appends ``gateway.extraConfig``, reading the stack's data from its environment.
The Kubernetes variant of the same data is checked through the Kubernetes backend's own option processing,
which is what the gateway pod runs for every new cluster.
"""

from __future__ import annotations

import asyncio
import getpass
import math
import os
import re
from collections.abc import Coroutine, Iterator
from typing import Any, TypeVar

import aiohttp
import dask.bag
import pytest
from dask_gateway.options import Float, Options, String

from config.gateway import GatewayConfig
from config.stack import PROJECT_DIR, read_stack
from render.gateway_options import gateway_options_data
from render.names import PASSWORD_ENV
from tests.helpers import RunningGateway, running_gateway

pytestmark = pytest.mark.slow

GIB = 2**30
WORKER_TIMEOUT = 60
SCENARIO_TIMEOUT = 120
GATEWAY_PASSWORD = "correct horse battery staple"

T = TypeVar("T")


DEV_GATEWAY = read_stack(PROJECT_DIR / "Pulumi.dev.yaml").gateway


def run(scenario: Coroutine[Any, Any, T]) -> T:
    """Runs a client scenario on its own event loop, bounded in time as a whole.

    The clients run in asynchronous mode: the synchronous wrappers make the same requests, but their finalizers
    close already closed clients again, which fails with this distributed release and is reported at random
    points of the test run.
    """
    return asyncio.run(asyncio.wait_for(scenario, SCENARIO_TIMEOUT))


def local_data(gateway: GatewayConfig, password_required: bool = False) -> dict[str, Any]:
    """The stack's gateway data for the local backend, as the ``local`` image gets it."""
    return gateway_options_data(
        gateway,
        default_image=gateway.image.reference,
        backend="local",
        password_env=PASSWORD_ENV,
        password_required=password_required,
    )


@pytest.fixture(scope="module")
def dev_gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningGateway]:
    """The dev stack's cluster options, on a gateway without password (dev has no gatewayPassword)."""
    with running_gateway(tmp_path_factory.mktemp("dev-gateway"), local_data(DEV_GATEWAY)) as gateway:
        yield gateway


@pytest.fixture(scope="module")
def password_gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningGateway]:
    """The dev stack's cluster options plus the password read from the environment, as in the gateway pod."""
    with running_gateway(
        tmp_path_factory.mktemp("password-gateway"),
        local_data(DEV_GATEWAY, password_required=True),
        env={PASSWORD_ENV: GATEWAY_PASSWORD},
    ) as gateway:
        yield gateway


async def _cluster_options(server: RunningGateway) -> Options:
    async with server.client() as gateway:
        return await gateway.cluster_options()


def test_notebooks_find_the_four_options_with_their_names_types_and_defaults(dev_gateway: RunningGateway) -> None:
    options = run(_cluster_options(dev_gateway))
    # The field classes are what notebooks and the options widget rely on; Options exposes them only here.
    fields = options._fields
    assert {name: type(field) for name, field in fields.items()} == {
        "image": String,
        "worker_cores": Float,
        "worker_cores_limit": Float,
        "worker_memory": String,
    }
    bounds = DEV_GATEWAY.cluster_options
    assert dict(options) == {
        "image": DEV_GATEWAY.image.reference,
        "worker_cores": bounds.worker_cores.default,
        "worker_cores_limit": bounds.worker_cores_limit.default,
        "worker_memory": bounds.worker_memory.default,
    }
    assert (fields["worker_cores"].min, fields["worker_cores"].max) == (
        bounds.worker_cores.min,
        bounds.worker_cores.max,
    )


async def _compute_on_a_new_cluster(server: RunningGateway) -> tuple[int, list[dict[str, Any]], list[Any]]:
    """What a notebook does: set options, start a cluster, scale, compute, shut down."""
    async with server.client() as gateway:
        options = await gateway.cluster_options()
        options.worker_cores = 1
        options.worker_cores_limit = 2
        options.worker_memory = "2 G"
        async with gateway.new_cluster(options) as cluster:
            await cluster.scale(1)
            async with cluster.get_client(set_as_default=False) as client:
                await client.wait_for_workers(1, timeout=WORKER_TIMEOUT)
                # A builtin, so that the workers need not import this test module.
                squares = dask.bag.from_sequence(range(1, 101), npartitions=4).map(pow, 2).sum()
                total = await client.compute(squares)
                identity = await client.scheduler.identity(n_workers=-1)
            await cluster.shutdown()
        return total, list(identity["workers"].values()), await gateway.list_clusters()


def test_a_cluster_started_with_notebook_options_computes_with_the_requested_worker(
    dev_gateway: RunningGateway,
) -> None:
    total, workers, clusters_left = run(_compute_on_a_new_cluster(dev_gateway))
    assert total == sum(n * n for n in range(1, 101))
    assert len(workers) == 1
    # The gateway reads "2 G" as 2 GiB, and the worker is started with exactly that limit.
    assert workers[0]["memory_limit"] == 2 * GIB
    assert workers[0]["nthreads"] == 1
    assert clusters_left == []


def test_a_notebook_cannot_set_cores_outside_the_stack_bounds(dev_gateway: RunningGateway) -> None:
    bounds = DEV_GATEWAY.cluster_options
    options = run(_cluster_options(dev_gateway))
    with pytest.raises(ValueError, match=re.escape(f"worker_cores must be <= {bounds.worker_cores.max:f}, got 100")):
        options.worker_cores = 100
    with pytest.raises(ValueError, match=re.escape(f"worker_cores must be >= {bounds.worker_cores.min:f}, got 0.1")):
        options.worker_cores = 0.1
    with pytest.raises(
        ValueError, match=re.escape(f"worker_cores_limit must be <= {bounds.worker_cores_limit.max:f}, got 100")
    ):
        options.worker_cores_limit = 100


async def _refusal(server: RunningGateway, options: Options | None = None, **raw_options: Any) -> str:
    """The message of the error a cluster request gets, after checking that no cluster was started."""
    async with server.client() as gateway:
        with pytest.raises(ValueError) as refused:
            await gateway.new_cluster(options, **raw_options)
        assert await gateway.list_clusters() == []
    return str(refused.value)


MEMORY_SIZE_HELP = "must be a memory size such as '2 G' (suffix K, M, G or T, powers of 1024)"


@pytest.mark.parametrize(
    ("raw_options", "message"),
    [
        ({"worker_cores": 100}, "worker_cores must be <= {o.worker_cores.max:f}, got 100.0"),
        ({"worker_cores": 0.1}, "worker_cores must be >= {o.worker_cores.min:f}, got 0.1"),
        ({"worker_cores_limit": 100}, "worker_cores_limit must be <= {o.worker_cores_limit.max:f}, got 100.0"),
        ({"worker_memory": "lots"}, f"worker_memory {MEMORY_SIZE_HELP}, got 'lots'"),
        ({"worker_memory": "2 X"}, f"worker_memory {MEMORY_SIZE_HELP}, got '2 X'"),
        (
            {"worker_memory": "64 G"},
            "worker_memory must be between {o.worker_memory.min!r} and {o.worker_memory.max!r}, got '64 G'",
        ),
    ],
    ids=[
        "cores-above-max",
        "cores-below-min",
        "limit-above-max",
        "memory-word",
        "memory-unknown-suffix",
        "memory-too-big",
    ],
)
def test_the_server_rejects_bad_options_sent_raw_with_a_clear_message(
    dev_gateway: RunningGateway, raw_options: dict[str, Any], message: str
) -> None:
    assert run(_refusal(dev_gateway, **raw_options)) == message.format(o=DEV_GATEWAY.cluster_options)


def test_a_malformed_memory_set_in_the_options_object_is_rejected_on_submit(dev_gateway: RunningGateway) -> None:
    options = run(_cluster_options(dev_gateway))
    options.worker_memory = "lots"
    assert run(_refusal(dev_gateway, options)) == f"worker_memory {MEMORY_SIZE_HELP}, got 'lots'"


async def _list_clusters(server: RunningGateway, password: str) -> list[Any]:
    async with server.client(password=password) as gateway:
        return await gateway.list_clusters()


def test_the_password_from_the_environment_guards_the_gateway(password_gateway: RunningGateway) -> None:
    assert GATEWAY_PASSWORD not in password_gateway.config_text
    with pytest.raises(aiohttp.ClientResponseError) as refused:
        run(_list_clusters(password_gateway, password="not the password"))
    assert refused.value.status == 401
    assert run(_list_clusters(password_gateway, password=GATEWAY_PASSWORD)) == []


OPTIONS_GATEWAY = DEV_GATEWAY.model_copy(
    update={
        "extra_options": GatewayConfig.model_validate(
            {
                "extraOptions": [
                    {"name": "cluster_name", "type": "string", "default": ""},
                    {
                        "name": "stage",
                        "type": "string",
                        "default": "dev",
                        "choices": ["dev", "prod"],
                        "goesTo": {"env": "DATA_STAGE"},
                    },
                    {
                        "name": "max_workers",
                        "type": "integer",
                        "default": 2,
                        "min": 1,
                        "max": 4,
                        "goesTo": {"clusterConfig": "cluster_max_workers"},
                    },
                    {
                        "name": "scheduler_cores",
                        "type": "float",
                        "default": 1,
                        "min": 1,
                        "max": 2,
                        "goesTo": {"clusterConfig": "scheduler_cores"},
                    },
                    {"name": "spill", "type": "bool", "default": False, "goesTo": {"env": "DASK_SPILL"}},
                ]
            }
        ).extra_options
    }
)


@pytest.fixture(scope="module")
def options_gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningGateway]:
    """The dev stack's gateway with an admin-declared option of every type."""
    with running_gateway(tmp_path_factory.mktemp("options-gateway"), local_data(OPTIONS_GATEWAY)) as gateway:
        yield gateway


async def _declared_options_in_a_worker(server: RunningGateway) -> tuple[dict[str, Any], list[Any], str, str]:
    """A notebook's view: the declared options with their defaults, then a cluster started with some of them set,
    whose worker sees the environment the options sent there."""
    async with server.client() as gateway:
        options = await gateway.cluster_options()
        defaults = dict(options)
        options.cluster_name = "nightly-etl"
        options.stage = "prod"
        options.spill = True
        async with gateway.new_cluster(options) as cluster:
            await cluster.scale(1)
            async with cluster.get_client(set_as_default=False) as client:
                await client.wait_for_workers(1, timeout=WORKER_TIMEOUT)
                stage = await client.run(os.getenv, "DATA_STAGE")
                spill = await client.run(os.getenv, "DASK_SPILL")
            listed = await gateway.list_clusters()
            await cluster.shutdown()
        return defaults, [report.options for report in listed], next(iter(stage.values())), next(iter(spill.values()))


def test_declared_options_of_every_type_reach_the_cluster_and_stay_with_it(options_gateway: RunningGateway) -> None:
    defaults, listed, stage, spill = run(_declared_options_in_a_worker(options_gateway))
    assert {key: defaults[key] for key in ("cluster_name", "stage", "max_workers", "scheduler_cores", "spill")} == {
        "cluster_name": "",
        "stage": "dev",
        "max_workers": 2,
        "scheduler_cores": 1.0,
        "spill": False,
    }
    assert (stage, spill) == ("prod", "true")
    assert [options["cluster_name"] for options in listed] == ["nightly-etl"]


@pytest.mark.parametrize(
    ("raw_options", "message"),
    [
        ({"max_workers": 5}, "max_workers must be <= 4.000000, got 5"),
        ({"max_workers": 0}, "max_workers must be >= 1.000000, got 0"),
        ({"scheduler_cores": 3}, "scheduler_cores must be <= 2.000000, got 3.0"),
        ({"stage": "test"}, "stage must be one of dev, prod, got 'test'"),
        ({"spill": "yes"}, "spill must be a bool, got 'yes'"),
    ],
    ids=["integer-above", "integer-below", "float-above", "choice-unknown", "bool-not-bool"],
)
def test_declared_options_out_of_range_are_refused_naming_the_option_and_range(
    options_gateway: RunningGateway, raw_options: dict[str, Any], message: str
) -> None:
    assert run(_refusal(options_gateway, **raw_options)) == message


def test_the_server_refuses_a_nan_cores_limit_sent_by_the_client_and_keeps_no_cluster(
    options_gateway: RunningGateway,
) -> None:
    # NaN passes both bounds of a plain float option; stored, it made the cluster record invalid JSON.
    message = run(_refusal(options_gateway, worker_cores_limit=math.nan))
    assert message == "worker_cores_limit must be a finite number, got nan"


def test_the_server_refuses_nan_set_in_the_clients_options_object(options_gateway: RunningGateway) -> None:
    options = run(_cluster_options(options_gateway))
    # The client's own float field takes NaN: only the server can refuse it.
    options.scheduler_cores = math.nan
    assert run(_refusal(options_gateway, options)) == "scheduler_cores must be a finite number, got nan"


def test_the_server_refuses_100_kb_of_free_text_sent_by_the_client_and_keeps_no_cluster(
    options_gateway: RunningGateway,
) -> None:
    message = run(_refusal(options_gateway, cluster_name="x" * 100_000))
    assert message == "cluster_name takes at most 256 characters, got 100000"


def test_the_server_refuses_a_bool_for_an_integer_option(options_gateway: RunningGateway) -> None:
    assert run(_refusal(options_gateway, max_workers=True)) == "max_workers must be an integer, got True"


@pytest.fixture(scope="module")
def capped_gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningGateway]:
    """The dev stack's gateway with one cluster per user at a time."""
    gateway = DEV_GATEWAY.model_copy(update={"clusters_per_user": 1})
    with running_gateway(tmp_path_factory.mktemp("capped-gateway"), local_data(gateway)) as server:
        yield server


async def _second_cluster_while_the_first_runs(server: RunningGateway) -> tuple[str, int]:
    async with server.client() as gateway:
        first = await gateway.new_cluster()
        try:
            with pytest.raises(ValueError) as refused:
                await gateway.new_cluster()
        finally:
            await first.shutdown()
    # A new client: after a refusal the 2026.3.0 client can hang on the same Gateway object.
    async with server.client() as gateway:
        again = await gateway.new_cluster()
        clusters = len(await gateway.list_clusters())
        await again.shutdown()
    return str(refused.value), clusters


def test_a_user_at_the_cluster_cap_is_refused_until_a_cluster_stops(capped_gateway: RunningGateway) -> None:
    message, clusters_after_shutdown = run(_second_cluster_while_the_first_runs(capped_gateway))
    assert message == f"{getpass.getuser()} already runs 1 of at most 1 clusters; shut one down first"
    assert clusters_after_shutdown == 1
