# Production image: gunicorn serving the app, static files by WhiteNoise. The same image runs
# the Celery worker and beat (see docker-compose.yml for the commands).
FROM python:3.11-slim-bookworm

# DEBUG off in the image: manage.py would otherwise default to development mode.
ENV PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DEBUG=false

RUN groupadd --system app && useradd --system --gid app --home-dir /app --no-create-home app

WORKDIR /app

COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt

COPY . .

# Hashed, compressed static files (DEBUG off selects WhiteNoise's manifest storage). The random
# key and the cache URL exist only for this command (production settings refuse a short or
# published key and a per-process cache); the running container gets its own from .env.
RUN DEBUG=false CACHE_URL=redis://build-only:6379/1 \
    SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
    python manage.py collectstatic --noinput \
    && mkdir -p /app/.run \
    && chown app:app /app/.run

USER app

EXPOSE 8000

# No access log: request lines carry paths and client addresses, and the anonymous pages
# promise to leave no trail.
CMD ["gunicorn", "accountability.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3"]
