"""The C extensions, the one thing pyproject.toml does not declare (its ext-modules table is experimental).

Two hot loops of a single lookup: nearest.py's bucket search (_buckets.c) and crossings.py's edge
count (_crossings.c). `pip install` builds them with the C compiler; without one the install still
succeeds (optional) and the Python loops answer the same, slower (tilegeo logs it at start-up).
-ffp-contract=off: no fused multiply-add, so every double matches the Python loops'.
"""
from setuptools import Extension, setup

FLAGS = ["-O2", "-ffp-contract=off"]

setup(ext_modules=[
    Extension(f"service.geocode.{name}", [f"service/geocode/{name}.c"], extra_compile_args=FLAGS, optional=True)
    for name in ("_buckets", "_crossings")
])
