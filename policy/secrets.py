"""Secrets: no secret material in plain text, and no gateway in prod that anyone who reaches it may use."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from policy.inputs import containers, gateway_data, get, items, walk
from policy.model import CONFIG_MAP, HELM_TYPES, PolicyContext, Resource, Rule
from render.names import PASSWORD_ENV
from shipped.gateway_contract import GatewayData

_SECRET_NAMES = {"password", "passwd", "passphrase", "token", "secret", "credentials", "apikey"}
_SECRET_PAIRS = {("api", "key"), ("private", "key"), ("access", "key"), ("secret", "key"), ("auth", "key")}
# Words that make a key name a Secret rather than hold one: apiTokenFromSecretKey, existingSecret, tlsSecret.
_REFERENCE_WORDS = {"from", "existing", "pull", "tls", "name", "ref"}
_PRIVATE_KEY = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----")


def _words(key: str) -> list[str]:
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1 \2", key))
    return [word.lower() for word in re.split(r"[^A-Za-z0-9]+", spaced) if word]


def is_secret_name(key: str) -> bool:
    """``password``, ``apiToken``, ``AWS_SECRET_ACCESS_KEY``; not references such as ``apiTokenFromSecretKey``."""
    words = _words(key)
    if not words or _REFERENCE_WORDS.intersection(words):
        return False
    return words[-1] in _SECRET_NAMES or tuple(words[-2:]) in _SECRET_PAIRS


def _secret_literals(value: Any, path: str) -> Iterator[str]:
    """Paths below ``value`` where secret material is written as a literal."""
    for where, item in walk(value, path):
        if isinstance(item, str) and _PRIVATE_KEY.search(item):
            yield where
        if not isinstance(item, Mapping):
            continue
        env_name, env_value = item.get("name"), item.get("value")
        if isinstance(env_name, str) and isinstance(env_value, str) and env_value and is_secret_name(env_name):
            yield f"{where} (env {env_name})"
        for key in item:
            if key not in ("name", "value") and is_secret_name(str(key)) and isinstance(item[key], str) and item[key]:
                yield f"{where}.{key}" if where else str(key)


def check_no_plaintext_secrets(resource: Resource, context: PolicyContext) -> Iterator[str]:
    if resource.type == CONFIG_MAP:
        places = [*_secret_literals(resource.inputs.get("data") or {}, "data")]
        places += [f"binaryData.{key}" for key in resource.inputs.get("binaryData") or {} if is_secret_name(key)]
        hint = "move them into a Kubernetes Secret and mount or reference that instead"
    elif resource.type in HELM_TYPES:
        places = list(_secret_literals(resource.chart_values, "values"))
        hint = (
            "chart values end up in plain text in the release: put the secret in a Kubernetes Secret and reference "
            "it (env valueFrom.secretKeyRef, or the chart's existing-Secret option); the gateway password is set "
            "with `pulumi config set --secret dask-platform:gatewayPassword`"
        )
    else:
        places = [
            where
            for path, container in containers(resource.inputs)
            for where in _secret_literals(container.get("env") or [], f"{path}.env")
        ]
        hint = "read them from a Kubernetes Secret with env valueFrom.secretKeyRef"
    if places:
        yield f"secret material in plain text at {', '.join(places)}: {hint}"


def _wires_password_from_secret(values: Mapping[str, Any]) -> bool:
    env = get(values, "gateway.env")
    return any(
        isinstance(item, Mapping) and item.get("name") == PASSWORD_ENV and get(item, "valueFrom.secretKeyRef.name")
        for item in items(env)
    )


def _requires_password_from_env(data: GatewayData | None) -> bool:
    # Subscripts, not .get: mypy checks a subscript's key against the contract. A hand-edited document may lack one.
    try:
        return data is not None and data["passwordEnv"] == PASSWORD_ENV and data["passwordRequired"] is True
    except (KeyError, TypeError):
        return False


def check_gateway_auth(resource: Resource, context: PolicyContext) -> Iterator[str]:
    if not context.is_prod or not resource.is_gateway_chart:
        return
    values = resource.chart_values
    if (get(values, "gateway.auth.type") or "simple") != "simple":
        return
    if not (_requires_password_from_env(gateway_data(values)) and _wires_password_from_secret(values)):
        yield (
            "the gateway uses the simple authenticator without a password from a Secret, so anyone who reaches it "
            "can start clusters as any user: set `pulumi config set --secret dask-platform:gatewayPassword` "
            f"(the program passes it from a Kubernetes Secret through {PASSWORD_ENV}), "
            "or use gateway.auth.type: jupyterhub"
        )


RULES: tuple[Rule, ...] = (
    Rule(
        "no-plaintext-secrets",
        "No secret material in ConfigMaps, chart values or literal container env.",
        "mandatory",
        check_no_plaintext_secrets,
    ),
    Rule(
        "gateway-auth-not-open",
        "Gateway auth in prod is never an open simple authenticator.",
        "advisory",
        check_gateway_auth,
    ),
)
