#!/usr/bin/env python
import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "accountability.settings")
    # manage.py is the developer's tool: without DEBUG set it runs in development mode, so a
    # fresh clone needs no SECRET_KEY. Servers (gunicorn, Celery) and docker-compose set DEBUG
    # explicitly, and production settings still demand a real key.
    os.environ.setdefault("DEBUG", "true")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
