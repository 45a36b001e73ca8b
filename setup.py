"""Packaging glue that pyproject.toml cannot express: the top-level `policies/` folder
ships inside the wheel as the package data `aigc_guard/policies/*.yaml` (and the audit
log's Alembic migration scripts, which are not a package, ship as data too)."""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["aigc_guard", "aigc_guard.*"]), "aigc_guard.policies"],
    package_dir={"aigc_guard.policies": "policies"},
    package_data={
        "aigc_guard": ["py.typed", "audit/migrations/versions/*.py"],
        "aigc_guard.policies": ["*.yaml"],
    },
)
