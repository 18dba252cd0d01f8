"""Settings for bench/pages.py's gunicorn: the test settings (PostgreSQL, Redis, DEBUG off)
on the bench's own database, with a URLconf that adds the floor view (bench/floor/urls.py). Never
used by the app or the tests."""

import os

from tests.settings import *  # noqa: F403
from tests.settings import DATABASES

DATABASES["default"]["NAME"] = os.environ.get("BENCH_DATABASE", "bench_pages")
DATABASES["default"]["CONN_MAX_AGE"] = 600
ROOT_URLCONF = "bench.floor.urls"
