"""What the tests share: plans of the stacks and of variants of them, config parsing, policy runs, the gateway's
shipped configuration run as the gateway runs it, and the upstream reference data.

Test modules import from here (``from tests.helpers import ...``) and never from each other.
"""

from tests.helpers.diffs import (
    PropertyPath,
    change_of,
    changed_paths,
    covers,
    plan_changes,
    property_path,
    resource_key,
)
from tests.helpers.gateway import (
    GATEWAY_TIMEOUT,
    JUPYTERHUB_AUTH,
    RunningGateway,
    cluster_config_for,
    free_ports,
    kubernetes_backend,
    running_gateway,
)
from tests.helpers.mocks import (
    registered_inputs,
)
from tests.helpers.network import (
    admits,
    namespace_labels,
    selects,
)
from tests.helpers.policy import (
    chart_child,
    edited,
    messages,
    own_resource,
    stack_with_chart_objects,
    violations,
)
from tests.helpers.promql import (
    WRAPPING_EXPRESSIONS,
    promql_metrics,
)
from tests.helpers.schemas import (
    OPERATOR_CHART,
    closed_schema,
    crd_validators,
    operator_crd_validators,
    schema_errors,
)
from tests.helpers.stacks import (
    CHART,
    REFERENCE_DIR,
    STACKS,
    TEST_STACK_FILE,
    Resources,
    dependency_edges,
    error_for,
    error_naming,
    find,
    gateway_data,
    one,
    parse,
    reference_path,
    release_inputs,
    resolved,
    resources_of_type,
    stack_plan,
)
from tests.helpers.variants import (
    DELETE,
    Variant,
    merged,
    plan_with_teams,
    prod_with_rapids_enabled,
    stack_file_value,
    team_with_cluster,
    variant,
)

__all__ = [
    "CHART",
    "DELETE",
    "GATEWAY_TIMEOUT",
    "JUPYTERHUB_AUTH",
    "OPERATOR_CHART",
    "REFERENCE_DIR",
    "STACKS",
    "TEST_STACK_FILE",
    "WRAPPING_EXPRESSIONS",
    "PropertyPath",
    "Resources",
    "RunningGateway",
    "Variant",
    "admits",
    "change_of",
    "changed_paths",
    "chart_child",
    "closed_schema",
    "cluster_config_for",
    "covers",
    "crd_validators",
    "dependency_edges",
    "edited",
    "error_for",
    "error_naming",
    "find",
    "free_ports",
    "gateway_data",
    "kubernetes_backend",
    "merged",
    "messages",
    "namespace_labels",
    "one",
    "operator_crd_validators",
    "own_resource",
    "parse",
    "plan_changes",
    "plan_with_teams",
    "prod_with_rapids_enabled",
    "promql_metrics",
    "property_path",
    "reference_path",
    "registered_inputs",
    "release_inputs",
    "resolved",
    "resource_key",
    "resources_of_type",
    "running_gateway",
    "schema_errors",
    "selects",
    "stack_file_value",
    "stack_plan",
    "stack_with_chart_objects",
    "team_with_cluster",
    "variant",
    "violations",
]
