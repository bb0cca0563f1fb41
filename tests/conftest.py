"""Hypothesis profiles (STYLE.md, Tests): ``ci`` is derandomized, so a CI run is repeatable.
The columnar engine's SQL cache (prrt.columnar.sql_cache) goes to a temporary folder of the
run unless ``PRRT_CACHE_DIR`` is set, so tests never write into the user's cache.

The ``ci`` profile is loaded when the ``CI`` environment variable is set (to anything but
an empty string), else ``default``. ``HYPOTHESIS_PROFILE`` overrides both, e.g.
``HYPOTHESIS_PROFILE=thorough`` for a long local search.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    derandomize=True,  # the same examples on every run; implies no example database
    max_examples=100,
    deadline=None,  # shared CI machines have noisy timings
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("default", max_examples=50, deadline=None)
settings.register_profile("thorough", max_examples=1000, deadline=None)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "default")
)

if not os.environ.get("PRRT_CACHE_DIR"):
    _CACHE = tempfile.mkdtemp(prefix="prrt-test-cache-")
    os.environ["PRRT_CACHE_DIR"] = _CACHE
    atexit.register(shutil.rmtree, _CACHE, ignore_errors=True)
