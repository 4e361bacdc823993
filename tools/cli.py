"""What every command-line tool does with the failures it expects: one line on stderr and an exit code."""

from __future__ import annotations

import sys
from collections.abc import Callable


def exit_code(action: Callable[[], None], *expected: type[Exception]) -> int:
    """0 once ``action`` has run; 1, with the failure's message as one line, when it raises one of ``expected``.

    A user's mistake (a missing base image, a failed build) is not a bug in the tool, so it gets no traceback.
    """
    try:
        action()
    except expected as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0
