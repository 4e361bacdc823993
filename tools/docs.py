"""Every generated document, written from the code it describes so that it cannot drift.

    python -m tools.docs            # write every generated document
    python -m tools.docs --check    # exit 1, naming them, when any document differs from what the code generates

Each generator is a ``render() -> str`` that returns its whole document; edit the code it reads, never the
document.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from config.stack import PROJECT_DIR
from tools import config_reference, mistakes_reference, policy_reference

GENERATED: dict[str, Callable[[], str]] = {
    "docs/configuration.md": config_reference.render,
    "docs/mistakes.md": mistakes_reference.render,
    "docs/policies.md": policy_reference.render,
}
"""Each generated document, by its path in the repository, and the function that renders all of it."""


def stale() -> list[str]:
    """The generated documents whose file differs from what their generator renders now."""
    stale_paths = []
    for path, render in GENERATED.items():
        file = PROJECT_DIR / path
        if not file.exists() or file.read_text() != render():
            stale_paths.append(path)
    return stale_paths


def write() -> list[str]:
    """Write every stale document; the paths written."""
    written = stale()
    for path in written:
        (PROJECT_DIR / path).write_text(GENERATED[path]())
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.docs", description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="only check that every generated document is current")
    args = parser.parse_args(argv)
    if args.check:
        paths = stale()
        for path in paths:
            print(f"{path} is stale: run `python -m tools.docs` and commit it", file=sys.stderr)
        return 1 if paths else 0
    written = write()
    print("\n".join(f"updated {path}" for path in written) or "unchanged")
    return 0


if __name__ == "__main__":
    sys.exit(main())
