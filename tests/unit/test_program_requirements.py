"""What `pulumi up` installs (requirements.txt alone) is enough for everything the program imports.

The tests run with the dev requirements, so a module the program imports from a test-only package would pass
every other test and still fail `pulumi up` on a user's machine with a traceback.
"""

from __future__ import annotations

import ast
import sys
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from config.stack import PROJECT_DIR

PROGRAM = ("__main__.py", "config", "render", "components", "shipped", "tools/plan.py")
"""What `pulumi up` and `scripts/plan` run: the program, the code it ships and the offline plan."""
FIRST_PARTY = {"config", "render", "components", "shipped", "tools", "policy"}
RUN_IN_IMAGES = {"shipped/smoke_check.py": {"dask_gateway"}}
"""Imports inside functions the program never calls: they run in the images, which install them (the program
imports the module only for its data contract; tests/unit/test_smoke_check.py imports it without them)."""


def program_files() -> list[Path]:
    files: list[Path] = []
    for entry in PROGRAM:
        path = PROJECT_DIR / entry
        files += sorted(path.rglob("*.py")) if path.is_dir() else [path]
    return files


def imported_top_level(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def third_party_imports() -> dict[str, str]:
    """Top-level module -> the first program file importing it, for every module not in the standard library."""
    found: dict[str, str] = {}
    for path in program_files():
        in_images = RUN_IN_IMAGES.get(path.relative_to(PROJECT_DIR).as_posix(), set())
        for name in sorted(imported_top_level(path) - FIRST_PARTY - set(sys.stdlib_module_names) - in_images):
            found.setdefault(name, path.relative_to(PROJECT_DIR).as_posix())
    return found


def requirement_names(path: Path) -> set[str]:
    lines = (line.split("#")[0].strip() for line in path.read_text().splitlines())
    return {canonicalize_name(Requirement(line).name) for line in lines if line and not line.startswith("-")}


def installed_closure(roots: set[str]) -> set[str]:
    """The distributions pip installs for ``roots``: each with its unconditional dependencies, recursively."""
    closure: set[str] = set()
    pending = list(roots)
    while pending:
        name = pending.pop()
        if name in closure:
            continue
        closure.add(name)
        for text in metadata.requires(name) or ():
            requirement = Requirement(text)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                pending.append(canonicalize_name(requirement.name))
    return closure


def test_every_module_the_program_imports_is_installed_by_requirements_txt() -> None:
    closure = installed_closure(requirement_names(PROJECT_DIR / "requirements.txt"))
    providers = metadata.packages_distributions()
    missing = {
        module: f"{importer} (from {', '.join(providers.get(module, ['an unknown distribution']))})"
        for module, importer in third_party_imports().items()
        if not {canonicalize_name(dist) for dist in providers.get(module, [])} & closure
    }
    assert missing == {}, f"imported by the program but not installed by requirements.txt: {missing}"


def test_the_check_sees_a_test_only_import(tmp_path: Path) -> None:
    # kubernetes_validate came only from requirements-dev.txt once and broke `pulumi up`; the check must see such.
    module = tmp_path / "module.py"
    module.write_text("import kubernetes_validate\nfrom pytest import fixture\nimport json\n")
    assert imported_top_level(module) - set(sys.stdlib_module_names) == {"kubernetes_validate", "pytest"}
    assert "pytest" not in installed_closure(requirement_names(PROJECT_DIR / "requirements.txt"))
