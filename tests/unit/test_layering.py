"""The layers import only downward: config <- render <- components <- __main__, with policy and tools beside them.

Every import counts, at module level or inside a function, so a cycle cannot hide behind a late import.
``shipped`` runs inside other programs, so it imports nothing of ours but itself (standard library and
dask-gateway-server only); every layer may import it, ``config`` included: that is how the name and label patterns
(``shipped/patterns.py``) and the gateway's data contract have one home that both ends use.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from config.stack import PROJECT_DIR

OURS = ("config", "render", "shipped", "components", "policy", "tools")
ALLOWED: dict[str, set[str]] = {
    "config": {"config", "shipped"},
    "shipped": {"shipped"},
    "render": {"config", "shipped", "render"},
    "components": {"config", "shipped", "render", "components"},
    "policy": {"config", "shipped", "render", "policy"},
    "tools": {"config", "shipped", "render", "policy", "tools"},
    "__main__": {"config", "components"},
}
"""What each layer may import of ours. Nothing imports tools or policy but themselves."""
NO_PULUMI = ("config", "render", "shipped")


def modules(root: Path) -> Iterator[tuple[str, Path]]:
    """(dotted module name, file) of every module of ours below ``root``."""
    for layer in OURS:
        for path in sorted((root / layer).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            yield ".".join(parts[:-1] if parts[-1] == "__init__" else parts), path
    if (root / "__main__.py").is_file():
        yield "__main__", root / "__main__.py"


def imported(path: Path) -> set[str]:
    """Every module name an import statement in the file names, relative imports resolved to nothing of ours."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def layering_problems(root: Path) -> list[str]:
    """Imports against the layering, Pulumi imports where none may be, and import cycles among our modules."""
    problems: list[str] = []
    graph: dict[str, set[str]] = {}
    ours = {name for name, _ in modules(root)}
    for name, path in modules(root):
        layer = name.split(".")[0]
        names = imported(path)
        graph[name] = {other for other in names if other in ours and other != name}
        for other in sorted(names):
            top = other.split(".")[0]
            if layer in NO_PULUMI and top.startswith("pulumi"):
                problems.append(f"{name} imports {other}: the {layer} layer never imports Pulumi")
            elif (top in OURS or top == "__main__") and top not in ALLOWED[layer]:
                problems.append(f"{name} imports {other}: {layer} may import only {sorted(ALLOWED[layer])}")
    problems.extend(f"import cycle: {' -> '.join(cycle)}" for cycle in _cycles(graph))
    return problems


def _cycles(graph: dict[str, set[str]]) -> Iterator[list[str]]:
    done: set[str] = set()

    def visit(node: str, path: list[str]) -> Iterator[list[str]]:
        if node in path:
            yield [*path[path.index(node) :], node]
            return
        if node in done:
            return
        for successor in sorted(graph.get(node, ())):
            yield from visit(successor, [*path, node])
        done.add(node)

    for start in sorted(graph):
        yield from visit(start, [])


def test_the_program_keeps_its_layers() -> None:
    assert layering_problems(PROJECT_DIR) == []


def _tree(root: Path, files: dict[str, str]) -> Path:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def test_a_pulumi_import_in_the_render_layer_is_caught(tmp_path: Path) -> None:
    root = _tree(tmp_path, {"render/__init__.py": "", "render/values.py": "import pulumi_kubernetes as k8s\n"})
    assert layering_problems(root) == ["render.values imports pulumi_kubernetes: the render layer never imports Pulumi"]


def test_an_upward_import_hidden_in_a_function_is_caught(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "config/__init__.py": "",
            "config/models.py": "def late():\n    from render.values import values\n",
            "render/__init__.py": "",
            "render/values.py": "from config.models import late\n",
        },
    )
    assert layering_problems(root) == [
        "config.models imports render.values: config may import only ['config', 'shipped']",
        "config.models imports render.values.values: config may import only ['config', 'shipped']",
        "import cycle: config.models -> render.values -> config.models",
    ]


def test_nothing_of_the_program_imports_tools_or_policy(tmp_path: Path) -> None:
    root = _tree(tmp_path, {"components/__init__.py": "", "components/x.py": "from tools.plan import plan\n"})
    assert layering_problems(root) == [
        "components.x imports tools.plan: components may import only ['components', 'config', 'render', 'shipped']",
        "components.x imports tools.plan.plan: components may import only "
        "['components', 'config', 'render', 'shipped']",
    ]
