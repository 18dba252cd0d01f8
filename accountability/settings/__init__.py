"""Settings for the accountability check-in app.

Every knob is read from the environment (django-environ) with a default that gives a newcomer
a working app on SQLite and a console email backend; see README.md for the list. One module
per area, read in this order, each seeing the settings of those before it (base, signin, pages,
delivery, web): `DJANGO_SETTINGS_MODULE=accountability.settings` reads them all.
"""

from .base import env  # noqa: F401 - tests/settings.py reads the same environment
from .web import *  # noqa: F403
