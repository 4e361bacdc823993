"""The README stays short and the docs stay whole: links resolve, CI runs the README's command, modules are named."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from config.stack import PROJECT_DIR

README = PROJECT_DIR / "README.md"
DOCUMENTS = [README, *sorted((PROJECT_DIR / "docs").glob("*.md"))]
LAYOUT = PROJECT_DIR / "docs" / "layout.md"
LAID_OUT = ("config", "render", "components", "shipped", "policy", "tools")
MAX_README_LINES = 200
LINK = re.compile(r"\]\(([^)\s]+)\)")
CODE = re.compile(r"```.*?```|`[^`\n]*`", re.DOTALL)


def _relative_links(document: Path) -> list[str]:
    """Every Markdown link target in the document that is not a URL, outside code."""
    text = CODE.sub("", document.read_text())
    return [target for target in LINK.findall(text) if not re.match(r"[a-z]+:", target)]


def _anchor(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, each space a hyphen."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def _anchors(document: Path) -> set[str]:
    text = re.sub(r"```.*?```", "", document.read_text(), flags=re.DOTALL)
    return {_anchor(line.lstrip("#")) for line in text.splitlines() if re.match(r"#{1,6} ", line)}


def test_the_readme_is_at_most_200_lines() -> None:
    lines = README.read_text().splitlines()
    assert len(lines) <= MAX_README_LINES, f"README.md has {len(lines)} lines: move reference material to docs/"


def test_ci_runs_the_readmes_test_command() -> None:
    ci_command = (PROJECT_DIR / ".ci" / "run").read_text().strip().splitlines()[-1]
    two_commands = README.read_text().split("## The two commands", 1)[1].split("```bash\n", 1)[1]
    first_command = two_commands.splitlines()[0].split("#", 1)[0].strip()
    assert (ci_command, first_command) == ("bash scripts/test", "bash scripts/test")


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda path: str(path.relative_to(PROJECT_DIR)))
def test_every_relative_link_resolves(document: Path) -> None:
    for target in _relative_links(document):
        path, _, anchor = target.partition("#")
        linked = (document.parent / path).resolve() if path else document
        assert linked.exists(), f"{document.name}: {target} names no file"
        if anchor and linked.suffix == ".md":
            assert anchor in _anchors(linked), f"{document.name}: {target} names no heading of {linked.name}"


def test_the_link_check_sees_links_and_anchors() -> None:
    assert "docs/layout.md" in _relative_links(README)
    heading = "A laptop without Kubernetes: `pulumi up -s local`"
    assert _anchor(heading) == "a-laptop-without-kubernetes-pulumi-up--s-local"


def _sections(text: str) -> dict[str, str]:
    """The layout's sections by the folder their heading names, such as ``config``."""
    parts = re.split(r"^## `([a-z_]+)/`$", text, flags=re.MULTILINE)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


@pytest.mark.parametrize("folder", LAID_OUT)
def test_the_layout_names_every_module_of_the_folder(folder: str) -> None:
    section = _sections(LAYOUT.read_text()).get(folder, "")
    root = PROJECT_DIR / folder
    modules = sorted(path.relative_to(root).as_posix() for path in root.rglob("*.py") if path.name != "__init__.py")
    missing = [module for module in modules if f"`{module}`" not in section]
    assert modules, f"{folder}/ has no modules"
    assert missing == [], f"docs/layout.md, section {folder}/: add a row for each of {missing}"
