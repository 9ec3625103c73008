"""How OrgStack's commands end on bad input: one line on stderr naming the field, and exit code 2."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import NoReturn

EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130


def fail(message: str, prog: str) -> NoReturn:
    """Print one error line on stderr and exit with the bad-input code (``orgstack`` and its siblings)."""
    line = " ".join(message.split())
    print(f"{prog}: error: {line}", file=sys.stderr)
    raise SystemExit(EXIT_BAD_INPUT)


class CommandParser(argparse.ArgumentParser):
    """An argument parser that reports a bad command line in one line and exits 2."""

    def error(self, message: str) -> None:
        """Print ``message`` as one line, like every other bad input, and exit 2."""
        fail(message, self.prog)


def parse_hydra_args(args: Sequence[str], prog: str) -> argparse.Namespace:
    """Parse a command line with Hydra's own parser, so that flags parse as Hydra's do.

    A bad flag ends as every other bad input does: one line and exit 2, not Hydra's
    whole usage text.
    """
    from hydra._internal.utils import get_args_parser

    parser = get_args_parser()
    parser.error = lambda message: fail(message, prog)  # type: ignore[method-assign]
    return parser.parse_args(list(args))
