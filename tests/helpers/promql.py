"""PromQL, read with Prometheus' own grammar."""

from __future__ import annotations

from typing import Any

import promql_parser

WRAPPING_EXPRESSIONS = (
    promql_parser.AggregateExpr,
    promql_parser.ParenExpr,
    promql_parser.UnaryExpr,
    promql_parser.SubqueryExpr,
)


def promql_metrics(expr: str) -> set[str]:
    """The metric names a PromQL expression reads, from Prometheus' own grammar (promql-parser)."""
    found: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, promql_parser.VectorSelector):
            found.add(node.name)
        elif isinstance(node, promql_parser.MatrixSelector):
            walk(node.vector_selector)
        elif isinstance(node, promql_parser.BinaryExpr):
            walk(node.lhs)
            walk(node.rhs)
        elif isinstance(node, promql_parser.Call):
            for argument in node.args:
                walk(argument)
        elif isinstance(node, WRAPPING_EXPRESSIONS):
            walk(node.expr)

    walk(promql_parser.parse(expr))
    return found
