"""The packages of the wheel; everything else about the project is in pyproject.toml.

The presets stay in the repository's top-level ``configs/``, and a wheel carries
them as ``sim/configs`` (found by :mod:`sim.paths`). pyproject.toml can either find
packages or list them, not both, and configs/ is not under sim/, so the list is made
here: the packages found in the tree, and configs/ with each of its folders as a data
package (setuptools treats a folder of package data as a package to be listed).
An editable install does not map configs/ into sim (setuptools' editable finder
ignores such a mapping); there sim.paths reads configs/ in place.
"""

from setuptools import find_namespace_packages, setup

CODE = find_namespace_packages(include=["sim*", "experiments*", "viz*", "hydra_plugins*"])
CONFIGS = ["sim.configs"] + [f"sim.configs.{name}" for name in find_namespace_packages("configs")]

setup(
    packages=CODE + CONFIGS,
    package_dir={"sim.configs": "configs"},
    package_data={name: ["*.yaml"] for name in CONFIGS},
)
