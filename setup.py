"""The C extension of the batch matcher (alerts/query/_matcher.c); the rest of the metadata is
in pyproject.toml. `scrapyd-deploy` also runs this file (`setup.py bdist_egg`).

The extension is optional: where it cannot be built (no C compiler), setuptools warns and
installs without it, and alerts.query.core falls back to the pure Python matcher."""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "alerts.query._matcher",
            ["alerts/query/_matcher.c"],
            extra_compile_args=["-Wall", "-Wextra"],
            optional=True,
        )
    ]
)
