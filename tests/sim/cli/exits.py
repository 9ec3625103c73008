"""Run a command's ``main`` in-process and catch how it exits, for the command-line tests."""

from collections.abc import Callable, Sequence

import pytest


def exited(capsys: pytest.CaptureFixture[str], main: Callable[[Sequence[str]], object], args: Sequence[str]):
    """Run ``main(args)``, which must exit, and return ``(exit code, stdout, stderr)``."""
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    out = capsys.readouterr()
    return exit_info.value.code, out.out, out.err
