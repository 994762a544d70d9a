"""Only the C extension lives here; all other metadata is in pyproject.toml.

`classifier._kernels` is optional: without a C compiler the build still succeeds and the
classifier falls back to its numpy reference code (slower, same results).
"""

from setuptools import Extension, setup

# classifier/csrc/<name>.c
SOURCES = (
    "module",
    "hashing",
    "tagger",
    "head",
    "dense",
    "scan",
    "runs",
    "numbers",
    "ids",
    "widths",
)

setup(
    ext_modules=[
        Extension(
            "classifier._kernels",
            [f"classifier/csrc/{name}.c" for name in SOURCES],
            depends=["classifier/csrc/kernels.h"],
            extra_compile_args=["-O3", "-std=c99"],
            optional=True,
        )
    ]
)
