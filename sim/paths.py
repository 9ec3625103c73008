"""Where OrgStack's files are: the configuration directory, and the repository when there is one.

The presets live in the repository's top-level ``configs/``. A wheel carries that
directory inside the package, as ``sim/configs`` (``setup.py``); a checkout, and an
editable install of it, reads ``configs/`` in place, so that an edited preset takes
effect without reinstalling. Standard library only: :mod:`sim.__main__` imports this
before anything heavy.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
# The wheel's copy of configs/; a checkout has none (setup.py maps configs/ there only when building).
INSTALLED_CONFIG_DIR = PACKAGE_DIR / "configs"


def repository() -> Path | None:
    """Return the repository checkout this package runs from, or None when it is installed from a wheel.

    A checkout is recognised by ``pyproject.toml`` and ``configs/`` beside the
    package, which an installed package's ``site-packages`` does not have.
    """
    root = PACKAGE_DIR.parent
    if (root / "pyproject.toml").is_file() and (root / "configs").is_dir():
        return root
    return None


def config_dir() -> Path:
    """Return the directory of the Hydra configuration (``config.yaml`` and the preset groups).

    Raises:
        FileNotFoundError: If neither the installed package nor a checkout has one,
            which means a broken installation.
    """
    if INSTALLED_CONFIG_DIR.is_dir():
        return INSTALLED_CONFIG_DIR
    root = repository()
    if root is None:
        raise FileNotFoundError(
            f"OrgStack's configuration is missing: neither {INSTALLED_CONFIG_DIR} nor a checkout's "
            f"configs/ beside {PACKAGE_DIR} exists; reinstall the package"
        )
    return root / "configs"


def repository_file(relative: str) -> Path | None:
    """Return a file of the repository checkout (``docs/validation.json``), or None when installed from a wheel.

    Args:
        relative: The file's path relative to the repository's root.
    """
    root = repository()
    return None if root is None else root / relative


CONFIG_DIR = config_dir()
