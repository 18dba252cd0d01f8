import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accountability.settings")
# A web process: its queries are cut off at DATABASE_STATEMENT_TIMEOUT_MS (settings.py).
os.environ.setdefault("CHECKINS_PROCESS", "web")

application = get_wsgi_application()
