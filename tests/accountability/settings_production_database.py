"""tests.settings, but with the database connection exactly as production configures it from
DATABASE_URL (persistent, health-checked, with a connect timeout), for a server a test starts
against a database of its own (test_database_restart.py). tests.settings alone pins the
connection from TEST_DATABASE_URL without those options."""

from accountability import settings as production

from ..settings import *  # noqa: F403

DATABASES = production.DATABASES
