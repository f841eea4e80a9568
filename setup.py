"""The one layout rule pyproject.toml cannot express: the repository's top-level `configs/` and `macros/`
folders ship inside the package as `higgshunt/configs` and `higgshunt/macros` (found by higgshunt.resources).
Everything else is in pyproject.toml."""

from setuptools import find_packages, setup

SHIPPED = {"higgshunt.configs": "configs", "higgshunt.macros": "macros"}

setup(
    packages=[*find_packages("python", include=["higgshunt", "higgshunt.*"]), *SHIPPED],
    package_dir={"": "python", **SHIPPED},
)
