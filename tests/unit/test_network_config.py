"""``networkPolicies.egress``: each mistake refused with one line naming the key, the value and what is allowed."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers import TEST_STACK_FILE, error_for, parse

KEY = "dask-platform:networkPolicies.egress"


def _egress(*destinations: dict[str, Any]) -> dict[str, Any]:
    return {"environment": "dev", "networkPolicies": {"egress": list(destinations)}}


def _destination(**fields: Any) -> dict[str, Any]:
    return {"name": "object-store", "cidr": "10.0.0.0/8", "ports": [443], **fields}


@pytest.mark.parametrize(
    ("destination", "message"),
    [
        (
            _destination(cidr="10.0.0.1/8"),
            f'{KEY}[0].cidr = "10.0.0.1/8": must be an IPv4 or IPv6 network such as 10.0.0.0/8 '
            "(10.0.0.1/8 has host bits set)",
        ),
        (
            _destination(cidr="object-store.internal"),
            f'{KEY}[0].cidr = "object-store.internal": must be an IPv4 or IPv6 network such as 10.0.0.0/8 '
            "('object-store.internal' does not appear to be an IPv4 or IPv6 network)",
        ),
        (
            _destination(cidr="10.0.0.0/33"),
            f'{KEY}[0].cidr = "10.0.0.0/33": must be an IPv4 or IPv6 network such as 10.0.0.0/8 '
            "('10.0.0.0/33' does not appear to be an IPv4 or IPv6 network)",
        ),
        (_destination(cidr="fd00:0::/8"), f'{KEY}[0].cidr = "fd00:0::/8": must be written as fd00::/8'),
        (_destination(ports=[0]), f"{KEY}[0].ports[0] = 0: must be a port from 1 to 65535"),
        (_destination(ports=[65536]), f"{KEY}[0].ports[0] = 65536: must be a port from 1 to 65535"),
        (_destination(ports=["443"]), f'{KEY}[0].ports[0] = "443": Input should be a valid integer'),
        (_destination(ports=[]), f"{KEY}[0].ports = []: List should have at least 1 item after validation, not 0"),
        (
            _destination(name="Object Store"),
            f'{KEY}[0].name = "Object Store": must be a short name: at most 40 lowercase letters, digits and',
        ),
        (
            _destination(name="default"),
            f'{KEY}[0].name = "default": is the name of one of the platform\'s own egress policies; choose another '
            "than 'default'",
        ),
        (_destination(protocol="SCTP"), f"{KEY}[0].protocol = \"SCTP\": Input should be 'TCP' or 'UDP'"),
    ],
    ids=[
        "cidr-host-bits",
        "cidr-hostname",
        "cidr-prefix-too-long",
        "cidr-not-canonical",
        "port-zero",
        "port-too-high",
        "port-text",
        "no-ports",
        "name-not-a-label",
        "name-reserved",
        "protocol-unknown",
    ],
)
def test_a_bad_egress_destination_gets_one_line_naming_it(destination: dict[str, Any], message: str) -> None:
    error = error_for(_egress(destination))
    assert len(error.splitlines()) == 1
    assert error.startswith(f"{TEST_STACK_FILE}: {message}")


def test_two_destinations_with_one_name_are_refused() -> None:
    error = error_for(_egress(_destination(), _destination(cidr="192.168.0.0/16")))
    assert len(error.splitlines()) == 1
    assert error.endswith(": names the destination 'object-store' twice; names must be unique")
    assert error.startswith(f"{TEST_STACK_FILE}: {KEY} = ")


def test_a_good_destination_is_kept_as_written() -> None:
    [destination] = parse(_egress(_destination(cidr="2001:db8::/32", ports=[443, 9000]))).network_policies.egress
    assert (destination.name, destination.cidr, destination.ports, destination.protocol) == (
        "object-store",
        "2001:db8::/32",
        [443, 9000],
        "TCP",
    )
